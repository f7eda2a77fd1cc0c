// `npm test`: builds and packages Parley, provisions the real services the suites use (Chromium, vsftpd,
// Neo4j, code-server; each cached after its first install), then runs every mocha suite, in
// two groups side by side.
// Extra arguments are passed to mocha, e.g. `npm test -- test/store`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureInstalled } from './ensure-install.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const ci = process.env.CI === 'true';

function step(title, fn) {
  const started = Date.now();
  process.stdout.write(`» ${title}\n`);
  return Promise.resolve(fn()).then((value) => {
    process.stdout.write(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return value;
  });
}

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} exited with ${result.status ?? result.signal}`);
}

async function provision() {
  const services = join(root, 'scripts/services');
  const failures = [];
  const tryStep = async (title, fn) => {
    try {
      await step(title, fn);
    } catch (err) {
      failures.push(`${title}: ${err.message}`);
      process.stdout.write(`  FAILED: ${err.message}\n`);
    }
  };
  await tryStep('Chromium (Debian package)', async () => (await import(join(services, 'chromium.mjs'))).ensureChromium());
  await tryStep('vsftpd (Debian package)', async () => (await import(join(services, 'apt.mjs'))).ensureDebPackages(['vsftpd'], { policyRcD: true }));
  await tryStep('HAProxy (Debian package)', async () => (await import(join(services, 'haproxy.mjs'))).ensureHaproxy());
  await tryStep('Neo4j launcher (Maven)', async () => (await import(join(services, 'neo4j.mjs'))).ensureNeo4jBuilt());
  await tryStep('code-server (npm, cached)', async () => (await import(join(services, 'code-server.mjs'))).ensureCodeServer());
  // The suites that need a missing service fail on their own; under CI that is the right outcome.
  if (failures.length > 0 && !ci) process.stdout.write(`Some services could not be provisioned:\n  ${failures.join('\n  ')}\n`);
}

/**
 * One mocha run; resolves with its counts (the reporter writes them to a file). Its output is
 * collected and printed in one piece when it ends, so runs side by side stay readable.
 */
function mocha(title, specs, mochaArgs, extraEnv = {}) {
  const resultsFile = join(mkdtempSync(join(tmpdir(), 'parley-results-')), 'results.json');
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(root, 'node_modules/mocha/bin/mocha.js'), '--reporter', join(root, 'test/helpers/reporter.cjs'), ...specs, ...mochaArgs],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PARLEY_BUILT: '1', PARLEY_RESULTS_FILE: resultsFile, ...extraEnv } },
    );
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', () => {
      process.stdout.write(`» ${title} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
      process.stdout.write(Buffer.concat(output));
      // A run that died before its reporter finished counts as one failure.
      resolve(existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : { passed: 0, failed: 1, skipped: 0 });
    });
  });
}

/** The chat integration suites once more, with the server keeping everything in a real Neo4j. */
async function chatSuitesOnNeo4j() {
  const { startNeo4j } = await import(join(root, 'scripts/services/neo4j.mjs'));
  let neo4j;
  try {
    neo4j = await startNeo4j({ port: 0 });
  } catch (err) {
    process.stdout.write(`» The server chat suites on Neo4j: Neo4j did not start: ${err.message}\n`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  try {
    return await mocha('The server chat suites again, with the server on Neo4j', ['test/server/chat.test.ts', 'test/server/conversation.test.ts', 'test/server/unread.test.ts', 'test/server/sessions.test.ts', 'test/server/names.test.ts'], [], {
      PARLEY_TEST_SERVER_ARGS: `--neo4j ${neo4j.uri}`,
    });
  } finally {
    await neo4j.stop();
  }
}

/**
 * The suites in two lanes side by side, one per core: the browser-driven ones (webview in
 * Chromium, the extension in code-server) then the cluster suites, and the rest, followed by the
 * Neo4j re-run.
 */
const BROWSER_SUITES = ['test/webview/**/*.test.ts', 'test/extension/**/*.test.ts'];
const OTHER_SUITES = ['test/protocol', 'test/store', 'test/media', 'test/server', 'test/client'].map((dir) => `${dir}/**/*.test.ts`);
// Several nodes: after the browser suites, in their lane, which ends first.
const CLUSTER_SUITES = ['test/cluster/**/*.test.ts'];

async function main() {
  ensureInstalled(root);
  // The production build and the .vsix, once: the suites run side by side on this dist/.
  await step('Build and package', () => run('node', ['scripts/package.mjs']));
  process.env.PARLEY_PACKAGED = '1';
  if (!args.includes('--no-provision')) await provision();
  const mochaArgs = args.filter((a) => a !== '--no-provision');
  const focused = mochaArgs.some((a) => !a.startsWith('-'));
  const runs = focused
    ? [await mocha('The suites asked for', [], mochaArgs)]
    : await Promise.all([
        (async () => [await mocha('Webview and VS Code suites', BROWSER_SUITES, mochaArgs), await mocha('Cluster suites (several nodes on Neo4j and Redis, behind HAProxy)', CLUSTER_SUITES, mochaArgs)])(),
        (async () => [await mocha('Protocol, store, media, server and client suites', OTHER_SUITES, mochaArgs), await chatSuitesOnNeo4j()])(),
      ]).then((r) => r.flat());
  const total = runs.reduce((sum, r) => ({ passed: sum.passed + r.passed, failed: sum.failed + r.failed, skipped: sum.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
  process.stdout.write(`\n${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}\n`);
  process.exit(total.failed > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(`npm test: ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
