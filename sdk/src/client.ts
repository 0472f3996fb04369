// The client: `new Tesoro({ baseUrl, clientId, clientSecret })`, one property per resource of the
// API. It obtains and renews its own access token, and waits out 202 OPERATION_PENDING answers.
import type { Client } from 'openapi-fetch';
import { ClientCredentialsTokens, FixedToken, type TokenSource } from './auth.ts';
import { Http } from './http.ts';
import { Connect, ConnectPage } from './resources/connect.ts';
import { Connections } from './resources/connections.ts';
import { Documents, Imports } from './resources/imports.ts';
import { Connectors, Institutions } from './resources/institutions.ts';
import { Accounts, Records, Transactions } from './resources/records.ts';
import { Sandbox } from './resources/sandbox.ts';
import { OAuth, System } from './resources/system.ts';
import { Events, WebhookEndpoints } from './resources/webhooks.ts';
import type { paths } from './schema.ts';
import {
  createTransport,
  defaultPendingRetry,
  type PendingRetryOptions,
  type RetryEvent,
} from './transport.ts';

export interface TesoroOptions {
  /** The server, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** The client's credentials (`tesoro clients create`, or data/dev-client.json). */
  clientId?: string;
  clientSecret?: string;
  /** The scopes of the client's tokens, a subset of the client's; default all of them. */
  scope?: string | string[];
  /** A token obtained elsewhere, sent as it is (not renewed), instead of clientId and clientSecret. */
  accessToken?: string;
  /** How long 202 OPERATION_PENDING answers are retried. */
  pending?: PendingRetryOptions;
  /** Told before each retry (a pending answer, a renewed token). */
  onRetry?: (event: RetryEvent) => void;
  /** The fetch to send requests with; default the global one. */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export class Tesoro {
  readonly system: System;
  readonly oauth: OAuth;
  readonly institutions: Institutions;
  readonly connectors: Connectors;
  readonly connections: Connections;
  readonly accounts: Accounts;
  readonly transactions: Transactions;
  readonly cards: Records<'/v1/cards'>;
  readonly cardTransactions: Records<'/v1/card-transactions'>;
  readonly portfolios: Records<'/v1/portfolios'>;
  readonly investments: Records<'/v1/investments'>;
  readonly investmentTransactions: Records<'/v1/investment-transactions'>;
  readonly liabilities: Records<'/v1/liabilities'>;
  readonly liabilityTransactions: Records<'/v1/liability-transactions'>;
  readonly identities: Records<'/v1/identities'>;
  readonly holders: Records<'/v1/holders'>;
  readonly mifidAnswers: Records<'/v1/mifid-answers'>;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly events: Events;
  readonly connect: Connect;
  readonly connectPage: ConnectPage;
  readonly imports: Imports;
  readonly documents: Documents;
  readonly sandbox: Sandbox;
  /**
   * The typed openapi-fetch client, for any path and method of the API
   * (`tesoro.api.GET('/v1/connections/{id}', { params: { path: { id } } })`): authenticated and
   * retried like the resources, answering `{ data, error, response }`.
   */
  readonly api: Client<paths>;

  constructor(options: TesoroOptions) {
    const transport = createTransport({
      // Looked up at each request, so a fetch replaced later (by a test, an instrumentation) is used.
      fetch: options.fetch ?? ((request) => globalThis.fetch(request)),
      tokens: this.tokenSource(options),
      pending: { ...defaultPendingRetry, ...options.pending },
      onRetry: options.onRetry,
    });
    const http = new Http(options.baseUrl, transport, options.headers);
    this.api = http.api;
    this.system = new System(http);
    this.oauth = new OAuth(http);
    this.institutions = new Institutions(http);
    this.connectors = new Connectors(http);
    this.connections = new Connections(http);
    this.accounts = new Accounts(http);
    this.transactions = new Transactions(http);
    this.cards = new Records(http, '/v1/cards');
    this.cardTransactions = new Records(http, '/v1/card-transactions');
    this.portfolios = new Records(http, '/v1/portfolios');
    this.investments = new Records(http, '/v1/investments');
    this.investmentTransactions = new Records(http, '/v1/investment-transactions');
    this.liabilities = new Records(http, '/v1/liabilities');
    this.liabilityTransactions = new Records(http, '/v1/liability-transactions');
    this.identities = new Records(http, '/v1/identities');
    this.holders = new Records(http, '/v1/holders');
    this.mifidAnswers = new Records(http, '/v1/mifid-answers');
    this.webhookEndpoints = new WebhookEndpoints(http);
    this.events = new Events(http);
    this.connect = new Connect(http);
    this.connectPage = new ConnectPage(http);
    this.imports = new Imports(http);
    this.documents = new Documents(http);
    this.sandbox = new Sandbox(http);
  }

  private tokenSource(options: TesoroOptions): TokenSource | undefined {
    if (options.accessToken) return new FixedToken(options.accessToken);
    const { clientId, clientSecret } = options;
    if (!clientId || !clientSecret) return undefined;
    const scope = Array.isArray(options.scope) ? options.scope.join(' ') : options.scope;
    // Only called at the first request, when `oauth` exists.
    return new ClientCredentialsTokens(() =>
      this.oauth.createToken({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        ...(scope ? { scope } : {}),
      }),
    );
  }
}
