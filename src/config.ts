// The whole environment, read once at start, validated against one schema and frozen.
// Every other module receives the Config object; nothing else reads process.env.
import path from 'node:path';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';

const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: 'localhost' }),
  TESORO_DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  TESORO_MASTER_KEY: Type.Optional(Type.String({ minLength: 1 })),
  TESORO_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  TESORO_WORKERS: Type.Union([Type.Literal('true'), Type.Literal('false')], { default: 'true' }),
  TESORO_RATE_LIMIT: Type.Integer({ minimum: 0, default: 6000 }),
  TESORO_AUTH_FAILURE_LIMIT: Type.Integer({ minimum: 0, default: 20 }),
  TESORO_TRUST_PROXY: Type.Optional(Type.String({ minLength: 1 })),
  TESORO_COMPAT: Type.String({ pattern: '^[a-z, -]*$', default: 'all' }),
  TESORO_ALLOW_PRIVATE_WEBHOOKS: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')])),
  TESORO_METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  TESORO_METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
});

export type Env = Static<typeof EnvSchema>;

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absolute path; holds the embedded database, the lock file, the generated master key. */
  readonly dataDir: string;
  /** Set when running on a PostgreSQL server; undefined means embedded PGlite under dataDir. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolMax: number;
  readonly masterKey: string | undefined;
  /** Base URL clients reach this server at; used as the token issuer. */
  readonly publicUrl: string;
  /** Whether `serve` also runs the job workers (turn off for API-only replicas). */
  readonly runWorkers: boolean;
  /** Requests per minute per client (per IP before authentication); 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  /** Failed authentications per minute per address and client id (five times as many per address); 0: off. */
  readonly authFailuresPerMinute: number;
  /**
   * Whose X-Forwarded-For to believe for the caller's address (Fastify's trustProxy): false, true
   * (any), a hop count, or a comma-separated list of proxy addresses and CIDR ranges.
   */
  readonly trustProxy: boolean | string | ((address: string, hop: number) => boolean);
  /**
   * Development mode for webhooks: http and loopback receivers allowed. On by default only for the
   * embedded quick start; production (a DATABASE_URL) requires https to public addresses.
   */
  readonly allowPrivateWebhooks: boolean;
  /** Which vendor facades to serve: `all`, `none` or a comma-separated list (flanks, …). */
  readonly compat: string;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken: string | undefined;
  /** Where `tesoro worker` serves /metrics and /health (it has no API port); undefined: nowhere. */
  readonly metricsPort: number | undefined;
  readonly logLevel: string;
  /**
   * The environment as it was at start, for the connectors' own settings: each declares the
   * variables it reads, and connectors/registry.ts validates them when it builds the registry.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export class ConfigError extends Error {}

/** Reads the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(EnvSchema.properties)
      .filter((name) => env[name] !== undefined && env[name] !== '')
      .map((name) => [name, env[name]]),
  );
  const value = Value.Convert(EnvSchema, Value.Default(EnvSchema, known));
  const errors = [...Value.Errors(EnvSchema, value)];
  if (errors.length > 0) {
    const lines = errors.map((error) => `${error.instancePath.slice(1) || 'environment'}: ${error.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const parsed = value as Env;
  return Object.freeze({
    port: parsed.PORT,
    host: parsed.HOST,
    dataDir: path.resolve(parsed.TESORO_DATA_DIR),
    databaseUrl: parsed.DATABASE_URL,
    databasePoolMax: parsed.DATABASE_POOL_MAX,
    masterKey: parsed.TESORO_MASTER_KEY,
    publicUrl: (parsed.TESORO_PUBLIC_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/+$/, ''),
    runWorkers: parsed.TESORO_WORKERS === 'true',
    rateLimitPerMinute: parsed.TESORO_RATE_LIMIT,
    authFailuresPerMinute: parsed.TESORO_AUTH_FAILURE_LIMIT,
    trustProxy: trustProxyOf(parsed.TESORO_TRUST_PROXY),
    compat: parsed.TESORO_COMPAT,
    // Development webhooks (loopback receivers) only for the embedded quick start on loopback: on
    // a reachable interface any tenant could make the server POST to its own local services.
    allowPrivateWebhooks:
      parsed.TESORO_ALLOW_PRIVATE_WEBHOOKS === undefined
        ? parsed.DATABASE_URL === undefined && isLoopbackHost(parsed.HOST)
        : parsed.TESORO_ALLOW_PRIVATE_WEBHOOKS === '1',
    metricsToken: parsed.TESORO_METRICS_TOKEN,
    metricsPort: parsed.TESORO_METRICS_PORT,
    logLevel: parsed.LOG_LEVEL,
    env: Object.freeze({ ...env }),
  });
}

export const isLoopbackHost = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

function trustProxyOf(value: string | undefined): Config['trustProxy'] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return value;
}

/** Every variable with its meaning, for `tesoro --help` and kept in step with the README by a test. */
export const environmentVariables: ReadonlyArray<{ name: keyof Env; description: string }> = [
  { name: 'PORT', description: 'HTTP port (default 8080)' },
  {
    name: 'HOST',
    description: 'interface to listen on (default localhost; 0.0.0.0 to accept remote clients)',
  },
  {
    name: 'TESORO_DATA_DIR',
    description: 'embedded database, lock file and generated master key (default ./data)',
  },
  { name: 'DATABASE_URL', description: 'postgres://… to use a PostgreSQL server instead of embedded PGlite' },
  { name: 'DATABASE_POOL_MAX', description: 'PostgreSQL connections per process (default 10)' },
  {
    name: 'TESORO_MASTER_KEY',
    description:
      'base64 32-byte key encrypting secrets at rest; `v2:KEY,v1:OLDKEY` for rotation (default: generated into the data dir)',
  },
  {
    name: 'TESORO_PUBLIC_URL',
    description: 'base URL clients use; the token issuer (default http://localhost:PORT)',
  },
  {
    name: 'TESORO_WORKERS',
    description: '`false` runs the API without job workers in this process (default true)',
  },
  {
    name: 'TESORO_RATE_LIMIT',
    description: 'requests per minute per client and process; 0 turns it off (default 6000)',
  },
  {
    name: 'TESORO_AUTH_FAILURE_LIMIT',
    description:
      'failed authentications per minute per address and client id, five times as many per address, before 429; 0 turns it off (default 20)',
  },
  {
    name: 'TESORO_TRUST_PROXY',
    description:
      'behind a reverse proxy: `true`, a hop count, or proxy addresses/CIDRs whose X-Forwarded-For gives the caller (default: none)',
  },
  {
    name: 'TESORO_COMPAT',
    description:
      'vendor compatibility facades to serve under /compat/<vendor>: all (default), none, or a list such as flanks',
  },
  {
    name: 'TESORO_ALLOW_PRIVATE_WEBHOOKS',
    description:
      '1 allows http and loopback webhook URLs (development); default 1 embedded on a loopback HOST, else 0',
  },
  {
    name: 'TESORO_METRICS_TOKEN',
    description: 'when set (16+ characters), /metrics needs `Authorization: Bearer <token>` (default: open)',
  },
  {
    name: 'TESORO_METRICS_PORT',
    description: '`tesoro worker` serves /metrics and /health on this port (default: not served)',
  },
  { name: 'LOG_LEVEL', description: 'fatal, error, warn, info, debug, trace or silent (default info)' },
];
