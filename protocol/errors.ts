/** Stable error codes carried by `error` frames. Clients branch on `code`, show `message`. */
export const ERROR_CODES = [
  'VERSION',
  'BAD_FRAME',
  'FRAME_TOO_LARGE',
  'UNKNOWN_TYPE',
  'INVALID',
  'UNAUTHENTICATED',
  'SESSION_EXPIRED',
  'SESSION_REVOKED',
  'BAD_CREDENTIALS',
  'USER_EXISTS',
  'INVALID_USERNAME',
  'WEAK_PASSWORD',
  'FORBIDDEN',
  'NOT_FOUND',
  'NOT_AUTHOR',
  'NESTED_REPLY',
  'MESSAGE_DELETED',
  'TOO_MANY_REACTIONS',
  'TOO_MANY_PINS',
  'NOT_ROOM_ADMIN',
  'NOT_OWNER',
  'NOT_SERVER_ADMIN',
  'OUTRANKED',
  'READ_ONLY',
  'BANNED',
  'ALREADY_MEMBER',
  'ALREADY_INVITED',
  'NOT_INVITED',
  'NOT_MEMBER',
  'NOT_BANNED',
  'LAST_OWNER',
  'ACCOUNT_DISABLED',
  'ACCOUNT_DELETED',
  'FIXED_ADMIN',
  'BLOCKED',
  'TOO_LARGE',
  'UNSUPPORTED_IMAGE',
  'RATE_LIMITED',
  'SLOW_CONSUMER',
  'STORE_UNAVAILABLE',
  'MEDIA_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Default one-sentence messages; a server may give a more specific one. */
export const DEFAULT_ERROR_MESSAGES: Record<ErrorCode, string> = {
  VERSION: 'This server speaks a different protocol version.',
  BAD_FRAME: 'The frame could not be read.',
  FRAME_TOO_LARGE: 'The frame is larger than the server accepts.',
  UNKNOWN_TYPE: 'The server does not know this request type.',
  INVALID: 'The request is missing a field or has a wrong one.',
  UNAUTHENTICATED: 'Sign in first.',
  SESSION_EXPIRED: 'This session has expired; sign in again.',
  SESSION_REVOKED: 'This session was ended from another device; sign in again.',
  BAD_CREDENTIALS: 'Wrong user name or password.',
  USER_EXISTS: 'That user name is taken.',
  INVALID_USERNAME: 'User names are 6 to 32 characters of letters, digits, "_", "." or "-".',
  WEAK_PASSWORD: 'Passwords need at least 8 characters.',
  FORBIDDEN: 'You are not allowed to do that.',
  NOT_FOUND: 'No such room, user, message or file.',
  NOT_AUTHOR: 'Only the author of a message can do that.',
  NESTED_REPLY: 'That message is a reply; threads do not nest, so answer in its thread.',
  MESSAGE_DELETED: 'That message was deleted.',
  TOO_MANY_REACTIONS: 'That message has as many different reactions as it can take.',
  TOO_MANY_PINS: 'This room has as many pinned messages as it can take; unpin one first.',
  NOT_ROOM_ADMIN: "Only the room's owners and admins can do that.",
  NOT_OWNER: "Only the room's owner can do that.",
  NOT_SERVER_ADMIN: 'Only a server administrator can do that.',
  OUTRANKED: 'That member holds a role as high as yours or higher.',
  READ_ONLY: 'This room is read-only: only its owners and admins post here.',
  BANNED: 'That user is banned from this room.',
  ALREADY_MEMBER: 'That user is a member of the room already.',
  ALREADY_INVITED: 'That user is invited to the room already.',
  NOT_INVITED: 'There is no such invitation.',
  NOT_MEMBER: 'That user is not a member of the room.',
  NOT_BANNED: 'That user is not banned from the room.',
  LAST_OWNER: 'A room keeps an owner: hand ownership to another member first.',
  ACCOUNT_DISABLED: 'This account has been disabled by a server administrator.',
  ACCOUNT_DELETED: 'This account was deleted.',
  FIXED_ADMIN: 'That server administrator is named in the server configuration (--admin): only the configuration changes that.',
  BLOCKED: 'That user has blocked you.',
  TOO_LARGE: 'That is larger than the server accepts.',
  UNSUPPORTED_IMAGE: 'Avatars are PNG, JPEG, GIF or BMP images of at most 4096 by 4096 pixels.',
  RATE_LIMITED: 'Too many requests; try again shortly.',
  SLOW_CONSUMER: 'The connection fell too far behind and was closed.',
  STORE_UNAVAILABLE: 'The message store is unavailable; nothing was saved.',
  MEDIA_UNAVAILABLE: 'The media store is unavailable; try again later.',
  INTERNAL: 'The server hit an internal error.',
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** An error with a protocol code, thrown by server handlers and by the client on `error` replies. */
export class ParleyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_ERROR_MESSAGES[code],
  ) {
    super(message);
    this.name = 'ParleyError';
  }
}
