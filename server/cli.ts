import * as fs from 'node:fs';
import { ConfigError, helpText, parseArgs, type ServerConfig } from './config';
import { createLogger, type Logger } from './log';
import { openMediaStore } from './media/open-media-store';
import { plaintextWarning } from './plaintext';
import { Cluster } from './cluster/cluster';
import { ParleyServer } from './server';
import { openStore } from './store';
import { runCopyStore } from './store/copy-store';
import { RetryingMediaStore } from './transfers/media-ready';

declare const PARLEY_VERSION: string;

/** Past --drain-timeout, a shutdown that still has not finished (a store that hangs on close) gets this long. */
const HARD_STOP_GRACE_MS = 5000;

async function main(): Promise<void> {
  if (process.argv[2] === 'copy-store') {
    process.exitCode = await runCopyStore(process.argv.slice(3));
    return;
  }
  let action;
  try {
    action = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`parley-server: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (action.kind === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  if (action.kind === 'version') {
    process.stdout.write(`${typeof PARLEY_VERSION === 'string' ? PARLEY_VERSION : 'dev'}\n`);
    return;
  }
  await run(action.config, createLogger(action.config.logLevel));
}

async function run(config: ServerConfig, logger: Logger): Promise<void> {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const store = await openStore(config.store, logger);
  const media = new RetryingMediaStore(openMediaStore(config.media, logger));
  try {
    await media.init();
  } catch (err) {
    // Chat does not need it; transfers answer MEDIA_UNAVAILABLE and try init again.
    logger.warn({ media: media.description, reason: err instanceof Error ? err.message : String(err) }, 'media store unavailable at start-up');
  }
  const cluster = config.cluster === undefined ? undefined : new Cluster(config.cluster, logger);
  const server = new ParleyServer(config, store, logger, media, cluster);
  installSignals(server, config, logger);
  const address = await server.start();
  logger.info(
    {
      address: address.address,
      port: address.port,
      tls: config.tls !== undefined,
      store: store.description,
      media: media.description,
      limits: config.limits,
      rateLimit: config.rateLimit,
      ...(config.cluster !== undefined ? { cluster: config.cluster.description, node: config.cluster.nodeId } : {}),
    },
    `parley-server listening on ${config.tls ? 'tls' : 'tcp'}://${address.address}:${address.port}`,
  );
  const warning = plaintextWarning(address.address, config.tls !== undefined);
  if (warning !== undefined) {
    // On stderr as well: an operator reading the terminal may never look at the JSON log.
    logger.warn({ address: address.address, tls: false }, warning);
    process.stderr.write(`parley-server: warning: ${warning}\n`);
  }
}

function installSignals(server: ParleyServer, config: ServerConfig, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting at once');
      logger.flush();
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // The drain bounds itself; this is for a store whose close() hangs.
    setTimeout(() => {
      logger.error({ drainTimeoutMs: config.drainTimeout }, 'shutdown took longer than the drain timeout allows, exiting');
      logger.flush();
      process.exit(1);
    }, config.drainTimeout + HARD_STOP_GRACE_MS).unref();
    server.close().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The usual signal for "read your certificates again" (nginx, HAProxy's master, Caddy).
  process.on('SIGHUP', () => {
    if (stopping) return;
    if (config.tls === undefined) logger.info('SIGHUP: not serving TLS, nothing to reload');
    else server.reloadTls('SIGHUP');
  });
}

main().catch((err) => {
  process.stderr.write(`parley-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
