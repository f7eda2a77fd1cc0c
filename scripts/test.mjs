// `npm test`: builds Parley, provisions the real services the suites use (Chromium, vsftpd,
// Neo4j, code-server; each cached after its first install), then runs every mocha suite.
// Extra arguments are passed to mocha, e.g. `npm test -- test/store`.
import { spawnSync } from 'node:child_process';
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

async function main() {
  ensureInstalled(root);
  await step('Build', () => run('node', ['scripts/build.mjs']));
  if (!args.includes('--no-provision')) await provision();
  const mochaArgs = args.filter((a) => a !== '--no-provision');
  const specs = mochaArgs.some((a) => !a.startsWith('-')) ? [] : ['test/**/*.test.ts'];
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/mocha/bin/mocha.js'), '--reporter', join(root, 'test/helpers/reporter.cjs'), ...specs, ...mochaArgs],
    { cwd: root, stdio: 'inherit', env: { ...process.env, PARLEY_BUILT: '1' } },
  );
  process.exit(result.status ?? 1);
}

main().catch((err) => {
  console.error(`npm test: ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
