// Structured JSON logs. Secrets are removed by path before a line is written, so a careless
// `log.info({ body })` still cannot leak a password, a client secret or a bearer token.
import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
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

/**
 * `asText`: readable lines (pino-pretty) for a person at a terminal; JSON lines otherwise, for a log
 * collector. Either way the secrets are removed first.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, asText = false): Logger {
  const sink = asText
    ? pretty({
        destination: destination ?? process.stdout,
        colorize: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,service',
        sync: true,
      })
    : (destination ?? stdoutDestination());
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
        return reqId === undefined || boundToRequest(logger) ? {} : { reqId };
      },
    },
    sink as pino.DestinationStream | undefined,
  );
}

const { chindingsSym } = pino.symbols;

/**
 * Whether a logger's bindings hold `reqId` (Fastify's request logger). Read from the bindings' JSON
 * text pino keeps (`pino.symbols.chindingsSym`): `logger.bindings()` parses that text on every call,
 * and the mixin runs for every line.
 */
function boundToRequest(logger: pino.Logger): boolean {
  const chindings = (logger as unknown as Record<symbol, unknown>)[chindingsSym];
  return typeof chindings === 'string' && chindings.includes('"reqId":');
}

/**
 * Standard output, written synchronously, that goes quiet once its reader is gone (EPIPE). pino's
 * default asynchronous destination flushes at exit in a loop that retries EPIPE forever
 * (sonic-boom 4.2), so a server whose log reader had died hung on SIGTERM instead of stopping.
 */
function stdoutDestination(): pino.DestinationStream {
  const stream = pino.destination({ dest: 1, sync: true });
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stream.write = () => true;
    stream.flushSync = () => {};
  });
  return stream;
}

export type { Logger };
