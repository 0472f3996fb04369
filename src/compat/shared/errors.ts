// Each facade answers in its vendor's error envelope, never in native problem+json: the facade's
// plugin sets its own error and not-found handlers inside its encapsulation, and a renderer turns
// the AppError (whatever layer threw it: a schema, the auth hook, a service) into the vendor's
// status, body and headers. Unexpected errors are still logged with the request id.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.ts';
import { toAppError } from '../../http/error-handler.ts';
import { sendJsonText } from '../../http/json-text.ts';
import { HttpError } from '../../http/problem.ts';

export interface VendorError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * An answer only the vendor's vocabulary can say (Flanks' `Invalid code`, Flinks' `DISABLED_LOGIN`):
 * a facade throws it with the vendor's status and body; `code` is the closest native meaning,
 * for the logs.
 */
export class VendorAnswer extends AppError {
  readonly answer: VendorError;

  constructor(code: ConstructorParameters<typeof AppError>[0], answer: VendorError) {
    super(code, JSON.stringify(answer.body));
    this.answer = answer;
  }
}

export type RenderError = (error: AppError, request: FastifyRequest) => VendorError;

export function sendVendorError(
  reply: FastifyReply,
  request: FastifyRequest,
  error: AppError,
  render: RenderError,
): FastifyReply {
  const answer = error instanceof VendorAnswer ? error.answer : render(error, request);
  if (error instanceof HttpError)
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
  return sendJsonText(reply, JSON.stringify(answer.body), answer.status);
}

/** Installs the vendor's envelope for every error and unknown route under the facade's prefix. */
export function registerVendorErrors(app: FastifyInstance, render: RenderError): void {
  // The facade's routes as patterns (`/v3/:customerId/…` matches any customer id), to tell a
  // path served with another method from an unknown one.
  const routes: Array<{ method: string; pattern: RegExp }> = [];
  app.addHook('onRoute', (route) => {
    const source = route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+');
    const pattern = new RegExp(`^${source}$`);
    for (const method of [route.method].flat()) routes.push({ method, pattern });
  });
  app.setErrorHandler((error, request, reply) => {
    const { appError, unexpected } = toAppError(error);
    if (unexpected) request.log.error({ err: error }, 'unhandled error');
    else if (appError.status >= 500) request.log.warn({ code: appError.code }, appError.message);
    return sendVendorError(reply, request, appError, render);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    // A path the facade serves with another method is the vendor's 405, not a 404.
    const otherMethod = routes.some(
      (route) => route.method !== request.method && route.method !== 'HEAD' && route.pattern.test(path),
    );
    const error = otherMethod
      ? new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}.`)
      : new AppError('ROUTE_NOT_FOUND', `No route ${request.method} ${path}`);
    return sendVendorError(reply, request, error, render);
  });
}
