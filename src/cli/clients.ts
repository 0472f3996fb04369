// `tesoro clients create|list|rotate-secret|delete`: manage API clients from the shell.
import { parseScopes } from '../domain/scopes.ts';
import type { Runtime } from '../runtime.ts';
import { createClient, deleteClient, listClients, rotateClientSecret } from '../services/clients.ts';
import { CliError, type CliOutput } from './output.ts';

export interface ClientsArgs {
  action: string | undefined;
  target: string | undefined;
  name: string | undefined;
  scopes: string | undefined;
}

export async function clientsCommand(runtime: Runtime, args: ClientsArgs, out: CliOutput): Promise<void> {
  const db = runtime.database.db;
  switch (args.action) {
    case 'create': {
      if (!args.name?.trim()) throw new CliError('clients create needs --name NAME');
      let scopes: ReturnType<typeof parseScopes>['scopes'] | undefined;
      if (args.scopes !== undefined) {
        const parsed = parseScopes(args.scopes);
        if (parsed.unknown.length > 0) throw new CliError(`Unknown scopes: ${parsed.unknown.join(', ')}`);
        if (parsed.scopes.length === 0) throw new CliError('--scopes needs at least one scope');
        scopes = parsed.scopes;
      }
      const { client, clientSecret } = await createClient(db, { name: args.name.trim(), scopes });
      out.result(
        { client_id: client.id, client_secret: clientSecret, name: client.name, scopes: client.scopes },
        `Created client ${client.name}\n  client_id:     ${client.id}\n  client_secret: ${clientSecret}\n  scopes:        ${client.scopes.join(' ')}\nThe secret is shown once; store it now.`,
      );
      return;
    }
    case 'list': {
      const clients = await listClients(db);
      out.result(
        clients.map((c) => ({ client_id: c.id, name: c.name, scopes: c.scopes, created_at: c.created_at })),
        clients.length === 0
          ? 'No clients.'
          : clients
              .map((c) => `${c.id}  ${c.name}  [${c.scopes.join(' ')}]  created ${c.created_at}`)
              .join('\n'),
      );
      return;
    }
    case 'rotate-secret': {
      if (!args.target) throw new CliError('clients rotate-secret needs a client id');
      const rotated = await rotateClientSecret(db, args.target);
      if (!rotated) throw new CliError(`No client ${args.target}`);
      out.result(
        { client_id: rotated.client.id, client_secret: rotated.clientSecret },
        `New secret for ${rotated.client.id}: ${rotated.clientSecret}\nThe old secret no longer works.`,
      );
      return;
    }
    case 'delete': {
      if (!args.target) throw new CliError('clients delete needs a client id');
      if (!(await deleteClient(db, args.target))) throw new CliError(`No client ${args.target}`);
      out.result({ deleted: args.target }, `Deleted client ${args.target} and everything it owned.`);
      return;
    }
    default:
      throw new CliError(
        'Usage: tesoro clients create --name NAME [--scopes s1,s2] | list | rotate-secret ID | delete ID',
      );
  }
}
