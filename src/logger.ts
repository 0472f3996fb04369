// Structured JSON logs. Secrets are removed by path before a line is written, so a careless
// `log.info({ body })` still cannot leak a password, a client secret or a bearer token.
import { type Logger, pino } from 'pino';
import { currentRequestId } from './observability/request-context.ts';

const secretKeys = [
  'authorization',
  'cookie',
  'client_secret',
  'clientSecret',
  'password',
  'credentials',
  'access_token',
  'refresh_token',
  'secret',
  'otp',
  'answers',
  'private_key',
];

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  ...secretKeys,
  ...secretKeys.map((key) => `*.${key}`),
  ...secretKeys.map((key) => `*.*.${key}`),
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { service: 'tesoro' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Every line written while a request is handled names it: Fastify's request logger binds
      // `reqId` itself, and a use case logging with the process's logger gets it here.
      mixin: (_merge, _level, logger) => {
        const reqId = currentRequestId();
        return reqId === undefined || 'reqId' in logger.bindings() ? {} : { reqId };
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}

export type { Logger };
