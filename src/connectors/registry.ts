// Every connector the server knows, built from the configuration. Adding a connector is one
// folder and one line in `connectorModules`: the folder exports a ConnectorModule that declares
// the environment variables it reads (validated at start with the rest of the configuration, a
// bad value stops the server naming the variable) and builds the connector from them. A connector
// that requires variables and has none set is not configured: it is reported as unavailable and
// its institutions are not offered (one whose variables are all optional is built with defaults).
import { Value } from 'typebox/value';
import {
  type Connector,
  ConnectorConfigError,
  type ConnectorModule,
  type InstitutionDefinition,
} from './connector.ts';
import { enableBankingModule } from './enable-banking/index.ts';
import { filesModule } from './files/index.ts';
import { sandboxModule } from './sandbox/index.ts';
import { simplefinModule } from './simplefin/index.ts';

export const connectorModules: readonly ConnectorModule[] = [
  sandboxModule,
  filesModule,
  enableBankingModule,
  simplefinModule,
];

// Defined beside the interface so a connector's own module can throw it without importing the
// registry that imports it.
export { ConnectorConfigError, type ConnectorModule };

export interface UnavailableConnector {
  id: string;
  /** The variables to set to make it available. */
  variables: string[];
  /** Why it is not available, in plain words. */
  reason: string;
}

export class ConnectorRegistry {
  readonly #institutions = new Map<string, { connector: Connector; institution: InstitutionDefinition }>();
  readonly #connectors = new Map<string, Connector>();
  readonly unavailable: readonly UnavailableConnector[];

  /** `catalogs`: institutions a connector published (listInstitutions), in place of its static list. */
  constructor(
    list: readonly Connector[],
    unavailable: readonly UnavailableConnector[] = [],
    catalogs: ReadonlyMap<string, readonly InstitutionDefinition[]> = new Map(),
  ) {
    this.unavailable = unavailable;
    for (const connector of list) {
      this.#connectors.set(connector.id, connector);
      for (const institution of catalogs.get(connector.id) ?? connector.institutions) {
        if (this.#institutions.has(institution.id)) {
          throw new Error(`Institution ${institution.id} is declared by two connectors`);
        }
        this.#institutions.set(institution.id, { connector, institution });
      }
    }
  }

  /**
   * Reads again the catalog of each connector that publishes one (Enable Banking adds banks): new
   * institutions join, known ones are updated, and none is ever dropped — an id stays valid for the
   * connections made with it. A catalog that cannot be read keeps the one it had. Returns the ids
   * of the connectors whose catalog was read.
   */
  async refreshCatalogs(): Promise<string[]> {
    const read: string[] = [];
    for (const connector of this.#connectors.values()) {
      if (!connector.listInstitutions) continue;
      let catalog: readonly InstitutionDefinition[];
      try {
        catalog = await connector.listInstitutions();
      } catch {
        continue;
      }
      for (const institution of catalog) {
        const known = this.#institutions.get(institution.id);
        if (known && known.connector !== connector) continue;
        this.#institutions.set(institution.id, { connector, institution });
      }
      read.push(connector.id);
    }
    return read;
  }

  /** The connectors configured on this server. */
  connectors(): Connector[] {
    return [...this.#connectors.values()];
  }

  connector(id: string): Connector | undefined {
    return this.#connectors.get(id);
  }

  /** The institutions an end user can connect (statement files are imported, not connected). */
  institutions(): InstitutionDefinition[] {
    return [...this.#institutions.values()]
      .map((entry) => entry.institution)
      .filter((institution) => institution.kind !== 'file');
  }

  /** An institution an end user can connect, by id. */
  findInstitution(id: string): InstitutionDefinition | undefined {
    const institution = this.#institutions.get(id)?.institution;
    return institution?.kind === 'file' ? undefined : institution;
  }

  /** Any institution a connection may belong to, statement files included. */
  institutionOf(id: string): InstitutionDefinition | undefined {
    return this.#institutions.get(id)?.institution;
  }

  connectorFor(institutionId: string): Connector | undefined {
    return this.#institutions.get(institutionId)?.connector;
  }
}

/**
 * Validates each module's settings in `env` and builds the configured connectors; throws
 * ConnectorConfigError naming every bad variable. Connectors that publish their catalog
 * (`listInstitutions`) are asked for it once here.
 */
export async function createRegistry(
  env: Readonly<Record<string, string | undefined>>,
  modules: readonly ConnectorModule[] = connectorModules,
): Promise<ConnectorRegistry> {
  const built: Connector[] = [];
  const catalogs = new Map<string, readonly InstitutionDefinition[]>();
  const unavailable: UnavailableConnector[] = [];
  const problems: string[] = [];
  for (const module of modules) {
    const names = Object.keys(module.settings?.properties ?? {});
    const given = Object.fromEntries(
      names.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [name, env[name]!]),
    );
    // A module whose every variable is optional (SimpleFIN's) needs none of them set to run.
    const needsSome = (module.settings?.required?.length ?? 0) > 0;
    if (needsSome && Object.keys(given).length === 0) {
      unavailable.push({
        id: module.id,
        variables: names,
        reason: `Not configured: its settings are ${names.join(', ')}.`,
      });
      continue;
    }
    if (module.settings) {
      const errors = [...Value.Errors(module.settings, given)];
      for (const error of errors) {
        const name =
          error.instancePath.slice(1) ||
          String((error.params as { requiredProperties?: string[] }).requiredProperties?.[0] ?? module.id);
        problems.push(`${name}: ${error.message} (connector ${module.id})`);
      }
      if (errors.length > 0) continue;
    }
    const connector = await module.create(given);
    if (connector.listInstitutions) {
      // An upstream whose catalog cannot be read now leaves its connector out, with the reason,
      // rather than keeping the whole server from starting.
      try {
        catalogs.set(connector.id, await connector.listInstitutions());
      } catch (error) {
        unavailable.push({ id: module.id, variables: [], reason: (error as Error).message });
        continue;
      }
    }
    built.push(connector);
  }
  if (problems.length > 0)
    throw new ConnectorConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return new ConnectorRegistry(built, unavailable, catalogs);
}

/** The connectors that need no configuration (the sandbox and statement files), for tests and tools. */
export function defaultRegistry(): ConnectorRegistry {
  return new ConnectorRegistry([sandboxModule.create(), filesModule.create()]);
}
