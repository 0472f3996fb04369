// The development client of the embedded quick start: created on the first start of an empty
// embedded database, its secret printed once and written to <data dir>/dev-client.json (mode 600).
import fs from 'node:fs';
import path from 'node:path';
import type { Runtime } from '../runtime.ts';
import { createClient } from '../services/clients.ts';
import { claimSetting } from '../store/settings.ts';

const SETTING = 'dev_client_created';

export async function ensureDevClient(
  runtime: Runtime,
): Promise<{ file: string; clientId: string; clientSecret: string } | undefined> {
  if (runtime.database.engine !== 'pglite') return undefined;
  const db = runtime.database.db;
  // Claim the setting first so the dev client is made once, whatever happens later.
  if (!(await claimSetting(db, SETTING, new Date().toISOString()))) return undefined;
  const { client, clientSecret } = await createClient(db, { name: 'Development client' });
  const file = path.join(runtime.config.dataDir, 'dev-client.json');
  fs.writeFileSync(
    file,
    `${JSON.stringify({ client_id: client.id, client_secret: clientSecret }, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
  fs.chmodSync(file, 0o600);
  return { file, clientId: client.id, clientSecret };
}
