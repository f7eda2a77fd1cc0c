import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVER_CLI, TestServer, ensureBuilt, tempDir } from '../helpers/server';
import { signIn } from './chat-helpers';

const FTP_PASSWORD = 'Ftp-S3cret-7731';
const NEO4J_PASSWORD = 'Neo4j-S3cret-4409';
const USER_PASSWORD = 'User-S3cret-2290';

/** Everything a process wrote, until it exits. */
function runToExit(args: string[]): Promise<{ code: number | null; output: string }> {
  const proc = spawn(process.execPath, [SERVER_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (c: Buffer) => chunks.push(c));
  proc.stderr.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString() })));
}

describe('server: no secret ever reaches its output', function () {
  this.timeout(60_000);
  before(() => ensureBuilt());

  it('keeps the FTP password, user passwords and tokens out of every log line at trace level', async () => {
    const dir = tempDir();
    const urlFile = path.join(dir, 'ftp-url');
    // Port 1 refuses: the media store fails to start, the path most likely to log its URL.
    fs.writeFileSync(urlFile, `ftp://parley:${FTP_PASSWORD}@127.0.0.1:1/media\n`, { mode: 0o600 });
    const server = await TestServer.start({ args: ['--log-level', 'trace', '--ftp-url-file', urlFile] });
    try {
      const client = await signIn(server, undefined, { password: USER_PASSWORD });
      await client.send('general', 'hello');
      client.close();
      await server.stop();
      await server.outputDrained();
      const output = `${server.logs.map((l) => JSON.stringify(l)).join('\n')}\n${server.stderr.join('')}`;
      assert.ok(server.logs.some((l) => /media store unavailable/.test(l.msg)), 'the FTP failure was logged');
      for (const secret of [FTP_PASSWORD, USER_PASSWORD, client.token]) assert.ok(!output.includes(secret), `${secret} is in the output`);
    } finally {
      await server.stop();
      server.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the Neo4j password out of the output of a start that fails', async () => {
    const dir = tempDir();
    try {
      const run = await runToExit(['--port', '0', '--data', dir, '--log-level', 'trace', '--neo4j', 'bolt://127.0.0.1:1', '--neo4j-user', 'neo4j', '--neo4j-password', NEO4J_PASSWORD]);
      assert.notEqual(run.code, 0);
      assert.match(run.output, /could not be opened/);
      assert.ok(!run.output.includes(NEO4J_PASSWORD), run.output);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
