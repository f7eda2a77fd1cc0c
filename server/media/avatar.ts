import { ParleyError } from '../../protocol';
import { squareAvatar } from './avatar-thread';

/** Images larger than this on either side are refused before decoding: a small file can unpack to gigabytes. */
export const MAX_AVATAR_SIDE = 4096;

export type AvatarFormat = 'png' | 'jpeg' | 'gif' | 'bmp';

export interface ImageHead {
  format: AvatarFormat;
  width: number;
  height: number;
}

function refused(message = 'Avatars are PNG, JPEG, GIF or BMP images.'): ParleyError {
  return new ParleyError('UNSUPPORTED_IMAGE', message);
}

/** The format and size an image's header declares, from its first bytes; undefined when it is none of the accepted formats. */
export function imageHead(bytes: Buffer): ImageHead | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a && bytes.toString('latin1', 12, 16) === 'IHDR') {
    return { format: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) {
    return { format: 'gif', width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (bytes.length >= 26 && bytes.toString('latin1', 0, 2) === 'BM') {
    return { format: 'bmp', width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegHead(bytes);
  return undefined;
}

/** Walks a JPEG's markers to its frame header (SOFn), which holds the size. */
function jpegHead(bytes: Buffer): ImageHead | undefined {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = bytes.readUInt16BE(at + 2);
    // SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpeg', height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    if (length < 2) return undefined;
    at += 2 + length;
  }
  return undefined;
}

/**
 * The stored avatar made from an uploaded image: checked to be a PNG, JPEG, GIF or BMP of at most
 * MAX_AVATAR_SIDE pixels a side, then decoded, center-cropped to a square, scaled to AVATAR_SIZE
 * and encoded as PNG (which also drops every metadata chunk the original carried) on a worker
 * thread (avatar-thread.ts). Anything else is UNSUPPORTED_IMAGE.
 */
export async function makeAvatar(bytes: Buffer): Promise<Buffer> {
  const head = imageHead(bytes);
  if (head === undefined) throw refused();
  if (head.width < 1 || head.height < 1) throw refused('The image has no pixels.');
  if (head.width > MAX_AVATAR_SIDE || head.height > MAX_AVATAR_SIDE) {
    throw refused(`Avatars are at most ${MAX_AVATAR_SIDE} by ${MAX_AVATAR_SIDE} pixels; this image is ${head.width} by ${head.height}.`);
  }
  try {
    return await squareAvatar(bytes, MAX_AVATAR_SIDE);
  } catch {
    throw refused('The image could not be read: it is damaged or not what its header says.');
  }
}
