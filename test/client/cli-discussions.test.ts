import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiscussionLine } from '../../client/cli-discussions';
import { CliUser } from '../helpers/cli';
import { TestServer, tempDir } from '../helpers/server';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const FILE = 'src/app.ts';
const BASE = Array.from({ length: 30 }, (_, i) => `export const value${i + 1} = compute(${i + 1}); // line ${i + 1}`);
const write = (dir: string, lines: string[]) => {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, FILE), lines.map((l) => l + '\n').join(''));
};
const parse = (out: string) => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as DiscussionLine);

describe('parley discuss / discussions against a real server, in real git working copies', function () {
  this.timeout(90_000);
  let server: TestServer;
  const current = (): TestServer => server;
  const alice = new CliUser('alice_disc', current);
  const bob = new CliUser('bob_disc', current);
  const origin = tempDir('parley-origin-');

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0'] });
    for (const u of [alice, bob]) {
      await u.ok(['register', '--user', u.name, '--password', 'password1']);
      await u.ok(['login', '--user', u.name, '--password', 'password1']);
    }
    // One repository, two checkouts: alice's over https with a token in the URL, bob's over ssh,
    // and bob's 5 lines ahead (a commit that inserted lines at the top).
    git(origin, 'init', '-q', '--bare', '-b', 'main');
    for (const [u, url] of [[alice, 'https://alice:ghp_T0ken@git.example.com/team/app.git'], [bob, 'git@git.example.com:team/app.git']] as const) {
      git(u.cwd, 'init', '-q', '-b', 'main');
      git(u.cwd, 'config', 'user.email', `${u.name}@example.com`);
      git(u.cwd, 'config', 'user.name', u.name);
      git(u.cwd, 'config', 'commit.gpgsign', 'false');
      git(u.cwd, 'remote', 'add', 'origin', origin);
      if (u === alice) {
        write(u.cwd, BASE);
        git(u.cwd, 'add', '-A');
        git(u.cwd, 'commit', '-q', '-m', 'base');
        git(u.cwd, 'push', '-q', 'origin', 'main');
      } else {
        git(u.cwd, 'pull', '-q', 'origin', 'main');
        write(u.cwd, [...Array.from({ length: 5 }, (_, i) => `// bob's header ${i + 1}`), ...BASE]);
        git(u.cwd, 'commit', '-q', '-am', 'header');
      }
      git(u.cwd, 'remote', 'set-url', 'origin', url);
    }
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
    for (const u of [alice, bob]) u.cleanup();
    fs.rmSync(origin, { recursive: true, force: true });
  });

  let root = 0;

  it('alice starts a discussion on lines 10-12 and gets its link', async () => {
    const out = await alice.ok(['discuss', '--room', 'general', '--file', FILE, '--lines', '10-12', 'Why', 'compute', 'here?']);
    const m = /^Started a discussion \[general #(\d+)\] on src\/app\.ts:10-12\nvscode:\/\/parley\.parley\/discussion\?room=general&seq=(\d+)\n$/.exec(out);
    assert.ok(m, out);
    root = Number(m[1]);
    assert.equal(Number(m[2]), root);
    const history = await alice.ok(['history', '--room', 'general', '--json']);
    const msg = JSON.parse(history.trim().split('\n').pop() as string) as { snippet: { anchor: Record<string, unknown>; code: string } };
    assert.equal(msg.snippet.anchor.repo, 'git.example.com/team/app');
    assert.equal(msg.snippet.anchor.path, FILE);
    assert.equal(msg.snippet.code, BASE.slice(9, 12).join('\n'));
    assert.ok(!history.includes('ghp_T0ken'), 'the token never leaves alice\'s machine');
  });

  it('bob, 5 lines ahead over ssh, sees it at 15-17; alice sees it at 10-12', async () => {
    const [b] = parse(await bob.ok(['discussions', '--json']));
    assert.deepEqual(
      { root: b.root, path: b.path, lines: b.lines, here: b.here, outdated: b.outdated, resolved: b.resolved, replies: b.replies, link: b.link },
      { root, path: FILE, lines: '10-12', here: '15-17', outdated: null, resolved: false, replies: 0, link: `vscode://parley.parley/discussion?room=general&seq=${root}` },
    );
    const [a] = parse(await alice.ok(['discussions', '--room', 'general', '--file', FILE, '--json']));
    assert.equal(a.here, '10-12');
    assert.match(await bob.ok(['discussions']), new RegExp(`\\[general #${root}\\] src/app.ts:10-12 \\(here 15-17\\) alice_disc: Why compute here\\? — open, 0 replies`));
    assert.deepEqual(parse(await bob.ok(['discussions', '--file', 'src/other.ts', '--json'])), []);
  });

  it('replies and resolve show in the listing; --open leaves resolved ones out', async () => {
    await bob.ok(['reply', '--room', 'general', String(root), 'It caches.']);
    assert.equal(parse(await alice.ok(['discussions', '--json']))[0].replies, 1);
    await alice.ok(['resolve', '--room', 'general', String(root)]);
    assert.deepEqual(parse(await bob.ok(['discussions', '--open', '--json'])), []);
    assert.equal(parse(await bob.ok(['discussions', '--json']))[0].resolved, true);
    await alice.ok(['resolve', '--room', 'general', '--reopen', String(root)]);
  });

  it('an edit inside the range keeps it in place; deleting the lines makes it outdated', async () => {
    const lines = fs.readFileSync(path.join(bob.cwd, FILE), 'utf8').split('\n');
    lines[15] = 'export const value11 = compute(11, { cached: true }); // line 11';
    fs.writeFileSync(path.join(bob.cwd, FILE), lines.join('\n'));
    assert.equal(parse(await bob.ok(['discussions', '--json']))[0].here, '15-17');
    lines.splice(14, 3);
    fs.writeFileSync(path.join(bob.cwd, FILE), lines.join('\n'));
    const [b] = parse(await bob.ok(['discussions', '--json']));
    assert.equal(b.here, null);
    assert.equal(b.outdated, 'code deleted');
    assert.match(await bob.ok(['discussions']), /\(outdated: code deleted\)/);
  });

  it('a working copy of another repository does not list it', async () => {
    const other = tempDir('parley-other-');
    try {
      git(other, 'init', '-q');
      git(other, 'remote', 'add', 'origin', 'https://git.example.com/team/other.git');
      const inOther = execFileSync(process.execPath, [path.resolve(__dirname, '../../dist/client/cli.js'), 'discussions', '--json'], { cwd: other, env: alice.env(), encoding: 'utf8' });
      assert.equal(inOther, '');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses bad ranges with a usage error (exit 2) and sends nothing', async () => {
    for (const lines of ['12-10', '29-31', 'x']) {
      const r = await alice.run(['discuss', '--file', FILE, '--lines', lines, 'text']);
      assert.equal(r.code, 2, `${lines}: ${r.stderr}`);
    }
    const r = await alice.run(['discuss', '--file', FILE, '--lines', '1-2']);
    assert.equal(r.code, 2);
    assert.equal(parse(await alice.ok(['discussions', '--json'])).length, 1);
  });
});
