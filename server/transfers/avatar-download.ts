import type { FileRef } from '../../protocol';
import type { ChatContext } from '../chat/context';
import { toWireProfile } from '../chat/profiles';

/** The avatar with this fileId as a file `download` can serve, or undefined. */
export async function avatarAsFile(ctx: ChatContext, fileId: string): Promise<FileRef | undefined> {
  const found = await ctx.store.avatarByFileId(fileId);
  if (found === undefined) return undefined;
  return toWireProfile({ user: found.user, avatar: found.avatar }).avatar;
}
