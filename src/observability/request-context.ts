// The request a piece of work is done for, carried through its awaits (AsyncLocalStorage), so a log
// line a use case writes with the process's logger names the request id like the HTTP layer's own.
import { AsyncLocalStorage } from 'node:async_hooks';

const context = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `work` (and everything it awaits or schedules) as part of the request `requestId`. */
export function runInRequest<T>(requestId: string, work: () => T): T {
  return context.run({ requestId }, work);
}

/** The id of the request being handled here, if any. */
export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}
