// A Datanomik link is a native connection: its `id` (`link_id`) is the connection id as a UUID
// (shared/guid.ts). What the native side does not keep — the username the link was created with
// (Datanomik's users[].username; never the password), its description and that it was created
// through the API — is a compat handle of the connection (`datanomik_link`), gone with it.
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import { createHandle, deleteHandles, listHandles } from '../../services/compat-handles.ts';
import { presentConnections } from '../../services/connection-view.ts';
import { getConnectionOrThrow } from '../../services/connections.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import type { ConnectionRow } from '../../store/connections.ts';
import { decodeGuid, guidOf } from '../shared/guid.ts';
import { datanomikAnswers } from './errors.ts';
import {
  type DatanomikLink,
  type InstitutionFacts,
  type LinkFacts,
  type LinkMemo,
  toDatanomikLink,
} from './map.ts';
import { institutionCode } from './sandbox-map.ts';

const MEMO = 'datanomik_link';

type Deps = Pick<ServiceDeps, 'db' | 'keyring' | 'now'>;

/** The native connection id a link UUID names, or undefined (not a link UUID of this codec). */
export function connectionIdOf(linkId: unknown): string | undefined {
  const decoded = typeof linkId === 'string' ? decodeGuid(linkId) : null;
  return decoded?.kind === 'connection' ? decoded.id : undefined;
}

/** The client's connection a link UUID names; 404 LINK_NOT_FOUND otherwise (another client's too). */
export async function linkConnection(deps: Deps, clientId: string, linkId: unknown): Promise<ConnectionRow> {
  const id = connectionIdOf(linkId);
  if (!id) throw datanomikAnswers.notFound('link');
  try {
    return await getConnectionOrThrow(deps.db, clientId, id);
  } catch {
    throw datanomikAnswers.notFound('link');
  }
}

/** Remembers what the link was created (or last updated) with; replaces what was kept before. */
export async function rememberLink(deps: Deps, clientId: string, connectionId: string, memo: LinkMemo) {
  await deleteHandles(deps, { clientId, kind: MEMO, connectionId });
  await createHandle(deps, { clientId, kind: MEMO, connectionId, data: { ...memo } });
}

export async function memosOf(deps: Deps, clientId: string, connectionIds: readonly string[]) {
  const handles = await listHandles<LinkMemo>(deps, clientId, MEMO, connectionIds);
  return new Map(handles.map((handle) => [handle.connectionId!, handle.data]));
}

/** The institution of a connection as Datanomik shows it. */
export function institutionFacts(registry: ConnectorRegistry, institutionId: string): InstitutionFacts {
  const institution = registry.institutionOf(institutionId);
  const name = institution?.name ?? institutionId;
  return {
    id: institutionId,
    code: institutionCode({ id: institutionId, name }),
    name,
    country: institution?.country ?? '',
    logo: institution?.logoUrl ?? null,
    live: registry.connectorFor(institutionId)?.id !== 'sandbox',
  };
}

export interface LinkReadDeps {
  engine: Deps;
  registry: ConnectorRegistry;
}

export type ConnectionView = Awaited<ReturnType<typeof presentConnections>>[number];

/** The Datanomik links of these connections (three queries whatever their number). */
export async function linksOf(
  deps: LinkReadDeps,
  clientId: string,
  connections: ConnectionRow[],
): Promise<Map<string, { link: DatanomikLink; facts: LinkFacts }>> {
  return linksOfViews(deps, clientId, await presentConnections(deps.engine.db, connections));
}

/** The Datanomik links of connections as the connection services present them. */
export async function linksOfViews(
  deps: LinkReadDeps,
  clientId: string,
  views: readonly ConnectionView[],
): Promise<Map<string, { link: DatanomikLink; facts: LinkFacts }>> {
  const memos = await memosOf(
    deps.engine,
    clientId,
    views.map((view) => view.id),
  );
  return new Map(
    views.map((view) => {
      const facts: LinkFacts = {
        connection: view,
        institution: institutionFacts(deps.registry, view.institution_id),
        memo: memos.get(view.id) ?? null,
      };
      return [view.id, { link: toDatanomikLink(facts), facts }];
    }),
  );
}

export async function linkOf(deps: LinkReadDeps, clientId: string, connection: ConnectionRow) {
  return (await linksOf(deps, clientId, [connection])).get(connection.id)!;
}

export const linkIdOf = (connectionId: string) => guidOf(connectionId);
