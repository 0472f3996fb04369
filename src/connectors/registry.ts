// Every connector the server knows. Adding a connector is one folder and one line here.
import type { Connector, InstitutionDefinition } from './connector.ts';
import { filesConnector } from './files/index.ts';
import { sandboxConnector } from './sandbox/index.ts';

export const connectors: readonly Connector[] = [sandboxConnector, filesConnector];

export class ConnectorRegistry {
  readonly #institutions = new Map<string, { connector: Connector; institution: InstitutionDefinition }>();

  constructor(list: readonly Connector[]) {
    for (const connector of list) {
      for (const institution of connector.institutions) {
        if (this.#institutions.has(institution.id)) {
          throw new Error(`Institution ${institution.id} is declared by two connectors`);
        }
        this.#institutions.set(institution.id, { connector, institution });
      }
    }
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

export function defaultRegistry(): ConnectorRegistry {
  return new ConnectorRegistry(connectors);
}
