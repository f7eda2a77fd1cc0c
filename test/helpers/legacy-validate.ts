// A frozen copy of the hand-written checks that the schemas replaced: the equivalence test and bench/validate.ts compare against it.
import { isEmoji } from '../../protocol/emoji';
import { CHANGE_KINDS, type ClientFrame, type ClientFrameType } from '../../protocol/messages';

/**
 * Runtime schemas for every client → server frame. The server trusts nothing else:
 * a frame that fails here is answered with INVALID (or UNKNOWN_TYPE) and never reaches a handler.
 */
type FieldCheck = (value: unknown) => boolean;
interface FieldSpec {
  check: FieldCheck;
  optional?: boolean;
}
type Schema = Record<string, FieldSpec>;

const isString: FieldCheck = (v) => typeof v === 'string';
const isBoolean: FieldCheck = (v) => typeof v === 'boolean';
const isNonEmptyString: FieldCheck = (v) => typeof v === 'string' && v.length > 0;
const isShortString = (max: number): FieldCheck => (v) => typeof v === 'string' && v.length > 0 && v.length <= max;
const isNonNegativeInt: FieldCheck = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const isPositiveInt: FieldCheck = (v) => Number.isSafeInteger(v) && (v as number) > 0;
const isRequestId: FieldCheck = (v) =>
  (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length > 0 && v.length <= 128);
const isSha256: FieldCheck = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const isSince: FieldCheck = (v) =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  Object.entries(v as object).every(([k, s]) => k.length > 0 && k.length <= 200 && isNonNegativeInt(s));
// Added with code anchors (the only change since the freeze): the rules CodeAnchorSchema states.
const isContext: FieldCheck = (v) => Array.isArray(v) && v.length <= 5 && v.every((l) => typeof l === 'string' && l.length <= 2000);
const isAnchor: FieldCheck = (v) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const a = v as Record<string, unknown>;
  return (
    (a.repo === undefined || isShortString(2048)(a.repo)) &&
    isShortString(1024)(a.path) &&
    (a.commit === undefined || (typeof a.commit === 'string' && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(a.commit))) &&
    (a.dirty === undefined || isBoolean(a.dirty)) &&
    isPositiveInt(a.startLine) &&
    isPositiveInt(a.endLine) &&
    isSha256(a.textSha256) &&
    isContext(a.before) &&
    isContext(a.after)
  );
};
const isSnippet: FieldCheck = (v) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const s = v as Record<string, unknown>;
  return (
    isString(s.code) &&
    isShortString(64)(s.language) &&
    (s.path === undefined || isShortString(1024)(s.path)) &&
    (s.startLine === undefined || isPositiveInt(s.startLine)) &&
    (s.endLine === undefined || isPositiveInt(s.endLine)) &&
    (s.remote === undefined || isShortString(2048)(s.remote)) &&
    (s.commit === undefined || isShortString(64)(s.commit)) &&
    (s.fileSha256 === undefined || isSha256(s.fileSha256)) &&
    (s.anchor === undefined || isAnchor(s.anchor))
  );
};

const req = (check: FieldCheck): FieldSpec => ({ check });
const opt = (check: FieldCheck): FieldSpec => ({ check, optional: true });
const id = req(isRequestId);
const room = req(isShortString(200));
const cid = req(isShortString(128));
const isChangeKind: FieldCheck = (v) => (CHANGE_KINDS as readonly unknown[]).includes(v);
const isThreadState: FieldCheck = (v) => v === 'open' || v === 'resolved' || v === 'all';

/** Protocol 2's frames; the rooms frames of protocol 3 came with their schemas and have no hand-written twin. */
const SCHEMAS: Partial<Record<ClientFrameType, Schema>> = {
  hello: { id, v: req(isNonNegativeInt), client: opt(isShortString(200)) },
  register: { id, user: req(isString), password: req(isString) },
  login: { id, user: req(isString), password: req(isString) },
  resume: { id, token: req(isShortString(200)), since: opt(isSince), transfer: opt(isBoolean) },
  logout: { id },
  sessions: { id },
  revoke: { id, session: opt(isShortString(64)), all: opt(isBoolean) },
  password: { id, old: req(isString), new: req(isString) },
  ping: { id: opt(isRequestId) },
  pong: { id: opt(isRequestId) },
  send: { id, room, cid, text: opt(isString), snippet: opt(isSnippet), root: opt(isPositiveInt), inRoom: opt(isBoolean) },
  change: { id, room, cid, kind: req(isChangeKind), target: req(isPositiveInt), emoji: opt(isEmoji), text: opt(isString) },
  thread: { id, room, root: req(isPositiveInt), after: opt(isNonNegativeInt), limit: opt(isPositiveInt) },
  threads: { id, room, state: opt(isThreadState), before: opt(isPositiveInt), limit: opt(isPositiveInt) },
  pins: { id, room },
  revisions: { id, room, seq: req(isPositiveInt) },
  events: { id, room, after: req(isNonNegativeInt), limit: opt(isPositiveInt) },
  typing: { room },
  read: { id: opt(isRequestId), room, seq: req(isNonNegativeInt), root: opt(isPositiveInt) },
  history: { id, room, before: opt(isPositiveInt), limit: opt(isPositiveInt) },
  search: { id, query: req(isShortString(512)), room: opt(isShortString(200)), limit: opt(isPositiveInt) },
  join: { id, room },
  leave: { id, room },
  create: {
    id,
    name: req(isShortString(64)),
    visibility: opt((v) => v === 'public' || v === 'private'),
    topic: opt((v) => typeof v === 'string' && v.length <= 500),
  },
  rooms: { id },
  status: { status: req((v) => v === 'online' || v === 'away'), context: opt(isShortString(300)) },
  upload: { id, room, name: req(isShortString(255)), size: req(isNonNegativeInt), mime: opt(isShortString(255)) },
  chunk: { uploadId: req(isNonEmptyString), id: opt(isRequestId) },
  upload_end: { id, uploadId: req(isNonEmptyString), sha256: req(isSha256) },
  upload_abort: { uploadId: req(isNonEmptyString) },
  download: { id, fileId: req(isShortString(200)), offset: opt(isNonNegativeInt) },
};

