// Whether a selection fits the server's snippet limit, and the file it goes as when it does not.
// No vscode import, so it is unit-tested as is.
import * as path from 'node:path';
import { DEFAULT_LIMITS } from '../protocol';

/** The server's `welcome.limits.maxText` caps snippet code as it caps text; the default before a welcome. */
export function snippetLimit(maxText: number | undefined): number {
  return maxText !== undefined && maxText > 0 ? maxText : DEFAULT_LIMITS.maxText;
}

/** `undefined` when the code fits, else its size and the limit, in UTF-8 bytes, to tell the user. */
export function oversizedSnippet(code: string, maxText: number | undefined): { bytes: number; max: number } | undefined {
  const bytes = Buffer.byteLength(code);
  const max = snippetLimit(maxText);
  return bytes > max ? { bytes, max } : undefined;
}

/** `app.ts` lines 10–42 become `app.L10-42.ts`; an untitled selection `selection.L1-9.txt`. */
export function snippetFileName(fileName: string | undefined, startLine: number, endLine: number): string {
  const base = fileName ? path.basename(fileName) : 'selection.txt';
  const ext = path.extname(base);
  const stem = ext ? base.slice(0, -ext.length) : base;
  const lines = startLine === endLine ? `L${startLine}` : `L${startLine}-${endLine}`;
  return `${stem || 'selection'}.${lines}${ext || '.txt'}`;
}
