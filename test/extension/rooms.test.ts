// Rooms people run, in a real VS Code (code-server + headless Chromium) against a real
// parley-server, with alice on the terminal client: bob creates a private room and invites her,
// she invites him (the notification and the People tree show it), the directory finds and joins
// a public room, a topic and a removal show as system lines in the chat, a read-only room
// closes its composer to a member, blocking keeps her DMs out, and a removal is told. The tests
// run in order and build on each other.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { ParleyClient } from '../../client/session';
import { ParleyServer, TerminalUser, waitFor } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'alice_r1';
const BOB = 'bobby_r1';
const PASSWORD = 'correct horse';
const PRIVATE = 'secret-plans';
const ALICE_ROOM = 'alice-den';
const ALICE_ATTIC = 'alice-attic';
const LOBBY = 'lobby-public';
/** More public rooms than one page of the directory (50) holds. */
const BULK = 55;

describe('VS Code extension: rooms people run', function () {
  this.timeout(6 * 60_000);
  let server: ParleyServer | undefined;
  let alice: TerminalUser | undefined;
  let wb: Workbench | undefined;
  let workspace: string | undefined;
  let chat: Frame | undefined;
  let step = 0;

  const shot = async (name: string) => wb?.screenshot(`rooms-${String(++step).padStart(2, '0')}-${name}`);
  const toasts = async () => (await wb!.page.locator('.notification-toast').allInnerTexts()).join('\n');
  const systemLines = async () => (await chat!.locator('.row.event .event-text').allTextContents()).map((t) => t.trim());
  const waitForLine = (line: string) =>
    waitFor(`the system line "${line}"`, async () => (await systemLines()).includes(line), 30_000);
  const activeRoom = async () => chat!.locator('.room-select').inputValue();
  const openInChat = async (room: string) => {
    await waitFor(`#${room} in the room picker`, async () => (await chat!.locator(`.room-select option[value="${room}"]`).count()) > 0, 30_000);
    await chat!.locator('.room-select').selectOption(room);
    await waitFor(`#${room} open`, async () => (await activeRoom()) === room);
  };
  const confirmDialog = async (button: string) => {
    const b = wb!.page.locator('.monaco-dialog-box').getByRole('button', { name: button });
    await b.waitFor({ timeout: 15_000 });
    await b.click();
  };

  before(async function () {
    const vsix = await prepareVsixSuite(this, 'rooms-');
    server = await ParleyServer.start();
    alice = new TerminalUser(server, ALICE, PASSWORD);
    alice.register();
    alice.login();
    new TerminalUser(server, BOB, PASSWORD).register();
    // Waiting for bob before he signs in: the People tree lists it once he does.
    alice.run('create', ALICE_ATTIC, '--private');
    alice.run('invite', ALICE_ATTIC, BOB);
    workspace = mkdtempSync(path.join(os.tmpdir(), 'parley-ws-'));
    wb = await Workbench.start({ vsix, workspace, settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': server.port } });
  });

  after(async function () {
    this.timeout(60_000);
    await wb?.stop();
    alice?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await shot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      if (server) console.error(`parley-server log:\n${server.log}`);
    }
  });

  it('bob signs in, sees the invitation that waited for him, and creates a private room the directory does not list', async () => {
    await wb!.openParley();
    await waitFor('signed-out status item', async () => /Parley: signed out/.test(await wb!.statusText()), 60_000);
    await wb!.command('Parley: Sign In');
    await wb!.answer(BOB, /User name/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor(`status item "${BOB}"`, async () => (await wb!.statusText()).includes(BOB), 60_000);
    chat = await wb!.chatFrame('.composer textarea');
    await wb!.treeRow(/Invitations \(1\)/).waitFor({ timeout: 30_000 });
    await wb!.treeRow(new RegExp(`#${ALICE_ATTIC}`)).waitFor({ timeout: 30_000 });
    await wb!.command('Parley: Create Room');
    await wb!.answer(PRIVATE, /Room name/);
    await wb!.pick('Private', /Who can find and join/);
    await waitFor(`#${PRIVATE} open in the chat`, async () => (await activeRoom()) === PRIVATE, 30_000);
    assert.doesNotMatch(alice!.run('directory'), new RegExp(PRIVATE));
    assert.match(alice!.run('members', 'general'), new RegExp(BOB));
  });

  it('bob invites alice from Room Settings; she accepts, and the chat says so', async () => {
    await wb!.command('Parley: Room Settings…');
    await wb!.waitForPrompt(new RegExp(`Room Settings — #${PRIVATE}`));
    const rows = await wb!.page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
    assert.ok(rows.some((r) => r.includes('Private')), rows.join(' | '));
    assert.ok(rows.some((r) => r.includes(BOB) && r.includes('owner')), rows.join(' | '));
    await shot('settings-owner');
    await wb!.pick('Invite');
    await wb!.pick(ALICE, /Who to invite/);
    await waitFor('the invitation confirmed', async () => new RegExp(`Invited ${ALICE} to #${PRIVATE}`).test(await toasts()), 30_000);
    await wb!.page.keyboard.press('Escape');
    assert.match(alice!.run('invites'), new RegExp(`#${PRIVATE}\\s+from ${BOB}`));
    await waitForLine(`${BOB} invited ${ALICE}`);
    alice!.run('accept', PRIVATE);
    await waitForLine(`${ALICE} joined`);
    await wb!.command('Notifications: Clear All Notifications');
  });

  it('alice invites bob: a notification and the People tree show it, and bob accepts', async () => {
    alice!.run('create', ALICE_ROOM, '--private');
    alice!.run('invite', ALICE_ROOM, BOB);
    await waitFor('the invitation notification', async () => new RegExp(`${ALICE} invited you to #${ALICE_ROOM}`).test(await toasts()), 30_000);
    await wb!.treeRow(/Invitations \(2\)/).waitFor({ timeout: 30_000 });
    await wb!.treeRow(new RegExp(`#${ALICE_ROOM}`)).waitFor({ timeout: 30_000 });
    await shot('invitation');
    await wb!.clickToastButton(new RegExp(`invited you to #${ALICE_ROOM}`), 'Accept');
    await waitFor(`#${ALICE_ROOM} open in the chat`, async () => (await activeRoom()) === ALICE_ROOM, 30_000);
    await wb!.treeRow(/Invitations \(1\)/).waitFor({ timeout: 30_000 });
    assert.match(alice!.run('members', ALICE_ROOM), new RegExp(`${BOB}\\s+member`));
  });

  it('bob declines an invitation from the People tree', async () => {
    const row = wb!.treeRow(new RegExp(`#${ALICE_ATTIC}`));
    await row.waitFor({ timeout: 30_000 });
    await row.hover();
    await row.locator('.action-label[aria-label^="Decline Invitation"]').click();
    // A row drawn again under the pointer (the tree refreshes as people and rooms change) hands the
    // command no row: then it asks which invitation, and bob names the same one.
    const picker = wb!.page.locator('.quick-input-widget .quick-input-box input[placeholder="Which invitation"]');
    const outcome = await waitFor('the invitation declined, or the question which one', async () => {
      if (!alice!.run('members', ALICE_ATTIC).includes(`${BOB}  invited`)) return 'declined';
      return (await picker.isVisible()) ? 'asked' : undefined;
    }, 30_000);
    if (outcome === 'asked') {
      await wb!.pick(`#${ALICE_ATTIC}`);
      await waitFor('the invitation declined', () => !alice!.run('members', ALICE_ATTIC).includes(`${BOB}  invited`), 30_000);
    }
    await waitFor('the row gone', async () => (await row.count()) === 0, 30_000);
    await waitFor('the invitations group gone', async () => (await wb!.treeRow(/Invitations \(/).count()) === 0, 30_000);
    await wb!.command('Notifications: Clear All Notifications');
  });

  it('the directory finds a public room by its topic and joins it', async () => {
    alice!.run('create', LOBBY, '--topic', 'Where everyone meets');
    await wb!.command('Parley: Browse Rooms');
    await wb!.waitForPrompt(/Search public rooms/);
    const input = wb!.page.locator('.quick-input-widget .quick-input-box input');
    // The server searches topics too: "everyone" is in the topic, not the name.
    await input.fill('everyone');
    const first = wb!.page.locator('.quick-input-list .monaco-list-row').first();
    const shown = await waitFor('the lobby listed with its topic and member count', async () => {
      const t = (await first.innerText({ timeout: 1000 }).catch(() => '')) ?? '';
      return t.includes(`#${LOBBY}`) && t.includes('Where everyone meets') && t.includes('1 member') ? t : undefined;
    }, 30_000);
    assert.doesNotMatch(shown, new RegExp(PRIVATE));
    await shot('directory');
    await input.press('Enter');
    await waitFor(`#${LOBBY} open in the chat`, async () => (await activeRoom()) === LOBBY, 30_000);
    await waitForLine(`${BOB} joined`);
    assert.match(alice!.run('members', LOBBY), new RegExp(`${BOB}\\s+member`));
  });

  it('the directory pages: "Load more…" brings the rooms past the first page', async () => {
    // alice makes them through the client library, as the terminal client would, only faster.
    // Renamed, their ids (which the server searches) are not in their names (which the pick
    // filters by): the rows change only when the server has answered the search.
    const client = new ParleyClient({ host: '127.0.0.1', port: server!.port, reconnect: false });
    try {
      await client.login(ALICE, PASSWORD);
      for (let i = 0; i < BULK; i++) {
        const id = `zz-bulk-${String(i).padStart(2, '0')}`;
        await client.create(id);
        await client.setRoom(id, { name: `Page ${String(i).padStart(2, '0')}` });
      }
    } finally {
      client.close();
    }
    await wb!.command('Parley: Browse Rooms');
    await wb!.waitForPrompt(/Search public rooms/);
    const input = wb!.page.locator('.quick-input-widget .quick-input-box input');
    // Unfiltered, #general comes first: "#Page 00" first tells that the search has answered.
    await input.fill('zz-bulk');
    const focused = wb!.page.locator('.quick-input-list .monaco-list-row.focused');
    const first = wb!.page.locator('.quick-input-list .monaco-list-row').first();
    await waitFor('the first page', async () => ((await first.innerText({ timeout: 1000 }).catch(() => '')) ?? '').includes('#Page 00'), 30_000);
    // Up from the first row wraps to the last ("Create Room…"); once more is "Load more…".
    await input.press('ArrowUp');
    await input.press('ArrowUp');
    await waitFor('"Load more…" focused', async () => ((await focused.innerText({ timeout: 1000 }).catch(() => '')) ?? '').includes('Load more'), 15_000);
    await shot('directory-load-more');
    await input.press('Enter');
    // The new items put the focus back on the first row; up twice is then the last room.
    await waitFor('the list redrawn', async () => ((await focused.innerText({ timeout: 1000 }).catch(() => '')) ?? '').includes('#Page 00'), 30_000);
    await input.press('ArrowUp');
    await input.press('ArrowUp');
    await waitFor(`#Page ${BULK - 1} last`, async () => ((await focused.innerText({ timeout: 1000 }).catch(() => '')) ?? '').includes(`#Page ${BULK - 1}`), 15_000);
    await wb!.page.keyboard.press('Escape');
  });

  it("bob sets his room's topic: a system line, and the header shows it", async () => {
    await openInChat(PRIVATE);
    await wb!.command('Parley: Room Settings…');
    await wb!.pick('Topic', new RegExp(`Room Settings — #${PRIVATE}`));
    await wb!.answer('Plans for Q3', /What the room is about/);
    await waitForLine(`${BOB} changed the topic to “Plans for Q3”`);
    await waitFor('the topic in the header', async () => ((await chat!.locator('.room-topic').textContent()) ?? '').trim() === 'Plans for Q3', 30_000);
    await wb!.page.keyboard.press('Escape');
    await shot('topic');
  });

  it('bob removes alice from his room', async () => {
    await wb!.command('Parley: Room Settings…');
    await wb!.pick(ALICE, new RegExp(`Room Settings — #${PRIVATE}`));
    await wb!.pick('Remove from Room', /What to do/);
    await confirmDialog('Remove');
    await waitForLine(`${BOB} removed ${ALICE}`);
    await wb!.page.keyboard.press('Escape');
    // To alice, a private room she is not in does not exist.
    assert.throws(() => alice!.run('members', PRIVATE), /No such room/);
  });

  it("shows the server's refusal: an admin cannot remove the owner", async () => {
    alice!.run('role', ALICE_ROOM, BOB, 'admin');
    await openInChat(ALICE_ROOM);
    await waitForLine(`${BOB} is now an admin`);
    await wb!.command('Parley: Room Settings…');
    await wb!.pick(ALICE, new RegExp(`Room Settings — #${ALICE_ROOM}`));
    await wb!.pick('Remove from Room', /What to do/);
    await confirmDialog('Remove');
    await waitFor('the refusal', async () => new RegExp(`${ALICE} is an owner of ${ALICE_ROOM}; you cannot remove them`).test(await toasts()), 30_000);
    await shot('refusal');
    await wb!.page.keyboard.press('Escape');
    assert.match(alice!.run('members', ALICE_ROOM), new RegExp(`${ALICE}\\s+owner`));
    await wb!.command('Notifications: Clear All Notifications');
  });

  it('a read-only room closes its composer to bob, a member, and says why', async () => {
    await openInChat(LOBBY);
    alice!.run('readonly', LOBBY, 'on');
    await waitForLine(`${ALICE} made the room read-only`);
    const textarea = chat!.locator('.composer textarea');
    await waitFor('the composer closed', async () => textarea.isDisabled(), 30_000);
    assert.equal(await textarea.getAttribute('placeholder'), 'Only owners and admins can post in this read-only room.');
    await shot('read-only');
    alice!.run('readonly', LOBBY, 'off');
    await waitFor('the composer open again', async () => !(await textarea.isDisabled()), 30_000);
  });

  it('Block User keeps her direct messages out; Unblock User lets them in again', async () => {
    await wb!.command('Parley: Block User');
    await wb!.pick(ALICE, /Who to block/);
    await confirmDialog('Block');
    await waitFor('the block confirmed', async () => new RegExp(`You blocked ${ALICE}`).test(await toasts()), 30_000);
    assert.throws(() => alice!.run('send', '--to', BOB, 'psst'), /do not take direct messages from you|does not take direct messages/);
    await wb!.command('Parley: Unblock User');
    await wb!.pick(ALICE, /Who to unblock/);
    await waitFor('the unblock confirmed', async () => new RegExp(`You unblocked ${ALICE}`).test(await toasts()), 30_000);
    alice!.run('send', '--to', BOB, 'hello again');
    await wb!.command('Notifications: Clear All Notifications');
  });

  it('tells bob when he is removed from a room, and the chat leaves it', async () => {
    await openInChat(ALICE_ROOM);
    alice!.run('kick', ALICE_ROOM, BOB);
    await waitFor('the removal notice', async () => new RegExp(`You were removed from #${ALICE_ROOM}`).test(await toasts()), 30_000);
    await waitFor('the chat back in general', async () => (await activeRoom()) === 'general', 30_000);
    assert.equal(await chat!.locator(`.room-select option[value="${ALICE_ROOM}"]`).count(), 0);
    assert.deepEqual(wb!.cspViolations(), []);
  });
});
