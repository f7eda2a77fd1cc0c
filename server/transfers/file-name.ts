/** Longest display name kept, in characters; the extension survives the cut. */
export const MAX_FILE_NAME = 200;
const FALLBACK = 'file';

// C0/C1 controls, and the bidi overrides and isolates that can make "gpj.exe" read as "exe.jpg".
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * The name a file is shown under: the last path segment of what the client sent, without
 * control or direction-changing characters, at most MAX_FILE_NAME characters. It is only ever
 * displayed; bytes are stored under their content address.
 */
export function displayName(raw: string): string {
  const last = raw.split(/[\\/]/).pop() ?? '';
  let name = last.replace(UNSAFE, '').trim();
  if (name === '' || name === '.' || name === '..') return FALLBACK;
  const chars = Array.from(name);
  if (chars.length > MAX_FILE_NAME) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? Array.from(name.slice(dot)) : [];
    // keep a short extension: it is what tells people (and their OS) what the file is
    const keep = ext.length > 0 && ext.length <= 16 ? ext : [];
    name = chars.slice(0, MAX_FILE_NAME - keep.length).join('') + keep.join('');
  }
  return name;
}
