// `npm test`: builds Parley, provisions the real services the suites use (Chromium, vsftpd,
// Neo4j, code-server; each cached after its first install), then runs every mocha suite.
// Extra arguments are passed to mocha, e.g. `npm test -- test/store`.
import { spawnSync } from 'node:child_process';
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
  await tryStep('Neo4j launcher (Maven)', async () => (await import(join(services, 'neo4j.mjs'))).ensureNeo4jBuilt());
  await tryStep('code-server (npm, cached)', async () => (await import(join(services, 'code-server.mjs'))).ensureCodeServer());
  // The suites that need a missing service fail on their own; under CI that is the right outcome.
  if (failures.length > 0 && !ci) process.stdout.write(`Some services could not be provisioned:\n  ${failures.join('\n  ')}\n`);
}

/** One mocha run; returns its counts (the reporter writes them to a file). */
function mocha(specs, mochaArgs, extraEnv = {}) {
  const resultsFile = join(mkdtempSync(join(tmpdir(), 'parley-results-')), 'results.json');
  spawnSync(
    process.execPath,
    [join(root, 'node_modules/mocha/bin/mocha.js'), '--reporter', join(root, 'test/helpers/reporter.cjs'), ...specs, ...mochaArgs],
    { cwd: root, stdio: 'inherit', env: { ...process.env, PARLEY_BUILT: '1', PARLEY_RESULTS_FILE: resultsFile, ...extraEnv } },
  );
  // A run that died before its reporter finished counts as one failure.
  if (!existsSync(resultsFile)) return { passed: 0, failed: 1, skipped: 0 };
  return JSON.parse(readFileSync(resultsFile, 'utf8'));
}

/** The chat and conversation integration suites once more, with the server keeping everything in a real Neo4j. */
async function chatSuiteOnNeo4j() {
  process.stdout.write('» The server chat and conversation suites again, with the server on Neo4j\n');
  const { startNeo4j } = await import(join(root, 'scripts/services/neo4j.mjs'));
  let neo4j;
  try {
    neo4j = await startNeo4j({ port: 0 });
  } catch (err) {
    process.stdout.write(`  Neo4j did not start: ${err.message}\n`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  try {
    return mocha(['test/server/chat.test.ts', 'test/server/conversation.test.ts'], [], { PARLEY_TEST_SERVER_ARGS: `--neo4j ${neo4j.uri}` });
  } finally {
    await neo4j.stop();
  }
}

async function main() {
  ensureInstalled(root);
  await step('Build', () => run('node', ['scripts/build.mjs']));
  if (!args.includes('--no-provision')) await provision();
  const mochaArgs = args.filter((a) => a !== '--no-provision');
  const focused = mochaArgs.some((a) => !a.startsWith('-'));
  const runs = [mocha(focused ? [] : ['test/**/*.test.ts'], mochaArgs)];
  if (!focused) runs.push(await chatSuiteOnNeo4j());
  const total = runs.reduce((sum, r) => ({ passed: sum.passed + r.passed, failed: sum.failed + r.failed, skipped: sum.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
  process.stdout.write(`\n${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}\n`);
  process.exit(total.failed > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(`npm test: ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
