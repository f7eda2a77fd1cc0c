import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import type { HealthChecks } from './health';
import type { ServerMetrics } from './metrics';

export interface OpsHttpOptions {
  host: string;
  port: number;
  logger: Logger;
}

/**
 * The operations endpoint on its own port (`--metrics-port`): `GET /healthz` for balancers
 * (200 when every health check passes, 503 with a JSON reason when one fails or the server is
 * draining) and `GET /metrics` for Prometheus. Nothing else; no chat data is reachable here.
 */
export class OpsHttpServer {
  private readonly server: http.Server;

  constructor(
    private readonly options: OpsHttpOptions,
    private readonly health: HealthChecks,
    private readonly metrics: ServerMetrics,
  ) {
    this.server = http.createServer((req, res) => this.handle(req, res));
    // Scrapers and health checkers keep connections alive; none of them should hold up a shutdown.
    this.server.keepAliveTimeout = 5000;
    this.server.on('error', (err) => options.logger.error({ err }, 'metrics listener error'));
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD.\n', { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/healthz') {
      this.health.report().then(
        (report) => send(res, report.status === 'ok' ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`),
        (err: unknown) => send(res, 503, 'application/json', `${JSON.stringify({ status: 'unavailable', error: String(err) })}\n`),
      );
      return;
    }
    if (path === '/metrics') {
      this.metrics.render().then(
        ({ contentType, body }) => send(res, 200, contentType, body),
        (err: unknown) => {
          this.options.logger.error({ err }, 'collecting metrics failed');
          send(res, 500, 'text/plain; charset=utf-8', 'Collecting metrics failed.\n');
        },
      );
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'Not found: try /healthz or /metrics.\n');
  }
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
