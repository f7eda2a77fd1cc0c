// The composer's keys with a name suggestion open (Enter sends a name typed in full, takes the
// suggestion otherwise; Tab always takes it), and one focus indicator, with VS Code's own
// webview styles in the page.
import assert from 'node:assert/strict';
import { ThreadPage } from '../../webview/messages';
import { BOB, DM_BOB, chatter, init, message } from './fixtures';
import { serveHistory, webviewSuite, type FakeHost } from './harness';

describe('webview composer keys and focus (Chromium)', function () {
  this.timeout(30_000);
  const ui = webviewSuite({ csp: false });
  let host: FakeHost;

  async function open(): Promise<void> {
    host = await ui.open();
    serveHistory(host, { general: [...chatter('general', 1, 3), message('general', 4, BOB, 'a thread', undefined, { replies: 1 })] });
    await host.post(init());
    await host.page.locator('.row.msg').first().waitFor();
  }

  async function type(text: string): Promise<void> {
    const box = host.page.locator('textarea.input');
    await box.click();
    await box.pressSequentially(text);
    await host.page.locator('.completion.selected').waitFor();
  }

  const value = (): Promise<string> => host.page.locator('textarea.input').inputValue();

  it('Enter sends "text ~user" when the name is typed in full, with the suggestion still open', async () => {
    await open();
    await type(`lunch? ~${BOB}`);
    await host.page.keyboard.press('Enter');
    const sent = await host.waitFor('send');
    assert.deepEqual({ room: sent.room, text: sent.text }, { room: DM_BOB, text: 'lunch?' });
    assert.equal(await value(), '');
    assert.equal(await host.page.locator('.completions').isHidden(), true);
  });

  it('Enter sends an @mention typed in full', async () => {
    await open();
    await type(`thanks @${BOB}`);
    await host.page.keyboard.press('Enter');
    assert.equal((await host.waitFor('send')).text, `thanks @${BOB}`);
  });

  it('Enter takes the suggestion for a part of a name, and sends only on the next Enter', async () => {
    await open();
    await type('thanks @bob');
    await host.page.keyboard.press('Enter');
    assert.equal(await value(), `thanks @${BOB} `);
    assert.equal(host.ofType('send').length, 0);
    await host.page.keyboard.press('Enter');
    assert.equal((await host.waitFor('send')).text, `thanks @${BOB}`);
  });

  it('Tab always takes the suggestion, even for a name typed in full', async () => {
    await open();
    await type(`lunch? ~${BOB}`);
    await host.page.keyboard.press('Tab');
    assert.equal(await value(), `lunch? ~${BOB} `);
    assert.equal(host.ofType('send').length, 0);
    assert.equal(await host.page.evaluate(() => document.activeElement?.tagName), 'TEXTAREA', 'focus stays in the box');
  });

  /** The focus indicators in `scope` once its box has the focus: outlines, and borders in the focus colour. */
  async function focusIndicators(scope: string, box: string): Promise<string[]> {
    await host.page.locator(box).focus();
    await host.settle();
    return host.page.evaluate(({ scope, box }) => {
      const focus = (() => {
        const probe = document.createElement('div');
        probe.style.color = 'var(--vscode-focusBorder)';
        document.body.appendChild(probe);
        const c = getComputedStyle(probe).color;
        probe.remove();
        return c;
      })();
      const root = document.querySelector(scope) as HTMLElement;
      const out: string[] = [];
      for (const el of [document.querySelector(box) as HTMLElement, ...Array.from(root.querySelectorAll<HTMLElement>('*')), root]) {
        const cs = getComputedStyle(el);
        const name = `${el.tagName.toLowerCase()}.${el.className}`;
        if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) out.push(`${name}: outline ${cs.outlineWidth} ${cs.outlineStyle}`);
        if (cs.borderTopStyle !== 'none' && parseFloat(cs.borderTopWidth) > 0 && cs.borderTopColor === focus) out.push(`${name}: border in the focus colour`);
        if (cs.boxShadow !== 'none' && cs.boxShadow.includes(focus)) out.push(`${name}: shadow in the focus colour`);
      }
      return [...new Set(out)];
    }, { scope, box });
  }

  it('shows one focus indicator around the message box, not two', async () => {
    await open();
    assert.deepEqual(await focusIndicators('.composer', 'textarea.input'), ['div.input-row: border in the focus colour']);
  });

  it('shows one focus indicator around the thread reply box too', async () => {
    await open();
    host.on('thread', (m) => ThreadPage.create({ room: 'general', root: message('general', 4, BOB, 'a thread', undefined, { replies: 1 }), replies: [message('general', 5, BOB, 'reply', undefined, { root: 4 })], more: false, requestId: m.requestId as string }));
    await host.page.locator('.row.msg[data-seq="4"] .thread-summary').click();
    await host.page.locator('.thread-view textarea.reply-input').waitFor();
    assert.deepEqual(await focusIndicators('.thread-compose', 'textarea.reply-input'), ['div.input-row: border in the focus colour']);
  });
});
