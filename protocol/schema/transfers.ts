import { Type } from '@sinclair/typebox';
import { NonEmptyString, NonNegativeInt, RequestIdSchema, Room, Sha256, ShortString } from './fields';

// File transfers, on their own connection.

export const UploadSchema = Type.Object({
  t: Type.Literal('upload'),
  id: RequestIdSchema,
  room: Room(),
  name: ShortString(255),
  size: NonNegativeInt(),
  mime: Type.Optional(ShortString(255)),
});

/** The bytes travel in the frame's body; `id` is allowed and ignored. */
export const ChunkSchema = Type.Object({ t: Type.Literal('chunk'), uploadId: NonEmptyString(), id: Type.Optional(RequestIdSchema) });
export const UploadEndSchema = Type.Object({ t: Type.Literal('upload_end'), id: RequestIdSchema, uploadId: NonEmptyString(), sha256: Sha256() });
export const UploadAbortSchema = Type.Object({ t: Type.Literal('upload_abort'), uploadId: NonEmptyString() });
export const DownloadSchema = Type.Object({ t: Type.Literal('download'), id: RequestIdSchema, fileId: ShortString(200), offset: Type.Optional(NonNegativeInt()) });
