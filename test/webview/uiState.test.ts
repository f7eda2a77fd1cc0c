import assert from 'node:assert/strict';
import { emptyState, parseState } from '../../webview/uiState';

describe('webview/uiState', () => {
  it('reads back what was saved', () => {
    const saved = { v: 1, activeRoom: 'design', drafts: { general: 'half a thought' }, scroll: { general: 'bottom', design: { key: 'design|m:4', offset: 12 } }, expanded: ['k'] };
    assert.deepEqual(parseState(JSON.parse(JSON.stringify(saved))), saved);
  });

  it('falls back to empty for anything malformed', () => {
    assert.deepEqual(parseState(undefined), emptyState());
    assert.deepEqual(parseState('x'), emptyState());
    const s = parseState({ activeRoom: 3, drafts: { a: 5, b: '' }, scroll: { a: { key: 1 }, b: 'top' }, expanded: [1, 'x'] });
    assert.deepEqual(s, { ...emptyState(), expanded: ['x'] });
  });
});
