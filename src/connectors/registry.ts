// Every connector the server knows. Adding a connector is one folder and one line here.
import type { Connector, InstitutionDefinition } from './connector.ts';
import { sandboxConnector } from './sandbox/index.ts';

export const connectors: readonly Connector[] = [sandboxConnector];

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

  institutions(): InstitutionDefinition[] {
    return [...this.#institutions.values()].map((entry) => entry.institution);
  }

  findInstitution(id: string): InstitutionDefinition | undefined {
    return this.#institutions.get(id)?.institution;
  }

  connectorFor(institutionId: string): Connector | undefined {
    return this.#institutions.get(institutionId)?.connector;
  }
}

export function defaultRegistry(): ConnectorRegistry {
  return new ConnectorRegistry(connectors);
}
