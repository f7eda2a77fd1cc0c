// Tree icons for people without a picture: their initial on a tint, as the chat's avatars show
// it. Written once per letter and tint as small SVG files (tree items take a file, not markup).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { initialOf, tintOf } from '../webview/render/context';

// The chat's tints (webview/styles.css), darkened the same way, so white initials stay legible.
const TINTS = ['#2f7fd9', '#9166b3', '#2e722b', '#ab6e12', '#c63e3e', '#0e8aa8'];

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class InitialIcons {
  private readonly written = new Map<string, vscode.Uri>();

  constructor(private readonly dir: string) {}

  /** The icon of the initial of `shown` (default: the user name) on `user`'s tint; undefined when it cannot be written. */
  of(user: string, shown = user): vscode.Uri | undefined {
    const letter = initialOf(shown);
    const tint = Number(tintOf(user).slice('tint-'.length));
    const key = `${[...letter].map((c) => c.codePointAt(0)?.toString(16)).join('-')}-${tint}`;
    const known = this.written.get(key);
    if (known) return known;
    const file = path.join(this.dir, `${key}.svg`);
    try {
      if (!fs.existsSync(file)) {
        fs.mkdirSync(this.dir, { recursive: true });
        fs.writeFileSync(
          file,
          `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><circle cx="8" cy="8" r="8" fill="${TINTS[tint]}"/>` +
            `<text x="8" y="11.5" font-family="sans-serif" font-size="10" font-weight="600" fill="#ffffff" text-anchor="middle">${escapeXml(letter)}</text></svg>`,
        );
      }
    } catch {
      return undefined;
    }
    const uri = vscode.Uri.file(file);
    this.written.set(key, uri);
    return uri;
  }
}
