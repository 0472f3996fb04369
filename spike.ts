import { PGlite } from '@electric-sql/pglite';

let t0 = Date.now();
const a = new PGlite('/tmp/spike/data');
await a.waitReady;
console.log('reopen', Date.now() - t0);
await a.close();
t0 = Date.now();
const b = new PGlite();
await b.waitReady;
console.log('memory', Date.now() - t0);
t0 = Date.now();
const dump = await b.dumpDataDir('none');
console.log('dump', Date.now() - t0, dump.size);
t0 = Date.now();
const c = new PGlite({ loadDataDir: dump });
await c.waitReady;
console.log('load', Date.now() - t0);
