// `tesoro worker` has no API port: with TESORO_METRICS_PORT set it serves /metrics (its own
// refreshes, webhook attempts and imports, and the queue's depth) and /health on a bare listener.

import { once } from 'node:events';
import http from 'node:http';
import { metricsAccess, metricsContentType, renderMetrics } from '../observability/metrics.ts';

export async function serveWorkerMetrics(
  port: number,
  host: string,
  token: string | undefined,
): Promise<http.Server> {
  const mayRead = metricsAccess(token);
  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://worker').pathname;
    if (request.method !== 'GET') return void response.writeHead(405).end();
    if (path === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (path !== '/metrics') {
      response.writeHead(404).end();
    } else if (!mayRead(request.headers.authorization)) {
      response.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"' }).end();
    } else {
      renderMetrics().then(
        (text) => response.writeHead(200, { 'content-type': metricsContentType }).end(text),
        () => response.writeHead(500).end(),
      );
    }
  });
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}
