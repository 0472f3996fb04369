#!/usr/bin/env node
// The other end of the hosted Connect page, for trying it out: listens on http://localhost:3000,
// receives the end user at /callback?code=…&state=…, exchanges the one-use code for the connection
// with your client's token, and shows what it got. In your application this is one route.
//
//   TESORO_URL=http://localhost:8080 TOKEN=<access token> node examples/connect-callback.mjs
import http from 'node:http';

const tesoro = process.env.TESORO_URL ?? 'http://localhost:8080';
const token = process.env.TOKEN;
const port = Number(process.env.PORT ?? 3000);
if (!token) {
  process.stderr.write('Set TOKEN to an access token of your client (README: Five-line walkthrough).\n');
  process.exit(2);
}

const page = (title, body) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:system-ui;margin:3rem">` +
  `<h1>${title}</h1><pre>${body.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c])}</pre>`;

http
  .createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', `http://localhost:${port}`);
    if (url.pathname !== '/callback') return response.writeHead(404).end('Not found');
    const send = (status, title, body) =>
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(page(title, body));
    // Cancelled on the page, or the session expired: the page says so with `error`.
    if (url.searchParams.has('error'))
      return send(
        200,
        'Not connected',
        `error: ${url.searchParams.get('error')}\nstate: ${url.searchParams.get('state')}`,
      );
    const code = url.searchParams.get('code');
    if (!code) return send(400, 'No code', 'The callback needs ?code=…');
    // Check `state` against the one you gave the session here (it ties the callback to your user).
    const exchange = await fetch(`${tesoro}/v1/connect/exchange`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    const result = await exchange.json();
    process.stdout.write(`${JSON.stringify(result)}\n`);
    send(exchange.status, exchange.ok ? 'Connected' : 'Exchange refused', JSON.stringify(result, null, 2));
  })
  .listen(port, () =>
    process.stdout.write(`Waiting for Connect callbacks on http://localhost:${port}/callback\n`),
  );
