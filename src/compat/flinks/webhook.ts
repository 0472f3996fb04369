// Flinks-format webhooks (SPEC §3.6): Flinks pushes the whole data answer rather than a thin
// event — the GetAccountsDetail body with `"ResponseType": "GetAccountsDetail"` for a banking
// login, the Investments body with `"ResponseType": "Investments"` for an investment login —
// once a login's data is ready and after each refresh that changed it (the native
// connection.historical_update and connection.updated). The body is rendered at each attempt
// from the data as it is then, with a fresh cached session (its RequestId works for 30 minutes,
// so the receiver can ask for more), and signed with Tesoro's Standard Webhooks headers.
// A login deleted since the event has nothing left to send.
import { findClientConnection } from '../../services/connections.ts';
import type { FormatContext, WebhookEvent, WebhookFormat } from '../../webhooks/formats.ts';
import { accountsBody, investmentsBody } from './reads.ts';
import { investmentInstitution } from './sandbox-map.ts';
import { openSession } from './sessions.ts';

/** What a pushed GetAccountsDetail carries: transactions and the holder, Flinks' KYC. */
const pushedDetail = {
  withTransactions: true,
  withBalance: true,
  withHolder: true,
  withIdentity: true,
  accounts: null,
  from: null,
  to: null,
};

async function render(event: WebhookEvent, context: FormatContext): Promise<unknown | null> {
  if (!context.registry)
    throw new Error('Flinks webhooks name the institution: the dispatcher needs the registry');
  const connectionId = event.data.connection_id;
  if (typeof connectionId !== 'string') return null;
  const connection = await findClientConnection(context.db, event.client_id, connectionId);
  if (!connection) return null;
  const session = await openSession(context, event.client_id, {
    connection_id: connection.id,
    mode: 'cached',
    refresh_id: null,
  });
  const deps = { engine: context, registry: context.registry };
  if (investmentInstitution(connection.institution_id, connection.products))
    return { ResponseType: 'Investments', ...(await investmentsBody(deps, session)) };
  return { ResponseType: 'GetAccountsDetail', ...(await accountsBody(deps, session, pushedDetail)) };
}

export const flinksWebhookFormat: WebhookFormat = {
  name: 'flinks',
  events: ['connection.historical_update', 'connection.updated'],
  render,
};
