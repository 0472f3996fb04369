// The load generator of bench:api, in its own process so that its CPU is its own: runs autocannon
// against one URL and prints one JSON line (req/s, latency, errors, its CPU seconds).
// Usage: node bench/load-generator.ts <url> <connections> <seconds> [header=value …] [@method=POST] [@body=…]
import autocannon from 'autocannon';

const [url, connections, seconds, ...headerArgs] = process.argv.slice(2);
if (!url || !connections || !seconds)
  throw new Error('usage: load-generator.ts <url> <connections> <seconds>');
const pairs = headerArgs.map(
  (arg) => [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] as const,
);
// `@method` and `@body` are the request's own; every other pair is a header.
const headers = Object.fromEntries(pairs.filter(([name]) => !name.startsWith('@')));
const request = Object.fromEntries(
  pairs.filter(([name]) => name.startsWith('@')).map(([name, v]) => [name.slice(1), v]),
);
const before = process.cpuUsage();
const result = await autocannon({
  url,
  headers,
  ...(request.method ? { method: request.method as 'POST' } : {}),
  ...(request.body ? { body: request.body } : {}),
  connections: Number(connections),
  duration: Number(seconds),
});
const cpu = process.cpuUsage(before);
process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  })}\n`,
);
