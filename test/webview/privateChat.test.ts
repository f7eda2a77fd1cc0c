import assert from 'node:assert/strict';
import { parsePrivateShortcut } from '../../webview/privateChat';
import { BOB, DM_BOB, ME } from './fixtures';

describe('webview/privateChat', () => {
  it('turns "text ~user" into a send to the DM room', () => {
    assert.deepEqual(parsePrivateShortcut(`hello there ~${BOB}`, ME), { room: DM_BOB, user: BOB, text: 'hello there' });
    assert.deepEqual(parsePrivateShortcut(`line one\nline two ~${BOB}  `, ME), { room: DM_BOB, user: BOB, text: 'line one\nline two' });
    // The DM id is the same whichever side sends.
    assert.equal(parsePrivateShortcut(`hi ~${ME}`, BOB)?.room, DM_BOB);
  });

  it('leaves ordinary text alone', () => {
    for (const t of ['hello', `~${BOB}`, `hello ~${BOB} again`, `a~${BOB}`, 'costs ~5', `hi ~${ME}`, 'hi ~bad/name', 'hi ~far_too_long_for_a_user_name_here']) {
      assert.equal(parsePrivateShortcut(t, ME), undefined, t);
    }
  });

  it('only addresses known people when it knows who exists', () => {
    const known = (u: string): boolean => u === BOB;
    assert.equal(parsePrivateShortcut('see you ~tomorrow', ME, known), undefined);
    assert.equal(parsePrivateShortcut(`see you ~${BOB}`, ME, known)?.room, DM_BOB);
  });
});
