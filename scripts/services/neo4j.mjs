#!/usr/bin/env node
// Local Neo4j Community server (embedded, Bolt only, auth disabled) for development and tests.
//
//   import { startNeo4j } from './scripts/services/neo4j.mjs';
//   const neo4j = await startNeo4j({ dataDir });   // port 0 (default) picks a free port
//   ... connect to neo4j.uri ...
//   await neo4j.stop();
//
//   node scripts/services/neo4j.mjs [--port 7687] [--data ./parley-data/neo4j] [--pagecache-mb 64]
//   node scripts/services/neo4j.mjs --build-only [--cds|--no-cds]
//
// The Java launcher lives in scripts/neo4j (Maven). It is compiled once and its resolved classpath cached in
// scripts/neo4j/target (optionally with a class-data-sharing archive); later starts just run `java`.
// Needs Java 17+ and Maven on PATH (or JAVA_HOME / MVN).
// Environment: PARLEY_NEO4J_JAVA_OPTS adds JVM flags (e.g. "-Xmx2g", or "-XX:TieredStopAtLevel=1" for faster
// starts at some cost in query speed). PARLEY_NEO4J_CDS=1 makes API callers record the class-data-sharing
// archive (the CLI does so by default outside CI); PARLEY_NEO4J_CDS=0 never records or uses it.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_DIR = path.resolve(HERE, '..', 'neo4j');
const POM = path.join(PROJECT_DIR, 'pom.xml');
const SRC_DIR = path.join(PROJECT_DIR, 'src');
const TARGET_DIR = path.join(PROJECT_DIR, 'target');
const LAUNCHER_JAR = path.join(TARGET_DIR, 'parley-neo4j-launcher.jar');
const STAGED_JAR = path.join(TARGET_DIR, 'staging', 'parley-neo4j-launcher.jar');
const CLASSPATH_FILE = path.join(TARGET_DIR, 'classpath.txt');
const STAMP_FILE = path.join(TARGET_DIR, 'parley-build.stamp');
const LOCK_DIR = path.join(TARGET_DIR, 'parley-build.lock');
const MAIN_CLASS = 'parley.Neo4jLauncher';
const CDS_ARCHIVE = path.join(TARGET_DIR, 'neo4j-cds.jsa');
const CDS_KEY_FILE = path.join(TARGET_DIR, 'neo4j-cds.key');

const HOST = '127.0.0.1';
const DEFAULT_CLI_PORT = 7687;
const DEFAULT_CLI_DATA_DIR = path.join('parley-data', 'neo4j');
const STOP_GRACE_MS = 20_000;
const BUILD_LOCK_STALE_MS = 15 * 60_000;
const READY_RE = /^NEO4J READY bolt:\/\/127\.0\.0\.1:(\d+)\s*$/;

// Sized for a small shared machine: Serial GC uses far fewer threads and less RSS than G1 for a <=1 GiB heap.
const DEFAULT_JVM_ARGS = [
  '-Xms64m',
  '-Xmx1g',
  '-XX:+UseSerialGC',
  '-XX:+ExitOnOutOfMemoryError',
  '-XX:-OmitStackTraceInFastThrow',
  // Neo4j's native file access (fadvise etc.) reads file descriptors reflectively; without these it logs warnings.
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Djdk.nio.maxCachedBufferSize=1024',
  '-Dlog4j2.disable.jmx=true',
  '-Dfile.encoding=UTF-8',
];

// For `npm run neo4j -- --throughput` and bench/store-neo4j.ts (after the defaults, so these win):
// a fixed 2 GiB heap with a 768 MiB young generation under the Parallel collector. With the
// defaults a steady write load grows the heap in small steps and the old generation fills again
// and again: 140-160 collections (7-8 full) and 2.5-3.5 s of pauses in an 85 s benchmark run on
// the 1 M-message store. With this profile 5-17 collections, none full, 0.7-1.1 s of pauses, and
// more ingest per CPU (docs/benchmarks.md). The metaspace threshold spares the start-up its four
// full collections. Costs up to ~2.3 GiB RSS, so the test suites keep the small defaults.
export const THROUGHPUT_JVM_ARGS = [
  '-Xms2g',
  '-Xmx2g',
  '-Xmn768m',
  '-XX:-UseSerialGC',
  '-XX:+UseParallelGC',
  '-XX:MetaspaceSize=256m',
];

