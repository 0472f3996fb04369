// One HTTP attempt of a webhook: POST the body with its headers, no redirects followed, 15 s for
// the whole exchange, the resolved address checked before connecting (address-guard.ts). Never
// throws: every outcome, including a refused address or a timeout, is an AttemptOutcome.
import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { type AddressPolicy, guardedLookup, refusedAddressReason } from './address-guard.ts';

export const DELIVERY_TIMEOUT_MS = 15_000;
const KEPT_BODY_BYTES = 1024;

export interface AttemptOutcome {
  statusCode: number | null;
  latencyMs: number;
  /** The first 1 KB of the response body. */
  responseBody: string | null;
  retryAfter: string | undefined;
  error: string | null;
}

export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  policy: AddressPolicy,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string): AttemptOutcome => ({
    statusCode: null,
    latencyMs: elapsed(),
    responseBody: null,
    retryAfter: undefined,
    error,
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(failed('the URL is not valid'));
  }
  // A literal address never goes through lookup, so it is checked here.
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) {
    const reason = refusedAddressReason(host, policy);
    if (reason) return Promise.resolve(failed(`refused before connecting: ${reason}`));
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Tesoro-Webhooks/1',
        },
        lookup: guardedLookup(policy),
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < KEPT_BODY_BYTES) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        response.on('end', () =>
          resolve({
            statusCode: response.statusCode ?? null,
            latencyMs: elapsed(),
            responseBody: Buffer.concat(chunks).subarray(0, KEPT_BODY_BYTES).toString('utf8'),
            retryAfter: response.headers['retry-after'],
            error: null,
          }),
        );
        response.on('error', (error) => resolve(failed(error.message)));
      },
    );
    request.on('error', (error) => {
      const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
      resolve(
        failed(
          timedOut
            ? `no answer within ${timeoutMs / 1000} s`
            : error.name === 'WebhookAddressError'
              ? `refused before connecting: ${error.message}`
              : error.message,
        ),
      );
    });
    request.end(body);
  });
}
