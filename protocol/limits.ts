export const PROTOCOL_VERSION = 3;
/** The oldest protocol version a server still accepts in `hello` (see docs/protocol.md for what it sees). */
export const MIN_PROTOCOL_VERSION = 1;
export const DEFAULT_PORT = 6666;

/** Limits announced in `welcome`. */
export interface Limits {
  /** Largest `frameLength` accepted (header + body + 4), in bytes. */
  maxFrame: number;
  /** Largest message text, and largest snippet code, in UTF-8 bytes: one figure for both. */
  maxText: number;
  /** Largest upload, in bytes. */
  maxUpload: number;
  /** Preferred transfer chunk size, in bytes. */
  chunk: number;
  /** Different emoji a message can carry. */
  maxReactions: number;
  /** Pinned messages a room can hold. */
  maxPins: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFrame: 1024 * 1024,
  maxText: 16 * 1024,
  maxUpload: 100 * 1024 * 1024,
  chunk: 256 * 1024,
  maxReactions: 20,
  maxPins: 100,
};

export const HISTORY_MAX_LIMIT = 200;
/** Users in one presence list (the snapshot after `session`, or one introduction on join). */
export const MAX_PRESENCE_LIST = 1000;
/** Names in one RoomInfo's `members`; a bigger room's list is cut and carries `memberCount`. */
export const MAX_LISTED_MEMBERS = 500;
/** Rooms one `rooms` reply lists beyond the user's own: group rooms to join, by id. */
export const MAX_LISTED_ROOMS = 500;
export const SEARCH_MAX_LIMIT = 100;
/** Public rooms one `directory` reply lists at most (and by default). */
export const DIRECTORY_MAX_LIMIT = 100;
/** Audit entries one `audit` reply holds at most (and by default). */
export const AUDIT_MAX_LIMIT = 200;
/**
 * `RoomInfo.unread` counts at most this many messages plus one: a count above it means "more
 * than UNREAD_LIMIT" (shown as "999+"), so a listing never reads more than this far into a room.
 */
export const UNREAD_LIMIT = 999;
/** Words in one search (each word of a "quoted phrase" counts): each more is another index list to merge. */
export const MAX_SEARCH_WORDS = 8;
/** Longest word a search may hold, in characters: no word people type is longer, and no stored one matches. */
export const MAX_SEARCH_WORD_LENGTH = 64;
/**
 * Candidates one search looks at, newest first, before its filters and its limit: the messages
 * holding its words (SQLite; Neo4j's queryNodes reads this many best-scored hits), or with filters
 * alone the newest messages. Keeps a search that matches nothing from reading the whole store.
 */
export const SEARCH_SCAN_LIMIT = 10_000;
export const THREAD_MAX_LIMIT = 200;
export const EVENTS_MAX_LIMIT = 500;
/** Longest reaction key, in UTF-16 units: one emoji, skin tones and ZWJ sequences included. */
export const MAX_EMOJI_LENGTH = 32;
/** Who `@room` notifies: everyone in the room. */
export const ROOM_MENTION = 'room';
/** User names: 6 to 32 of these characters (USERNAME_MIN/MAX_LENGTH say the bounds). */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{6,32}$/;
/**
 * The author of every message of a deleted account: it has a space, so no account can bear it, and
 * it names nobody (clients show it as "deleted user").
 */
export const DELETED_USER = 'deleted user';
export const USERNAME_MIN_LENGTH = 6;
export const USERNAME_MAX_LENGTH = 32;
/** Passwords: at least this many characters (code points)… */
export const MIN_PASSWORD_LENGTH = 8;
/** …and at most this many UTF-16 units. */
export const MAX_PASSWORD_LENGTH = 1024;
export const GENERAL_ROOM = 'general';
/** Group room names: what `create` accepts and what ends up as the room id. */
export const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** Profiles (protocol 3): the longest display name and status message, in UTF-16 units. */
export const MAX_DISPLAY_NAME_LENGTH = 64;
export const MAX_STATUS_MESSAGE_LENGTH = 140;
/** Names one `profiles` request may ask for. */
export const MAX_PROFILES_LIST = 500;
/** Largest avatar upload, in bytes: the server keeps only a small square made from it. */
export const MAX_AVATAR_UPLOAD = 5 * 1024 * 1024;
/** The stored avatar is a PNG this many pixels square. */
export const AVATAR_SIZE = 128;
