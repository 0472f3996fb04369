// How far V8 lets the heap grow past what is live before its next full collection. Imported first
// by main.ts, so every command (serve, worker, import) runs with it.
//
// V8 picks that factor itself, up to 4× for a heap of Tesoro's size (about 70 MB live). An import or
// a refresh allocates hundreds of megabytes of short-lived rows whose steps outlive a young-generation
// collection (they wait on the database), so they die in the old generation, and the heap climbed to
// 300–450 MB around 70 MB of live objects before a full collection ran: the process's memory rose by
// 250–350 MB for a 600,000-row CSV while what it held stayed flat (heap after a forced collection,
// sampled every 3 s: 61–75 MB from start to end). At 1.5× the same queued import peaks 138 MB over
// start instead of 340 on PGlite, 91 instead of 258 on PostgreSQL, at the same rows per second
// (`npm run bench:import-memory`, docs/imports.md).
//
// An operator's own `node --heap-growing-percent=N` on the command line wins.
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;

if (!process.execArgv.some((flag) => flag.startsWith('--heap-growing-percent')))
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