const noop = () => {};

function javaBinary() {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, 'bin', 'java') : 'java';
}

function mavenBinary() {
  return process.env.MVN || 'mvn';
}

function envJvmArgs() {
  const raw = process.env.PARLEY_NEO4J_JAVA_OPTS;
  return raw ? raw.trim().split(/\s+/).filter(Boolean) : [];
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function mtimeMs(file) {
  try {
    return (await fsp.stat(file)).mtimeMs;
  } catch {
    return null;
  }
}

async function newestMtime(dir) {
  let newest = 0;
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const t = entry.isDirectory() ? await newestMtime(full) : await mtimeMs(full);
    if (t && t > newest) newest = t;
  }
  return newest;
}

// Returns the cached classpath when the compiled launcher is current, otherwise null.
async function cachedClasspath() {
  const stamp = await mtimeMs(STAMP_FILE);
  if (stamp === null || (await mtimeMs(LAUNCHER_JAR)) === null) return null;
  const sources = Math.max((await mtimeMs(POM)) ?? 0, await newestMtime(SRC_DIR));
  if (sources > stamp) return null;
  let deps;
  try {
    deps = (await fsp.readFile(CLASSPATH_FILE, 'utf8')).trim();
  } catch {
    return null;
  }
  if (!deps) return null;
  const entries = deps.split(path.delimiter);
  // A wiped or pruned ~/.m2 must trigger a re-resolve rather than a ClassNotFoundException at start.
  for (const entry of entries) {
    if ((await mtimeMs(entry)) === null) return null;
  }
  return [LAUNCHER_JAR, ...entries].join(path.delimiter);
}

function cdsWanted() {
  return process.env.PARLEY_NEO4J_CDS !== '0';
}

