// Budgets of failed authentications, apart from the request rate limit: a caller that keeps
// sending wrong client secrets or bad bearer tokens is answered 429 before any more work is done
// for it. Every failure counts against its address; a wrong secret also counts against the pair
// (address, client id), with a smaller budget: one misconfigured application behind a NAT does
// not lock out the others there, and a stranger elsewhere cannot lock a client out by guessing
// its secret. Counters live in this process, in fixed one-minute windows.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';

const WINDOW_MS = 60_000;
/** Counters kept at most; past it, the ones whose window is over are dropped. */
const MAX_KEYS = 100_000;

class FailureCounter {
  readonly #limit: number;
  readonly #now: () => number;
  readonly #counts = new Map<string, { count: number; resetAt: number }>();

  constructor(limit: number, now: () => number) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Seconds until `key` may try again; 0 while it is within its budget. */
  retryAfter(key: string): number {
    const entry = this.#counts.get(key);
    if (!entry || entry.resetAt <= this.#now() || entry.count < this.#limit) return 0;
    return Math.ceil((entry.resetAt - this.#now()) / 1000);
  }

  record(key: string): void {
    const now = this.#now();
    const entry = this.#counts.get(key);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    if (this.#counts.size >= MAX_KEYS)
      for (const [stale, old] of this.#counts) if (old.resetAt <= now) this.#counts.delete(stale);
    this.#counts.set(key, { count: 1, resetAt: now + WINDOW_MS });
  }
}

export class AuthFailures {
  readonly #perClient: FailureCounter;
  readonly #perAddress: FailureCounter;

  /** `perClient` failures a minute per (address, client id); five times as many per address. */
  constructor(perClient: number, now: () => number = Date.now) {
    this.#perClient = new FailureCounter(perClient, now);
    this.#perAddress = new FailureCounter(perClient * 5, now);
  }

  /** Throws RATE_LIMITED when the address (or the client id, when given) is out of budget. */
  assertAllowed(request: FastifyRequest, clientId?: string): void {
    const wait = Math.max(
      this.#perAddress.retryAfter(request.ip),
      clientId === undefined ? 0 : this.#perClient.retryAfter(`${request.ip} ${clientId}`),
    );
    if (wait > 0)
      throw new AppError('RATE_LIMITED', `Too many failed authentications; retry in ${wait} s.`, {
        retryAfterSeconds: wait,
      });
  }

  record(request: FastifyRequest, clientId?: string): void {
    this.#perAddress.record(request.ip);
    if (clientId !== undefined) this.#perClient.record(`${request.ip} ${clientId}`);
  }
}
