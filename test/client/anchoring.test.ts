import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { blockSimilarity, followFile, parseGitDiff, Placer, reanchor, squash } from '../../client/anchoring';
import type { AnchoredCode } from '../../protocol';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
function anchor(lines: string[], start: number, end: number): AnchoredCode {
  const text = lines.slice(start - 1, end).join('\n');
  return { path: 'a.ts', startLine: start, endLine: end, textSha256: sha(text), text, before: lines.slice(Math.max(0, start - 4), start - 1), after: lines.slice(end, end + 3) };
}
const FILE = Array.from({ length: 20 }, (_, i) => `const v${i + 1} = ${i + 1} * factor;`);

describe('parseGitDiff', () => {
  it('reads hunks, renames, added and deleted files and quoted names', () => {
    const text = [
      'diff --git a/src/old.ts b/src/new.ts',
      'similarity index 90%',
      'rename from src/old.ts',
      'rename to src/new.ts',
      'index 1..2 100644',
      '--- a/src/old.ts',
      '+++ b/src/new.ts',
      '@@ -3,0 +4,2 @@ fn',
      '+x',
      '+y',
      '@@ -10 +12 @@',
      '-a',
      '+b',
      'diff --git a/gone.ts b/gone.ts',
      'deleted file mode 100644',
      '--- a/gone.ts',
      '+++ /dev/null',
      '@@ -1,2 +0,0 @@',
      'diff --git "a/sp ace\\303\\251.ts" "b/sp ace\\303\\251.ts"',
      '--- "a/sp ace\\303\\251.ts"',
      '+++ "b/sp ace\\303\\251.ts"',
      '@@ -1 +1 @@',
      'diff --git a/moved.ts b/elsewhere/moved.ts',
      'similarity index 100%',
      'rename from moved.ts',
      'rename to elsewhere/moved.ts',
      '',
    ].join('\n');
    const files = parseGitDiff(text);
    assert.deepEqual(files[0], { oldPath: 'src/old.ts', newPath: 'src/new.ts', hunks: [{ oldStart: 3, oldCount: 0, newStart: 4, newCount: 2 }, { oldStart: 10, oldCount: 1, newStart: 12, newCount: 1 }] });
    assert.deepEqual(files[1], { oldPath: 'gone.ts', hunks: [{ oldStart: 1, oldCount: 2, newStart: 0, newCount: 0 }] });
    assert.equal(files[2].oldPath, 'sp aceé.ts');
    assert.deepEqual(followFile('moved.ts', files), { path: 'elsewhere/moved.ts', view: { kind: 'unchanged' } });
    assert.equal(followFile('gone.ts', files), 'deleted');
    assert.deepEqual(followFile('untouched.ts', files), { path: 'untouched.ts', view: { kind: 'unchanged' } });
  });
});

describe('reanchor (pure)', () => {
  it('follows git\'s hunks above the range', () => {
    const now = [...FILE.slice(0, 2), 'new1', 'new2', ...FILE.slice(2)];
    const r = reanchor(anchor(FILE, 10, 12), now.join('\n'), { kind: 'diff', hunks: [{ oldStart: 2, oldCount: 0, newStart: 3, newCount: 2 }] });
    assert.deepEqual(r, { kind: 'placed', startLine: 12, endLine: 14, how: 'exact' });
  });

  it('does not trust git when the text says otherwise', () => {
    // git says "unchanged", but the lines are elsewhere: placed by text, not at the stale lines.
    const now = ['x', 'y', ...FILE];
    assert.deepEqual(reanchor(anchor(FILE, 5, 6), now.join('\n'), { kind: 'unchanged' }), { kind: 'placed', startLine: 7, endLine: 8, how: 'moved' });
  });

  it('marks a removed range outdated, and a missing file', () => {
    const now = [...FILE.slice(0, 9), ...FILE.slice(12)];
    assert.deepEqual(reanchor(anchor(FILE, 10, 12), now.join('\n'), { kind: 'diff', hunks: [{ oldStart: 10, oldCount: 3, newStart: 9, newCount: 0 }] }), {
      kind: 'outdated',
      reason: 'code deleted',
    });
    assert.deepEqual(reanchor(anchor(FILE, 1, 1), undefined, { kind: 'none' }), { kind: 'outdated', reason: 'file deleted' });
  });

  it('says ambiguous rather than guess between identical copies with identical context', () => {
    const x = ['x', 'x', 'x'];
    const base = [...x, 'a = 1;', 'b = 2;', ...x, ...x, 'a = 1;', 'b = 2;', ...x];
    // No history to go by and three lines above: the copies are 2 and 3 lines from where it was.
    const now = ['top1', 'top2', 'top3', ...base];
    assert.deepEqual(reanchor(anchor(base, 12, 13), now.join('\n'), { kind: 'none' }), { kind: 'outdated', reason: 'ambiguous' });
    // The better context decides when there is one.
    const told = [...base.slice(0, 11), 'y', ...base.slice(11)];
    const a = anchor([...base.slice(0, 11), 'y', ...base.slice(11)], 13, 14);
    assert.deepEqual(reanchor(a, ['top', ...told].join('\n'), { kind: 'none' }), { kind: 'placed', startLine: 14, endLine: 15, how: 'moved' });
  });

  it('never reads a file outside the working copy for an anchor that climbs out', async () => {
    const a = { ...anchor(FILE, 1, 1), path: '../../../etc/passwd' };
    const placed = await new Placer('/tmp').place(a);
    assert.deepEqual(placed.placement, { kind: 'outdated', reason: 'file deleted' });
  });

  it('scores whitespace as nothing and changed lines by their likeness', () => {
    assert.equal(squash('  a  +\tb '), 'a+b');
    assert.equal(blockSimilarity(['abc', 'def'], ['abc', 'def']), 1);
    assert.ok(blockSimilarity(['constvalue=1;', 'return;'], ['constvalue=2;', 'return;']) > 0.8);
    assert.ok(blockSimilarity(['constvalue=1;'], ['while(true){}']) < 0.3);
  });
});