export type Validation =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: 'UNKNOWN_TYPE' | 'INVALID'; message: string; id?: string | number };

export function isClientFrameType(t: unknown): t is ClientFrameType {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(SCHEMAS, t);
}

/** Checks a decoded header against the schema of its `t`. Unknown fields are ignored. */
export function validateClientFrame(header: Record<string, unknown>): Validation {
  const rawId = header.id;
  const replyId = isRequestId(rawId) ? (rawId as string | number) : undefined;
  const t = header.t;
  if (!isClientFrameType(t)) {
    return { ok: false, code: 'UNKNOWN_TYPE', message: `Unknown frame type ${JSON.stringify(String(t)).slice(0, 60)}.`, id: replyId };
  }
  if (t === 'send') return validateSend(header, replyId);
  return checkSchema(header, t, replyId);
}

/** The schema check alone, for every type (`send` included): what the fast path of `send` must agree with. */
export function validateBySchema(header: Record<string, unknown>): Validation {
  const rawId = header.id;
  const replyId = isRequestId(rawId) ? (rawId as string | number) : undefined;
  const t = header.t;
  if (!isClientFrameType(t)) {
    return { ok: false, code: 'UNKNOWN_TYPE', message: `Unknown frame type ${JSON.stringify(String(t)).slice(0, 60)}.`, id: replyId };
  }
  return checkSchema(header, t, replyId);
}

function checkSchema(header: Record<string, unknown>, t: ClientFrameType, replyId: string | number | undefined): Validation {
  const schema = SCHEMAS[t] as Schema;
  for (const field in schema) {
    const spec = schema[field];
    const value = header[field];
    if (value === undefined) {
      if (spec.optional) continue;
      return { ok: false, code: 'INVALID', message: `"${t}" needs the field "${field}".`, id: replyId };
    }
    if (!spec.check(value)) {
      return { ok: false, code: 'INVALID', message: `"${t}" has a wrong "${field}".`, id: replyId };
    }
  }
  return { ok: true, frame: header as unknown as ClientFrame };
}

/**
 * `send`, the frame every message arrives in: the same checks, in the same field order and with
 * the same answers as its schema, without the schema's loop and per-field calls.
 */
function validateSend(header: Record<string, unknown>, replyId: string | number | undefined): Validation {
  const id = header.id;
  if (id === undefined) return missing('send', 'id', replyId);
  if (replyId === undefined) return wrong('send', 'id', replyId);
  const room = header.room;
  if (room === undefined) return missing('send', 'room', replyId);
  if (typeof room !== 'string' || room.length === 0 || room.length > 200) return wrong('send', 'room', replyId);
  const cid = header.cid;
  if (cid === undefined) return missing('send', 'cid', replyId);
  if (typeof cid !== 'string' || cid.length === 0 || cid.length > 128) return wrong('send', 'cid', replyId);
  const text = header.text;
  if (text !== undefined && typeof text !== 'string') return wrong('send', 'text', replyId);
  const snippet = header.snippet;
  if (snippet !== undefined && !isSnippet(snippet)) return wrong('send', 'snippet', replyId);
  const root = header.root;
  if (root !== undefined && !(Number.isSafeInteger(root) && (root as number) > 0)) return wrong('send', 'root', replyId);
  const inRoom = header.inRoom;
  if (inRoom !== undefined && typeof inRoom !== 'boolean') return wrong('send', 'inRoom', replyId);
  return { ok: true, frame: header as unknown as ClientFrame };
}

function missing(t: string, field: string, id: string | number | undefined): Validation {
  return { ok: false, code: 'INVALID', message: `"${t}" needs the field "${field}".`, id };
}

function wrong(t: string, field: string, id: string | number | undefined): Validation {
  return { ok: false, code: 'INVALID', message: `"${t}" has a wrong "${field}".`, id };
}

/** The frame types the hand-written checks know. */
export const LEGACY_TYPES: ReadonlySet<string> = new Set(Object.keys(SCHEMAS));
