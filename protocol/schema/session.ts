import { Type } from '@sinclair/typebox';
import { AnyString, Bool, NonNegativeInt, RequestIdSchema, ShortString } from './fields';

// Sign-in, the session's life and presence.

export const HelloSchema = Type.Object({ t: Type.Literal('hello'), id: RequestIdSchema, v: NonNegativeInt(), client: Type.Optional(ShortString(200)) });
export const RegisterSchema = Type.Object({ t: Type.Literal('register'), id: RequestIdSchema, user: AnyString(), password: AnyString() });
export const LoginSchema = Type.Object({ t: Type.Literal('login'), id: RequestIdSchema, user: AnyString(), password: AnyString() });

/** roomId → the last seq the client has; room ids are at most 200 characters, like `room` fields. */
export const SinceSchema = Type.Record(Type.String({ pattern: '^[\\s\\S]{1,200}$' }), NonNegativeInt(), {
  additionalProperties: false,
  description: 'an object of room ids (1 to 200 characters) to whole numbers ≥ 0',
});

/** `transfer: true` opens a transfer-only session: transfer replies only, no chat events (no `since`). */
export const ResumeSchema = Type.Object({
  t: Type.Literal('resume'),
  id: RequestIdSchema,
  token: ShortString(200),
  since: Type.Optional(SinceSchema),
  transfer: Type.Optional(Bool()),
});

export const LogoutSchema = Type.Object({ t: Type.Literal('logout'), id: RequestIdSchema });
export const PingSchema = Type.Object({ t: Type.Literal('ping'), id: Type.Optional(RequestIdSchema) });
export const PongSchema = Type.Object({ t: Type.Literal('pong'), id: Type.Optional(RequestIdSchema) });

export const StatusSchema = Type.Object({
  t: Type.Literal('status'),
  status: Type.Union([Type.Literal('online'), Type.Literal('away')], { description: '"online" or "away"' }),
  context: Type.Optional(ShortString(300)),
});

// Sessions of the signed-in user, and the password.

/** Lists the user's live sessions (answered by `sessions`). */
export const SessionsSchema = Type.Object({ t: Type.Literal('sessions'), id: RequestIdSchema });

/** Ends one session by its listed id, or with `all: true` every one but this connection's. */
export const RevokeSchema = Type.Object({
  t: Type.Literal('revoke'),
  id: RequestIdSchema,
  session: Type.Optional(ShortString(64)),
  all: Type.Optional(Bool()),
});

/** Changes the password: `old` must be the current one; every other session ends. */
export const PasswordSchema = Type.Object({ t: Type.Literal('password'), id: RequestIdSchema, old: AnyString(), new: AnyString() });
