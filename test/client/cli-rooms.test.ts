import * as assert from 'node:assert/strict';
import type { AuditEntry, DirectoryEntry, Invitation, MemberEntry } from '../../protocol';
import { CliUser } from '../helpers/cli';
import { TestServer } from '../helpers/server';

const lines = <T>(stdout: string) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

describe('parley room commands against a real server', function () {
  this.timeout(120_000);
  let server: TestServer;
  const current = (): TestServer => server;
  const tag = `${process.pid % 1000}${Math.random().toString(36).slice(2, 5)}`;
  const owner = new CliUser(`own_${tag}`, current);
  const guest = new CliUser(`gst_${tag}`, current);
  const admin = new CliUser(`adm_${tag}`, current);
  const room = `cli-${tag}`;
  const secret = `cli-secret-${tag}`;

  before(async () => {
    server = await TestServer.start({ args: ['--login-rate-limit', '0', '--rate-limit', '0', '--admin', admin.name] });
    for (const u of [owner, guest, admin]) {
      await u.ok(['register', '--user', u.name, '--password', 'good-password']);
      await u.ok(['login', '--user', u.name, '--password', 'good-password']);
    }
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    for (const u of [owner, guest, admin]) u.cleanup();
  });

  it('lists the room commands in parley --help', async () => {
    const help = await owner.ok(['--help']);
    for (const form of [
      'create NAME [--private]', 'directory [QUERY]', 'invite ROOM USER', 'invites [--json]', 'accept ROOM', 'decline ROOM',
      'kick ROOM USER [--ban]', 'unban ROOM USER', 'role ROOM USER owner|admin|member', 'topic ROOM TEXT', 'rename ROOM NAME',
      'readonly ROOM on|off', 'transfer ROOM USER', 'members ROOM [--json]', 'admin disable|enable USER', 'admin add|remove USER', 'admin list [--json]', 'audit [--limit N] [--json]', 'delete-account [USER]', 'block USER', 'unblock USER',
    ]) assert.ok(help.includes(form), `--help shows "${form}"`);
  });

  it('creates public and private rooms; the directory shows the public one with its topic', async () => {
    assert.equal((await owner.ok(['create', room, '--topic', 'cli things'])).trim(), `Created #${room}.`);
    assert.equal((await owner.ok(['create', secret, '--private'])).trim(), `Created private #${secret}.`);
    const found = lines<DirectoryEntry>(await guest.ok(['directory', tag, '--json']));
    assert.deepEqual(found, [{ id: room, name: room, topic: 'cli things', memberCount: 1 }]);
    assert.match(await guest.ok(['directory', tag]), new RegExp(`^#${room}  1 member — cli things$`, 'm'));
  });

  it('invites, lists invitations, accepts, sets roles and the topic, and shows members with roles', async () => {
    assert.equal((await owner.ok(['invite', secret, guest.name])).trim(), `Invited ${guest.name} to #${secret}.`);
    const invites = lines<Invitation>(await guest.ok(['invites', '--json']));
    assert.deepEqual(invites.map((i) => [i.room, i.by]), [[secret, owner.name]]);
    assert.equal((await guest.ok(['accept', secret])).trim(), `Joined #${secret}.`);
    await owner.ok(['role', secret, guest.name, 'admin']);
    const members = lines<MemberEntry>(await owner.ok(['members', secret, '--json']));
    assert.deepEqual(members, [{ user: guest.name, role: 'admin' }, { user: owner.name, role: 'owner' }].sort((a, b) => (a.user < b.user ? -1 : 1)));
    await guest.ok(['topic', secret, 'the', 'plan']);
    const history = await owner.ok(['history', '--room', secret]);
    assert.match(history, new RegExp(`· ${guest.name} set the topic: the plan`));
    assert.match(history, new RegExp(`· ${owner.name} made ${guest.name} an admin`));
  });

  it('prints one line and exits 1 for each refusal', async () => {
    const refused = await guest.run(['role', secret, owner.name, 'member']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /OUTRANKED|owner/);
    const leave = await owner.run(['leave', secret]);
    assert.equal(leave.code, 1);
    assert.match(leave.stderr, /only owner/);
    const outsider = await admin.run(['history', '--room', secret]);
    assert.equal(outsider.code, 1);
    assert.match(outsider.stderr, /No such room/);
    assert.equal((await owner.run(['role', secret, guest.name, 'king'])).code, 2);
    assert.equal((await owner.run(['readonly', secret, 'maybe'])).code, 2);
  });

  it('transfers ownership, makes a room read-only, kicks, bans and unbans', async () => {
    await owner.ok(['transfer', secret, guest.name]);
    assert.match(await owner.ok(['members', secret]), new RegExp(`^${guest.name}  owner$`, 'm'));
    await guest.ok(['join', room]);
    await owner.ok(['readonly', room, 'on']);
    const blocked = await guest.run(['send', '--room', room, 'hello?']);
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /read-only/);
    await owner.ok(['kick', room, guest.name, '--ban']);
    const rejoin = await guest.run(['join', room]);
    assert.equal(rejoin.code, 1);
    assert.match(rejoin.stderr, /banned/);
    await owner.ok(['unban', room, guest.name]);
    await guest.ok(['join', room]);
    assert.equal((await owner.ok(['kick', room, guest.name])).trim(), `Removed ${guest.name} from #${room}.`);
  });

  it('blocks and unblocks a user: their DM is refused with one line', async () => {
    assert.equal((await owner.ok(['block', guest.name])).trim(), `Blocked ${guest.name}.`);
    assert.deepEqual(JSON.parse(await owner.ok(['blocks', '--json'])), [guest.name]);
    const refused = await guest.run(['send', '--to', owner.name, 'hello']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /direct messages/);
    await owner.ok(['unblock', guest.name]);
    await guest.ok(['send', '--to', owner.name, 'hello']);
  });

  it('lets a server administrator read the audit log and disable an account', async () => {
    const audit = lines<AuditEntry>(await admin.ok(['admin', 'audit', '--json']));
    assert.ok(audit.some((e) => e.action === 'ban' && e.actor === owner.name && e.target === guest.name && e.room === room));
    assert.match(await admin.ok(['audit']), new RegExp(`${owner.name} kick ${guest.name} #${room}`));
    const notAdmin = await owner.run(['admin', 'audit']);
    assert.equal(notAdmin.code, 1);
    assert.match(notAdmin.stderr, /server administrator/);
    assert.equal((await admin.ok(['admin', 'disable', guest.name])).trim(), `Disabled ${guest.name}: their sessions have ended.`);
    const after = await guest.run(['history']);
    assert.equal(after.code, 1);
    const login = await guest.run(['login', '--user', guest.name, '--password', 'good-password']);
    assert.equal(login.code, 1);
    assert.match(login.stderr, /disabled/);
    await admin.ok(['admin', 'enable', guest.name]);
    await guest.ok(['login', '--user', guest.name, '--password', 'good-password']);
  });

  it('names and unnames server administrators, lists them, and deletes an account as one', async () => {
    const refused = await owner.run(['admin', 'add', guest.name]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /server administrator/);
    assert.equal((await admin.ok(['admin', 'add', owner.name])).trim(), `${owner.name} is a server administrator.`);
    assert.deepEqual(JSON.parse(await owner.ok(['admin', 'list', '--json'])), { users: [admin.name, owner.name].sort(), fixed: [admin.name] });
    assert.match(await owner.ok(['admin', 'list']), new RegExp(`^${admin.name}  \\(named at start-up\\)$`, 'm'));
    const fixed = await owner.run(['admin', 'remove', admin.name]);
    assert.equal(fixed.code, 1);
    assert.match(fixed.stderr, /configuration/);
    assert.equal((await admin.ok(['admin', 'remove', owner.name])).trim(), `${owner.name} is no longer a server administrator.`);
    assert.equal((await owner.run(['admin', 'list'])).code, 1);
    assert.match(await admin.ok(['delete-account', guest.name]), new RegExp(`^Deleted the account of ${guest.name}`));
    assert.equal((await guest.run(['history'])).code, 1, 'their saved session is gone');
    assert.match(await admin.ok(['audit']), new RegExp(`${admin.name} delete_account ${guest.name}`));
  });
});
