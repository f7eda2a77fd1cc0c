import * as assert from 'node:assert/strict';
import { CASES, runCase, summary, type CaseResult } from '../helpers/anchoring-corpus';

/**
 * The re-anchoring corpus: every case is a temp repository made with the real git, anchored,
 * changed the way people change code, then placed. A wrong placement fails its case (outdated is
 * better than wrong); the share placed right is held above a floor.
 */
describe('re-anchoring corpus (real git)', function () {
  this.timeout(120_000);
  const results: CaseResult[] = [];

  it(`has at least 40 cases, of every kind the design names`, () => {
    assert.ok(CASES.length >= 40, `${CASES.length} cases`);
    for (const group of ['above', 'below', 'inside', 'edit', 'whitespace', 'reformat', 'move', 'rename', 'merge', 'duplicate', 'deleted', 'uncommitted']) {
      assert.ok(CASES.some((c) => c.group === group), group);
    }
  });

  for (const c of CASES) {
    it(`${c.group}: ${c.name} is never placed wrong`, async () => {
      const r = await runCase(c);
      results.push(r);
      assert.notEqual(r.outcome, 'wrong', `expected ${JSON.stringify(c.expect)}, placed at ${JSON.stringify(r.got)}`);
    });
  }

  it('places at least 90 % exactly where a person would, none wrong', () => {
    const s = summary(results);
    process.stdout.write(`      corpus: ${JSON.stringify(s)}\n`);
    assert.equal(s.cases, CASES.length);
    assert.equal(s.wrong, 0);
    assert.ok(s.rightPct >= 90, `${s.rightPct} % right`);
  });
});
