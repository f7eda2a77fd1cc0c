// The packaged extension in a real VS Code against a real parley-server and the terminal client:
// the People tree shows display names and status messages (the user name beside them), follows a
// change made in the terminal, and "Parley: Edit Profile" sets the display name, status and avatar.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Jimp } from 'jimp';
import type { Profile } from '../../protocol';
import { ParleyServer, TerminalUser, waitFor } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'profalice01';
const BOB = 'profbobby01';
const PASSWORD = 'correct horse';

describe('VS Code extension: profiles in People and Edit Profile', function () {
  this.timeout(5 * 60_000);
  let server: ParleyServer | undefined;
  let alice: TerminalUser | undefined;
  let bob: TerminalUser | undefined;
  let wb: Workbench | undefined;
  let workspace: string | undefined;
  let step = 0;

  const shot = async (name: string) => wb?.screenshot(`profiles-${String(++step).padStart(2, '0')}-${name}`);
  const rowTexts = async () => wb!.page.locator('.pane-body .monaco-list-row').allInnerTexts();

  before(async function () {
    const vsix = await prepareVsixSuite(this, 'profiles-');
    server = await ParleyServer.start();
    alice = new TerminalUser(server, ALICE, PASSWORD);
    alice.register();
    alice.login();
    bob = new TerminalUser(server, BOB, PASSWORD);
    bob.register();
    bob.login();
    bob.run('profile', '--name', 'Bob Builder', '--status', 'fixing the roof');
    // A live connection keeps Bob online, in the expanded Online group.
    bob.tail();
    workspace = mkdtempSync(path.join(os.tmpdir(), 'parley-ws-'));
    wb = await Workbench.start({ vsix, workspace, settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': server.port } });
    await waitFor('start-up finished', () => /activationEvent: 'onStartupFinished'/.test(wb!.logs(/exthost/)), 120_000, 500);
  });

  after(async function () {
    this.timeout(60_000);
    await wb?.stop();
    alice?.close();
    bob?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await shot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      if (server) console.error(`parley-server log:\n${server.log}`);
    }
  });

  it('shows a display name in People with the user name and status message beside it, and follows a change', async () => {
    await wb!.command('Parley: Sign In');
    await wb!.answer(ALICE, /Parley: Sign In/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor('signed in', async () => (await wb!.statusText()).includes(ALICE), 60_000);
    await wb!.openParley();
    const row = await waitFor('Bob by his display name', async () => (await rowTexts()).find((t) => t.startsWith('Bob Builder')), 30_000);
    assert.match(row, new RegExp(BOB), row);
    assert.match(row, /fixing the roof/, row);
    await shot('people-display-name');
    bob!.run('profile', '--name', 'Robert');
    await waitFor('the new name, live', async () => (await rowTexts()).some((t) => t.startsWith('Robert')), 30_000);
  });

  it('edits the display name, status and avatar with Edit Profile', async () => {
    const picture = path.join(workspace!, 'me.png');
    writeFileSync(picture, await new Jimp({ width: 90, height: 60, color: 0x22aa66ff }).getBuffer('image/png'));
    await wb!.command('Parley: Edit Profile');
    await wb!.answer('Alice A.', /Display name/);
    await wb!.answer('reviewing', /Status message/);
    await wb!.pick('Choose an image', /Avatar/);
    await wb!.chooseFile(picture);
    const seen = await waitFor('the profile stored', async () => {
      const p = JSON.parse(bob!.run('profile', ALICE, '--json')) as Profile;
      return p.avatar !== undefined ? p : undefined;
    }, 30_000);
    assert.equal(seen.displayName, 'Alice A.');
    assert.equal(seen.statusMessage, 'reviewing');
    assert.equal(seen.avatar?.mime, 'image/png');
    await shot('profile-edited');
    assert.deepEqual(wb!.cspViolations(), []);
  });
});
