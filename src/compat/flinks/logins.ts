// A Flinks login is a native connection: its LoginId is the connection id as a GUID. What every
// Flinks answer about a login says beside the data: the `Login` object, the institution (a name
// and Flinks' integer id; an object for investment institutions), and the `Links` of the session.
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import { getConnectionOrThrow } from '../../services/connections.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import type { ConnectionRow } from '../../store/connections.ts';
import { decodeGuid } from '../shared/guid.ts';
import { flinksAnswers } from './errors.ts';
import { bankingLinks, investmentLinks, toFlinksLogin } from './map.ts';
import { flinksInstitutionOf, investmentInstitution } from './sandbox-map.ts';
import type { FlinksLink, FlinksLogin } from './schemas.ts';
import { usernameOf } from './sessions.ts';

/** The connection a LoginId names, of this client; INVALID_LOGIN otherwise. */
export async function loginConnection(
  engine: ServiceDeps,
  clientId: string,
  loginId: unknown,
): Promise<ConnectionRow> {
  const decoded = typeof loginId === 'string' ? decodeGuid(loginId) : null;
  if (decoded?.kind !== 'connection') throw flinksAnswers.invalidLogin();
  try {
    return await getConnectionOrThrow(engine.db, clientId, decoded.id);
  } catch {
    throw flinksAnswers.invalidLogin();
  }
}

export interface LoginFacts {
  Login: FlinksLogin;
  links: FlinksLink[];
  investment: boolean;
  /** The institution as Authorize writes it: the object for investments, the name for banks. */
  institution: Record<string, unknown>;
  /** The institution's name, as the data answers write it. */
  institutionName: string;
}

export async function loginFacts(
  engine: Pick<ServiceDeps, 'db' | 'keyring' | 'now'>,
  registry: ConnectorRegistry,
  connection: ConnectionRow,
): Promise<LoginFacts> {
  const native = registry.findInstitution(connection.institution_id);
  const { Id, Name } = flinksInstitutionOf({
    id: connection.institution_id,
    name: native?.name ?? connection.institution_id,
  });
  const investment = investmentInstitution(connection.institution_id, connection.products);
  const username = await usernameOf(engine, connection.client_id, connection.id);
  return {
    Login: toFlinksLogin(
      {
        id: connection.id,
        access_mode: connection.access_mode,
        status: connection.status,
        scheduled_refresh: connection.scheduled_refresh,
        last_refresh_at: connection.last_refresh_at?.toISOString() ?? null,
      },
      username,
    ),
    links: investment ? investmentLinks : bankingLinks,
    investment,
    institution: investment
      ? { Institution: { Id, Name } }
      : { Institution: Name, InstitutionId: Id, InstitutionName: Name },
    institutionName: Name,
  };
}
