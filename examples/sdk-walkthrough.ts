// The SDK walkthrough of sdk/README.md, run for real against a server:
//   npm start                                   (another terminal: the embedded server on :8080)
//   node examples/sdk-walkthrough.ts
// It uses the development client the embedded server wrote to data/dev-client.json, or
// TESORO_CLIENT_ID and TESORO_CLIENT_SECRET; TESORO_URL names another server.
import fs from 'node:fs';
import path from 'node:path';
// In your own project: import { Tesoro, TesoroError } from '@tesoro/sdk';
import { Tesoro, TesoroError } from '../sdk/src/index.ts';

function credentials(): { clientId: string; clientSecret: string } {
  const { TESORO_CLIENT_ID: clientId, TESORO_CLIENT_SECRET: clientSecret } = process.env;
  if (clientId && clientSecret) return { clientId, clientSecret };
  const file = path.join(process.env.TESORO_DATA_DIR ?? 'data', 'dev-client.json');
  const dev = JSON.parse(fs.readFileSync(file, 'utf8')) as { client_id: string; client_secret: string };
  return { clientId: dev.client_id, clientSecret: dev.client_secret };
}

// 1. The client: it obtains (and renews) its access token by itself.
const tesoro = new Tesoro({ baseUrl: process.env.TESORO_URL ?? 'http://localhost:8080', ...credentials() });

// 2. Connect a sandbox bank with the end user's credentials (user_good: about two years of history).
const institution = await tesoro.institutions.get('ins_sandbox_bank');
console.log(`institution: ${institution.name} (fields: ${institution.fields.map((f) => f.name).join(', ')})`);
const created = await tesoro.connections.create({
  institution_id: institution.id,
  credentials: { username: 'user_good', password: 'pass_good' },
  access_mode: 'recurrent',
});
console.log(`connection ${created.id}: ${created.status}`);

// 3. The extraction runs in the background: wait until it is over.
const connection = await tesoro.connections.waitUntilSettled(created.id);
console.log(`connection ${connection.id}: ${connection.status}`);
if (connection.status !== 'ok') throw new Error(`the connection ended ${connection.status}`);

// 4. Its accounts, then every transaction: the iterator reads page after page.
for await (const account of tesoro.accounts.list({ connection_id: connection.id })) {
  console.log(`account ${account.id}: ${account.name} ${account.balance} ${account.currency}`);
}
let count = 0;
for await (const transaction of tesoro.transactions.list({ connection_id: connection.id, page_size: 200 })) {
  if (count < 3)
    console.log(`  ${transaction.operation_date} ${transaction.amount} ${transaction.description}`);
  count++;
}
console.log(`transactions: ${count}`);

// 5. Errors are TesoroErrors with the API's code.
try {
  await tesoro.connections.get('con_0000000000000000');
} catch (error) {
  if (!(error instanceof TesoroError) || error.code !== 'NOT_FOUND') throw error;
  console.log(`a connection that does not exist: ${error.status} ${error.code}`);
}
