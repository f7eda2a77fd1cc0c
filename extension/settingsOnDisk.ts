// Hand edits of the user settings.json that VS Code has not loaded. VS Code reads the file again
// when its watcher reports a change; where that misses an edit made outside VS Code (seen in
// code-server), a sign-in would still go to the old server. Sign-in reads the file itself and
// takes what changed there since Parley last looked, until VS Code has caught up.
// No vscode import: the rule is unit-tested as it is.
import { readFileSync } from 'node:fs';
// The ES module build: the UMD one (package main) loads its parts with a require() a bundle cannot follow.
import { parse, type ParseError } from 'jsonc-parser/lib/esm/main.js';

export const HAND_EDITABLE = ['parley.server.host', 'parley.server.port', 'parley.server.tls'] as const;
export type HandEditableKey = (typeof HAND_EDITABLE)[number];
/** A key's value as written (undefined: not in the file). */
export type ServerKeys = Partial<Record<HandEditableKey, unknown>>;

/** The server keys in settings.json text (comments and trailing commas allowed); undefined when unreadable. */
export function serverKeys(text: string): ServerKeys | undefined {
  const errors: ParseError[] = [];
  const doc = parse(text, errors, { allowTrailingComma: true, disallowComments: false }) as unknown;
  if (errors.length > 0 || typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const out: ServerKeys = {};
  for (const key of HAND_EDITABLE) {
    const value = (doc as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function readServerKeys(file: string): ServerKeys | undefined {
  try {
    return serverKeys(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export class HandEdits {
  private lastFile: ServerKeys | undefined;
  private readonly overrides = new Map<HandEditableKey, unknown>();

  constructor(initialFile: ServerKeys | undefined) {
    this.lastFile = initialFile;
  }

  /**
   * Compares the file as it is now with what VS Code has (its user value of each key) and
   * returns the keys whose file value VS Code has not loaded yet. A key counts only when the
   * file changed since the last look: a file that always differed (a settings profile in use)
   * changes nothing. An unreadable file (half written, a syntax error) changes nothing either.
   */
  update(file: ServerKeys | undefined, vscodeValues: ServerKeys): ServerKeys {
    if (file) {
      for (const key of HAND_EDITABLE) {
        if (same(file[key], vscodeValues[key])) this.overrides.delete(key);
        else if (this.lastFile && !same(file[key], this.lastFile[key])) this.overrides.set(key, file[key]);
      }
      this.lastFile = file;
    }
    return Object.fromEntries(this.overrides) as ServerKeys;
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
