#!/usr/bin/env node
// A webhook receiver that checks Tesoro's signature with the Standard Webhooks library
// (npm install standardwebhooks) before trusting the event. Register http://localhost:3000/hooks
// (README: Webhooks) and start it with the endpoint's secret:
//
//   WEBHOOK_SECRET=whsec_… node examples/webhooks/verify.mjs
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.WEBHOOK_SECRET ?? '');
const port = Number(process.env.PORT ?? 3000);

http
  .createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      try {
        // The signature covers the raw body, its id and its timestamp (5 minutes of tolerance).
        const event = webhook.verify(body, request.headers);
        process.stdout.write(`${event.type} ${JSON.stringify(event.data)}\n`);
        response.writeHead(204).end();
      } catch {
        response.writeHead(400).end('bad signature');
      }
    });
  })
  .listen(port, () => process.stdout.write(`Receiving webhooks on http://localhost:${port}/hooks\n`));
