// Every string the extension and its webview localize has its Simplified Chinese translation, and every
// %key% of the manifest exists in both package.nls files.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

/** The .ts files under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : []);
}

/** Every string passed to l10n.t: vscode.l10n.t in the extension, the webview's own l10n.t. */
function l10nStrings(): Set<string> {
  const out = new Set<string>();
  for (const f of [...sources('extension'), ...sources('webview')]) {
    const src = read(f);
    const re = /l10n\.t\(\s*(['"`])((?:\\.|(?!\1).)*)\1/gs;
    for (let m = re.exec(src); m; m = re.exec(src)) out.add(m[2].replace(/\\(['"\\])/g, '$1'));
  }
  return out;
}

describe('extension translations', () => {
  it('has a zh-cn translation, with the same placeholders, for every vscode.l10n.t string', () => {
    const bundle = JSON.parse(read('l10n/bundle.l10n.zh-cn.json')) as Record<string, string>;
    const strings = l10nStrings();
    assert.ok(strings.size > 20, `found only ${strings.size} strings`);
    const missing = [...strings].filter((s) => !(s in bundle));
    assert.deepEqual(missing, [], 'strings without a translation');
    const stale = Object.keys(bundle).filter((k) => !strings.has(k));
    assert.deepEqual(stale, [], 'translations of strings no longer used');
    for (const [en, zh] of Object.entries(bundle)) {
      const holes = (s: string) => (s.match(/\{\d+\}/g) ?? []).sort().join();
      assert.equal(holes(zh), holes(en), `placeholders of "${en}"`);
    }
  });

  it('defines every %key% of package.json in package.nls.json and package.nls.zh-cn.json', () => {
    const keys = new Set([...read('package.json').matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]));
    assert.ok(keys.size > 10);
    for (const file of ['package.nls.json', 'package.nls.zh-cn.json']) {
      const nls = JSON.parse(read(file)) as Record<string, string>;
      assert.deepEqual([...keys].filter((k) => !(k in nls)), [], `missing in ${file}`);
      assert.deepEqual(Object.keys(nls).filter((k) => !keys.has(k)), [], `unused in ${file}`);
    }
  });
});