async function resolveExecutable(cmd) {
  if (cmd.includes(path.sep)) return cmd;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    try {
      await fsp.access(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

// An archive only works for the exact JVM and jars it was recorded with; key it on both.
async function cdsKey() {
  const java = await resolveExecutable(javaBinary());
  if (!java) return null;
  const real = await fsp.realpath(java).catch(() => java);
  const st = await fsp.stat(real).catch(() => null);
  const stamp = await mtimeMs(STAMP_FILE);
  return JSON.stringify({ java: real, javaMtime: st?.mtimeMs ?? 0, javaSize: st?.size ?? 0, build: stamp });
}

// 'ready' (archive usable), 'failed' (recording failed for this key; don't retry every start) or 'missing'.
async function cdsState() {
  const key = await cdsKey();
  let saved;
  try {
    saved = JSON.parse(await fsp.readFile(CDS_KEY_FILE, 'utf8'));
  } catch {
    return 'missing';
  }
  if (!key || saved.key !== key) return 'missing';
  if (saved.ok && (await mtimeMs(CDS_ARCHIVE)) !== null) return 'ready';
  return saved.ok ? 'missing' : 'failed';
}

function cdsRuntimeArgs(state) {
  // Silence the JVM's notes about the archive; if it no longer matches, the JVM just loads classes normally.
  return state === 'ready' ? [`-XX:SharedArchiveFile=${CDS_ARCHIVE}`, '-Xlog:cds*=off'] : [];
}

async function currentBuild() {
  const classpath = await cachedClasspath();
  if (!classpath) return null;
  return { classpath, cds: cdsWanted() ? await cdsState() : 'disabled' };
}

function run(cmd, args, { cwd, log, timeoutMs = 0 }) {
  return new Promise((resolve, reject) => {
    let output = '';
    let child;
    try {
      child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(err);
      return;
    }
    const timer = timeoutMs ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : null;
    const onData = (chunk) => {
      // Maven colours output even with -q; strip escapes so logs and errors stay readable.
      // eslint-disable-next-line no-control-regex
      const text = chunk.toString().replace(/\x1b\[[0-9;]*m/g, '');
      output += text;
      if (output.length > 200_000) output = output.slice(-100_000);
      for (const line of text.split(/\r?\n/)) if (line.trim()) log(`[neo4j build] ${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') {
        reject(new Error(`'${cmd}' not found (install it, or set ${cmd === mavenBinary() ? 'MVN' : 'JAVA_HOME'})`));
      } else {
        reject(err);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

function outputTail(output, lines = 40) {
  return output.trim().split(/\r?\n/).slice(-lines).join('\n');
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function acquireBuildLock(log) {
  await fsp.mkdir(TARGET_DIR, { recursive: true });
  let announced = false;
  for (;;) {
    try {
      await fsp.mkdir(LOCK_DIR);
      await fsp.writeFile(path.join(LOCK_DIR, 'owner'), `${process.pid}\n`).catch(noop);
      return async () => {
        await fsp.rm(LOCK_DIR, { recursive: true, force: true });
      };
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const since = await mtimeMs(LOCK_DIR);
    const owner = Number.parseInt(await fsp.readFile(path.join(LOCK_DIR, 'owner'), 'utf8').catch(() => ''), 10);
    if ((since !== null && Date.now() - since > BUILD_LOCK_STALE_MS) || (owner && !processAlive(owner))) {
      await fsp.rm(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log('[neo4j build] waiting for another build of scripts/neo4j to finish');
      announced = true;
    }
    await sleep(500);
  }
}

async function compile(log) {
  const started = Date.now();
  log('[neo4j build] compiling launcher and resolving Neo4j from Maven (first run downloads ~125 MB)');
  const result = await run(
    mavenBinary(),
    [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      POM,
      'compile',
      'jar:jar',
      'dependency:build-classpath',
      `-Dmdep.outputFile=${CLASSPATH_FILE}`,
    ],
    { cwd: PROJECT_DIR, log },
  );
  if (result.code !== 0) {
    throw new Error(`Building scripts/neo4j failed (mvn exit ${result.code ?? result.signal}):\n${outputTail(result.output)}`);
  }
  // Rename rather than overwrite: servers already running from the old jar would crash if it changed under them.
  await fsp.rename(STAGED_JAR, LAUNCHER_JAR);
  // Stamp with the start time so sources edited during the build still count as newer.
  await fsp.writeFile(STAMP_FILE, `${new Date(started).toISOString()}\n`);
  const t = new Date(started);
  await fsp.utimes(STAMP_FILE, t, t);
  const classpath = await cachedClasspath();
  if (!classpath) throw new Error(`Building scripts/neo4j produced no usable classpath in ${CLASSPATH_FILE}`);
  log(`[neo4j build] compiled in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return classpath;
}

// Records which classes a typical start loads into a class-data-sharing archive; later JVMs map it instead of
// parsing ~200 jars, which cuts start-up CPU by about a third.
async function recordCds(classpath, log) {
  const started = Date.now();
  const key = await cdsKey();
  const tmpArchive = `${CDS_ARCHIVE}.${process.pid}.tmp`;
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'parley-neo4j-cds-'));
  log('[neo4j build] recording class-data-sharing archive (one-off, speeds up later starts)');
  try {
    await fsp.rm(CDS_ARCHIVE, { force: true });
    const result = await run(
      javaBinary(),
      [
        ...DEFAULT_JVM_ARGS,
        `-XX:ArchiveClassesAtExit=${tmpArchive}`,
        '-Xlog:cds*=off',
        '-cp',
        classpath,
        MAIN_CLASS,
        '--port',
        '0',
        '--data',
        dataDir,
        '--training',
      ],
      { cwd: PROJECT_DIR, log: noop, timeoutMs: 10 * 60_000 },
    );
    const ok = result.code === 0 && (await mtimeMs(tmpArchive)) !== null;
    if (ok) {
      await fsp.rename(tmpArchive, CDS_ARCHIVE);
      log(`[neo4j build] archive recorded in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    } else {
      log(`[neo4j build] could not record archive (exit ${result.code ?? result.signal}); starts will be slower:\n${outputTail(result.output, 15)}`);
    }
    await fsp.writeFile(CDS_KEY_FILE, JSON.stringify({ key, ok }) + '\n');
  } finally {
    await fsp.rm(tmpArchive, { force: true }).catch(noop);
    await fsp.rm(dataDir, { recursive: true, force: true }).catch(noop);
  }
}

async function build(log, recordArchive) {
  const release = await acquireBuildLock(log);
  try {
    // Another process may have finished the work while we waited for the lock.
    let current = await currentBuild();
    if (!current) {
      const classpath = await compile(log);
      current = { classpath, cds: cdsWanted() ? await cdsState() : 'disabled' };
    }
    if (recordArchive && current.cds === 'missing') {
      await recordCds(current.classpath, log);
      current = { classpath: current.classpath, cds: await cdsState() };
    }
    return current;
  } finally {
    await release();
  }
}

let buildQueue = Promise.resolve();

/**
 * Compiles the launcher and resolves its classpath unless the cache in scripts/neo4j/target is current.
 *
 * With `cds: true` (default: env PARLEY_NEO4J_CDS=1) it also records a class-data-sharing archive, a one-off
 * cost of about one extra server start that makes every later start use roughly a third less CPU. Starts use an
 * existing archive whenever it matches the current build and JVM, whether or not they asked for one.
 *
 * @param {object} [options]
 * @param {(line: string) => void} [options.log]
 * @param {boolean} [options.cds]
 * @returns {Promise<{classpath: string, cds: 'ready' | 'missing' | 'failed' | 'disabled'}>}
 */
export async function ensureNeo4jBuilt({ log = noop, cds = process.env.PARLEY_NEO4J_CDS === '1' } = {}) {
  const recordArchive = cds && cdsWanted();
  const current = await currentBuild();
  if (current && !(recordArchive && current.cds === 'missing')) return current;
  // Serialise builds within this process; each re-checks the cache under the cross-process lock.
  const mine = buildQueue.catch(noop).then(() => build(log, recordArchive));
  buildQueue = mine;
  return mine;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    const done = (ok) => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function killGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

// Best effort for callers that exit without stop(): ask every live server to shut down cleanly.
const live = new Set();
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGTERM');
});

class StartError extends Error {
  constructor(message, { portInUse = false } = {}) {
    super(message);
    this.portInUse = portInUse;
  }
}

async function launch({ build, port, dataDir, pageCacheMb, jvmArgs, timeoutMs, log, boltTlsDir }) {
  const args = [
    ...DEFAULT_JVM_ARGS,
    ...cdsRuntimeArgs(build.cds),
    ...envJvmArgs(),
    ...jvmArgs,
    '-cp',
    build.classpath,
    MAIN_CLASS,
    '--port',
    String(port),
    '--data',
    dataDir,
    '--pagecache-mb',
    String(pageCacheMb),
    '--exit-on-stdin-eof',
    ...(boltTlsDir ? ['--bolt-tls', boltTlsDir] : []),
  ];
  // Own process group so stop() can signal java and anything it spawns; stdin stays open as a
  // lifeline: if this Node process dies, java sees EOF and shuts itself down.
  const child = spawn(javaBinary(), args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);

  const tail = [];
  const remember = (line) => {
    tail.push(line);
    if (tail.length > 60) tail.shift();
  };
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const closed = new Promise((resolve) => child.once('close', resolve));
  const spawnError = new Promise((resolve) => child.once('error', resolve));

  let readyPort = null;
  let onReady;
  const ready = new Promise((resolve) => {
    onReady = resolve;
  });
  const lineReader = (stream, name) => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buf += chunk;
      let idx;
      while ((idx = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, idx).replace(/\r$/, '');
        buf = buf.slice(idx + 1);
        remember(`${name}: ${line}`);
        log(`[neo4j] ${line}`);
        const m = name === 'out' && READY_RE.exec(line);
        if (m && readyPort === null) {
          readyPort = Number(m[1]);
          onReady(readyPort);
        }
      }
    });
  };
  lineReader(child.stdout, 'out');
  lineReader(child.stderr, 'err');
  child.stdin.on('error', noop);

  const describe = (what) =>
    `${what}\n  command: ${javaBinary()} ... ${MAIN_CLASS} --port ${port} --data ${dataDir}` +
    `\n  Neo4j log: ${path.join(dataDir, 'logs', 'debug.log')}` +
    `\n  last java output:\n${tail.map((l) => `    ${l}`).join('\n') || '    (none)'}`;

  let stopPromise = null;
  const stop = () => {
    if (!stopPromise) {
      stopPromise = (async () => {
        // Hold the event loop open until java is really gone, even if the caller unref'd everything else.
        const keepAlive = setInterval(noop, 1000);
        try {
          killGroup(child, 'SIGTERM');
          const timedOut = Symbol('timeout');
          let timer;
          const result = await Promise.race([
            exited,
            new Promise((resolve) => {
              timer = setTimeout(() => resolve(timedOut), STOP_GRACE_MS);
            }),
          ]);
          clearTimeout(timer);
          if (result === timedOut) {
            log(`[neo4j] no exit ${STOP_GRACE_MS / 1000}s after SIGTERM; sending SIGKILL`);
            killGroup(child, 'SIGKILL');
            await exited;
          }
          child.stdin.destroy();
        } finally {
          clearInterval(keepAlive);
        }
      })();
    }
    return stopPromise;
  };

  const timeoutSym = Symbol('timeout');
  let timer;
  const deadline = Date.now() + timeoutMs;
  const first = await Promise.race([
    ready.then((p) => ({ ready: p })),
    exited.then((e) => ({ exited: e })),
    spawnError.then((err) => ({ error: err })),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(timeoutSym), timeoutMs);
    }),
  ]);
  clearTimeout(timer);

  if (first.error) {
    live.delete(child);
    const hint = first.error.code === 'ENOENT' ? ' (is Java 17+ installed? set JAVA_HOME)' : '';
    throw new StartError(`Could not run ${javaBinary()}: ${first.error.message}${hint}`);
  }
  if (first.exited) {
    const { code, signal } = first.exited;
    // 'exit' can fire before the last output is read; the error should include it.
    await Promise.race([closed, sleep(2000)]);
    const portInUse = tail.some((l) => /address already in use|BindException|Port .* is already in use/i.test(l));
    throw new StartError(describe(`Neo4j exited before it was ready (exit ${code ?? signal})`), { portInUse });
  }
  if (first === timeoutSym) {
    await stop();
    throw new StartError(describe(`Neo4j did not report ready within ${timeoutMs / 1000}s`));
  }

  // The launcher already probed Bolt, but check from here too so callers can connect immediately.
  while (!(await canConnect(readyPort))) {
    if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new StartError(describe(`Neo4j reported ready but Bolt on ${HOST}:${readyPort} does not accept connections`));
    }
    await sleep(100);
  }

  // Don't let a forgotten server keep the caller's process alive; closing our end of stdin stops java.
  child.unref();
  child.stdout.unref?.();
  child.stderr.unref?.();
  child.stdin.unref?.();

  return {
    uri: `bolt://${HOST}:${readyPort}`,
    port: readyPort,
    dataDir,
    pid: child.pid,
    process: child,
    stop,
  };
}

/**
 * Starts a Neo4j Community server with Bolt on 127.0.0.1 and auth disabled.
 *
 * @param {object} [options]
 * @param {number} [options.port=0] Bolt port; 0 picks a free one.
 * @param {string} [options.dataDir] Neo4j home (data/ and logs/ go inside). Default: a new temp dir, deleted on stop().
 * @param {(line: string) => void} [options.log] Receives build and java output lines. Default: silent.
 * @param {number} [options.pageCacheMb=64]
 * @param {string[]} [options.jvmArgs] Extra JVM flags, after the defaults (so -Xmx2g overrides).
 * @param {number} [options.timeoutMs=180000] How long to wait for readiness (excludes the build).
 * @param {boolean} [options.cds] Record the class-data-sharing archive if missing (see ensureNeo4jBuilt).
 * @param {{certFile: string, keyFile: string}} [options.boltTls] Require TLS on Bolt with this PEM certificate and key.
 * @returns {Promise<{uri: string, port: number, dataDir: string, pid: number, process: import('node:child_process').ChildProcess, stop: () => Promise<void>}>}
 */
export async function startNeo4j({
  port = 0,
  dataDir,
  log = noop,
  pageCacheMb = 64,
  jvmArgs = [],
  timeoutMs = 180_000,
  cds,
  boltTls,
} = {}) {
  log = typeof log === 'function' ? log : noop;
  const build = await ensureNeo4jBuilt({ log, cds });

  let tempDir = null;
  if (!dataDir) {
    tempDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'parley-neo4j-'));
    dataDir = tempDir;
  }
  dataDir = path.resolve(dataDir);
  await fsp.mkdir(dataDir, { recursive: true });
  let boltTlsDir;
  if (boltTls) {
    // Neo4j reads its key pair from one directory, under fixed names.
    boltTlsDir = path.join(dataDir, 'certificates', 'bolt');
    await fsp.mkdir(boltTlsDir, { recursive: true });
    await fsp.copyFile(boltTls.keyFile, path.join(boltTlsDir, 'private.key'));
    await fsp.copyFile(boltTls.certFile, path.join(boltTlsDir, 'public.crt'));
  }

  const attempts = port ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    const chosen = port || (await freePort());
    try {
      const server = await launch({ build, port: chosen, dataDir, pageCacheMb, jvmArgs, timeoutMs, log, boltTlsDir });
      if (tempDir) {
        const stopServer = server.stop;
        let cleaned = null;
        server.stop = () => {
          cleaned ??= stopServer().then(() => fsp.rm(tempDir, { recursive: true, force: true }));
          return cleaned;
        };
      }
      return server;
    } catch (err) {
      // A port picked by freePort() can be taken by someone else before java binds it.
      if (err instanceof StartError && err.portInUse && attempt < attempts) {
        log(`[neo4j] port ${chosen} was taken, retrying with another`);
        continue;
      }
      // A temp data dir is kept on failure: the error message points at its logs/debug.log.
      throw err;
    }
  }
}

function parseCli(argv) {
  // A one-off archive recording pays off over a developer's many restarts, not in a single CI run.
  const opts = {
    port: DEFAULT_CLI_PORT,
    dataDir: DEFAULT_CLI_DATA_DIR,
    pageCacheMb: 64,
    buildOnly: false,
    throughput: false,
    cds: process.env.PARLEY_NEO4J_CDS ? process.env.PARLEY_NEO4J_CDS === '1' : !process.env.CI,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--port') opts.port = Number.parseInt(value(), 10);
    else if (arg === '--data') opts.dataDir = value();
    else if (arg === '--pagecache-mb') opts.pageCacheMb = Number.parseInt(value(), 10);
    else if (arg === '--build-only') opts.buildOnly = true;
    else if (arg === '--throughput') opts.throughput = true;
    else if (arg === '--cds') opts.cds = true;
    else if (arg === '--no-cds') opts.cds = false;
    else if (arg === '--help' || arg === '-h') opts.help = true;
    else throw new Error(`unknown argument: ${arg}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port must be 0..65535');
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`${err.message}\nusage: node scripts/services/neo4j.mjs [--port 7687] [--data DIR] [--pagecache-mb N] [--throughput] [--build-only] [--cds|--no-cds]`);
    process.exit(2);
  }
  if (opts.help) {
    console.log('usage: node scripts/services/neo4j.mjs [--port 7687] [--data ./parley-data/neo4j] [--pagecache-mb 64] [--throughput] [--build-only] [--cds|--no-cds]\n  --throughput: 2 GiB heap, 768 MiB young generation, Parallel GC (THROUGHPUT_JVM_ARGS)');
    return;
  }
  const log = (line) => console.error(line);
  if (opts.buildOnly) {
    const { cds } = await ensureNeo4jBuilt({ log, cds: opts.cds });
    console.error(`[neo4j] build is up to date (class-data-sharing archive: ${cds})`);
    return;
  }

  const keepAlive = setInterval(noop, 1 << 30);
  const started = Date.now();
  const server = await startNeo4j({
    port: opts.port,
    dataDir: opts.dataDir,
    pageCacheMb: opts.pageCacheMb,
    jvmArgs: opts.throughput ? THROUGHPUT_JVM_ARGS : [],
    cds: opts.cds,
    log,
  });
  console.error(`[neo4j] ready in ${((Date.now() - started) / 1000).toFixed(1)}s, data in ${server.dataDir}`);
  console.log(server.uri);

  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) {
      console.error('[neo4j] forcing exit');
      killGroup(server.process, 'SIGKILL');
      process.exit(1);
    }
    stopping = true;
    console.error(`[neo4j] ${signal}: stopping`);
    await server.stop();
    clearInterval(keepAlive);
    process.exit(0);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));

  server.process.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[neo4j] java exited unexpectedly (${code ?? signal})`);
    clearInterval(keepAlive);
    process.exit(1);
  });
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main().catch((err) => {
    console.error(err?.stack || String(err));
    process.exit(1);
  });
}
