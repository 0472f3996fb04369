// Structured JSON logs. Secrets are removed by path before a line is written, so a careless
// `log.info({ body })` still cannot leak a password, a client secret or a bearer token.
import { type Logger, pino } from 'pino';

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
    },
    destination as pino.DestinationStream | undefined,
  );
}

export type { Logger };
