// Flanks' aggregation endpoints (SPEC §2.4: F6–F17, F21, F22): every product of a credentials
// token, all of it unless `/data` is asked for a page, in Flanks' field names. Records are read
// through the native data services page by page and written as they are mapped, so an answer's
// memory does not grow with the connection's size; readiness is the native rule (202 PROCESSING
// while the first extraction runs, 409 INCOMPLETE after it failed) unless `ignore_data_error`.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
import { investmentGroups } from '../../services/all-data.ts';
import { getProductRecord, SettledConnections } from '../../services/data-reads.ts';
import type { ConnectionRow } from '../../store/connections.ts';
import type { FacadeDeps } from '../shared/facade.ts';
import { withoutIds } from '../shared/openapi.ts';
import { allRecords, type RecordRead, recordPages } from '../shared/records.ts';
import { jsonArray, sendJson, sendJsonStream } from '../shared/stream.ts';
import { flanksAnswers } from './errors.ts';
import {
  type FlanksProduct,
  flanksAllGroups,
  type NativeRecord,
  nativeProductOf,
  toFlanksQuery,
  toFlanksRecord,
} from './map.ts';
import { connectionOf, recordContext } from './reads.ts';
import {
  AllBody,
  AllData,
  CredentialsTokenBody,
  DataQuerystring,
  errorAnswers,
  FlanksError,
  flanksRecordSchemas,
  InvestmentDetail,
  InvestmentDetailBody,
} from './schemas.ts';

interface DataBody {
  credentials_token: unknown;
  query?: unknown;
  ignore_data_error?: boolean;
  webhook?: unknown;
}

/** The list endpoints: Flanks' paths (with the spellings real clients send) → the product. */
const listEndpoints: ReadonlyArray<{ paths: string[]; product: FlanksProduct; summary: string }> = [
  { paths: ['/v0/bank/credentials/portfolio'], product: 'portfolio', summary: 'Portfolios' },
  { paths: ['/v0/bank/credentials/investment'], product: 'investment', summary: 'Investments' },
  {
    paths: ['/v0/bank/credentials/investment/transaction', '/v0/bank/credentials/investment/transactions'],
    product: 'investment_transaction',
    summary: 'Investment transactions',
  },
  { paths: ['/v0/bank/credentials/account'], product: 'account', summary: 'Cash accounts' },
  {
    paths: ['/v0/bank/credentials/data'],
    product: 'transaction',
    summary: 'Account transactions (pages with `page` and `page_size`)',
  },
  { paths: ['/v0/bank/credentials/liability'], product: 'liability', summary: 'Liabilities' },
  {
    paths: ['/v0/bank/credentials/liability/transaction'],
    product: 'liability_transaction',
    summary: 'Liability transactions',
  },
  {
    paths: ['/v0/bank/credentials/mifid/raw', '/v0/bank/credencial/mifid/raw'],
    product: 'mifid',
    summary: 'MiFID test answers',
  },
  { paths: ['/v0/bank/credentials/card'], product: 'card', summary: 'Cards' },
  {
    paths: ['/v0/bank/credentials/card/transaction'],
    product: 'card_transaction',
    summary: 'Card transactions',
  },
  { paths: ['/v0/bank/credentials/holder'], product: 'holder', summary: 'Holders of each product' },
];

/** ALL DATA's parents whose movements are nested in them (under Flanks' key `transaction`). */
const nestedMovements: Readonly<Record<string, { parent: FlanksProduct; movements: FlanksProduct | null }>> =
  {
    accounts: { parent: 'account', movements: 'transaction' },
    cards: { parent: 'card', movements: 'card_transaction' },
    portfolios: { parent: 'portfolio', movements: null },
    liabilities: { parent: 'liability', movements: 'liability_transaction' },
  };

const parentFieldOf: Partial<Record<FlanksProduct, string>> = {
  transaction: 'account_id',
  card_transaction: 'card_id',
  liability_transaction: 'liability_id',
  investment_transaction: 'investment_id',
};

/** Flanks' ALL DATA key of an investment type: deposits are "included under bankProducts". */
function allDataKeyOfType(type: unknown): string {
  const native = investmentGroups[typeof type === 'string' ? type : 'O'] ?? 'others';
  if (native === 'deposits') return 'bankProducts';
  return flanksAllGroups.find(([key]) => key === native)?.[1] ?? 'others';
}

export const dataRoutes: FastifyPluginAsync<FacadeDeps> = async (app, deps) => {
  const { engine } = deps;
  const settled = new SettledConnections();
  const clientOf = (request: FastifyRequest) => authOf(request).client.id;

  /** The native account id → IBAN map transactions' `account_id` is written from. */
  async function ibansOf(connection: ConnectionRow): Promise<Map<string, string | null>> {
    const accounts = await allRecords(engine, settled, 'accounts', connection, { allowPartial: true });
    return new Map(accounts.map((a) => [String(a.id), typeof a.iban === 'string' ? a.iban : null]));
  }

  /** Pages of a product's records in Flanks' names. */
  async function flanksPages(
    product: FlanksProduct,
    connection: ConnectionRow,
    read: RecordRead,
  ): Promise<AsyncGenerator<Array<Record<string, unknown>>>> {
    const native = nativeProductOf[product];
    const pages = await recordPages(engine, settled, native, connection, read);
    const ibans = product === 'transaction' ? await ibansOf(connection) : undefined;
    return (async function* () {
      for await (const records of pages) {
        const context = await recordContext(engine, connection, native, records, ibans);
        yield records.map((record) => toFlanksRecord(product, record, context));
      }
    })();
  }

  /**
   * The read a data call's body asks for. Its query is rewritten to native names; a transaction's
   * `account_id` may be given as Flanks writes it (the account's IBAN).
   */
  async function readOf(
    body: DataBody,
    reply: FastifyReply,
    product: FlanksProduct,
    connection: ConnectionRow,
  ): Promise<RecordRead> {
    if (body.webhook !== undefined) reply.header('tesoro-ignored', 'webhook');
    if (
      body.query !== undefined &&
      (body.query === null || typeof body.query !== 'object' || Array.isArray(body.query))
    )
      throw flanksAnswers.invalid('query');
    const read: RecordRead = { allowPartial: body.ignore_data_error === true };
    if (body.query) {
      const accountIdOfIban =
        product === 'transaction'
          ? new Map(
              [...(await ibansOf(connection))].flatMap(([id, iban]) => (iban ? [[iban, id] as const] : [])),
            )
          : undefined;
      read.query = toFlanksQuery(body.query as Record<string, unknown>, {
        product,
        ...(accountIdOfIban ? { accountIdOfIban } : {}),
      });
    }
    return read;
  }

  for (const endpoint of listEndpoints)
    for (const path of endpoint.paths)
      app.post(
        path,
        {
          config: {
            scopes: ['data:read'],
            doc: {
              tag: 'Aggregation',
              summary: endpoint.summary,
              description:
                'Every record of the credentials token (a JSON array), filtered by `query` (Flanks’ query engine: $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin on the record’s fields). `ignore_data_error: true` reads what is stored while the extraction runs or after it failed.',
              responses: {
                200: Type.Array(flanksRecordSchemas[endpoint.product]),
                202: FlanksError,
                ...errorAnswers(400, 401, 409),
              },
            },
          },
          schema: {
            body: withoutIds(CredentialsTokenBody),
            ...(endpoint.product === 'transaction' ? { querystring: withoutIds(DataQuerystring) } : {}),
          },
        },
        async (request, reply) => {
          const body = request.body as DataBody;
          const connection = await connectionOf(engine, clientOf(request), body.credentials_token);
          const read = await readOf(body, reply, endpoint.product, connection);
          const { page, page_size } = request.query as { page?: number; page_size?: number };
          if (page !== undefined || page_size !== undefined) {
            const size = page_size ?? 100;
            read.offset = ((page ?? 1) - 1) * size;
            read.limit = size;
          }
          return sendJsonStream(reply, jsonArray(await flanksPages(endpoint.product, connection, read)));
        },
      );

  for (const path of ['/v0/bank/credentials/auth'])
    app.post(
      path,
      {
        config: {
          scopes: ['data:read'],
          doc: {
            tag: 'Aggregation',
            summary: 'Identity of the credentials’ owner',
            description: 'One object; its `_id` is the credentials token.',
            responses: { 200: flanksRecordSchemas.auth, 202: FlanksError, ...errorAnswers(400, 401, 409) },
          },
        },
        schema: { body: withoutIds(CredentialsTokenBody) },
      },
      async (request, reply) => {
        const body = request.body as DataBody;
        const connection = await connectionOf(engine, clientOf(request), body.credentials_token);
        const read = await readOf(body, reply, 'auth', connection);
        const identities = await allRecords(engine, settled, 'identity', connection, read);
        // Joint holders each have an identity: the first is the credentials' owner.
        const owner = identities[0] ?? {};
        const context = await recordContext(engine, connection, 'identity', identities.slice(0, 1));
        return sendJson(reply, toFlanksRecord('auth', owner, context));
      },
    );

  app.post(
    '/v0/bank/credentials/investment/detail',
    {
      config: {
        scopes: ['data:read'],
        doc: {
          tag: 'Aggregation',
          summary: 'One investment with its transactions',
          description:
            'Listed by Flanks without a documented body: here `{credentials_token, investment_id}` (or `_id`) answers the investment as `/investment` does, with `transactions` (its `/investment/transaction` records).',
          responses: { 200: InvestmentDetail, ...errorAnswers(400, 401) },
        },
      },
      schema: { body: withoutIds(InvestmentDetailBody) },
    },
    async (request, reply) => {
      const body = request.body as DataBody & { investment_id?: unknown; _id?: unknown };
      const clientId = clientOf(request);
      const connection = await connectionOf(engine, clientId, body.credentials_token);
      const id = body.investment_id ?? body._id;
      if (typeof id !== 'string' || id === '') throw flanksAnswers.missing(['investment_id']);
      let investment: NativeRecord;
      try {
        investment = JSON.parse(await getProductRecord(engine.db, 'investments', clientId, id, false));
      } catch {
        throw flanksAnswers.invalid('investment_id');
      }
      if (investment.connection_id !== connection.id) throw flanksAnswers.invalid('investment_id');
      const context = await recordContext(engine, connection, 'investments', [investment]);
      const transactions = [];
      for await (const page of await flanksPages('investment_transaction', connection, {
        allowPartial: true,
        parent: { investment_id: id },
      }))
        transactions.push(...page);
      return sendJson(reply, { ...toFlanksRecord('investment', investment, context), transactions });
    },
  );

  app.post(
    '/v0/bank/credentials/all',
    {
      config: {
        scopes: ['data:read'],
        doc: {
          tag: 'Aggregation',
          summary: 'All data of one or more credentials',
          description:
            'Every product grouped as Flanks groups it (investments by type, each with its `transaction` list; accounts, cards and liabilities with theirs), for one token or an array of tokens, whatever their status: read `credentials/status` to tell an empty list from one still being extracted. Streamed as it is read.',
          responses: { 200: AllData, ...errorAnswers(400, 401) },
        },
      },
      schema: { body: withoutIds(AllBody) },
    },
    async (request, reply) => {
      const body = request.body as { credentials_token: unknown };
      const clientId = clientOf(request);
      const tokens = Array.isArray(body.credentials_token)
        ? body.credentials_token
        : [body.credentials_token];
      const connections: ConnectionRow[] = [];
      for (const token of tokens) connections.push(await connectionOf(engine, clientId, token));
      return sendJsonStream(reply, allDataText(connections));
    },
  );

  /** A parent's text with its movements (streamed) under `transaction`. */
  async function* withMovements(
    parent: Record<string, unknown>,
    nativeId: string,
    movements: FlanksProduct,
    connection: ConnectionRow,
  ): AsyncGenerator<string> {
    yield `${JSON.stringify(parent).slice(0, -1)},"transaction":`;
    yield* jsonArray(
      await flanksPages(movements, connection, {
        allowPartial: true,
        parent: { [parentFieldOf[movements]!]: nativeId },
      }),
    );
    yield '}';
  }

  async function* single(text: string): AsyncGenerator<string> {
    yield text;
  }

  /** The records of one ALL DATA key for one connection, each as the pieces of its text. */
  async function* groupRecords(
    key: string,
    connection: ConnectionRow,
  ): AsyncGenerator<AsyncGenerator<string>> {
    const nested = nestedMovements[key];
    if (nested) {
      const native = nativeProductOf[nested.parent];
      for await (const page of await recordPages(engine, settled, native, connection, {
        allowPartial: true,
      })) {
        const context = await recordContext(engine, connection, native, page);
        for (const record of page) {
          const mapped = toFlanksRecord(nested.parent, record, context);
          yield nested.movements
            ? withMovements(mapped, String(record.id), nested.movements, connection)
            : single(JSON.stringify(mapped));
        }
      }
      return;
    }
    if (key === 'identity') {
      const identities = await allRecords(engine, settled, 'identity', connection, { allowPartial: true });
      const context = await recordContext(engine, connection, 'identity', identities);
      for (const identity of identities)
        yield single(JSON.stringify(toFlanksRecord('auth', identity, context)));
      return;
    }
    // Investment groups: the investments whose type falls under this key.
    for await (const page of await recordPages(engine, settled, 'investments', connection, {
      allowPartial: true,
    })) {
      const context = await recordContext(engine, connection, 'investments', page);
      for (const record of page)
        if (allDataKeyOfType(record.type) === key)
          yield withMovements(
            toFlanksRecord('investment', record, context),
            String(record.id),
            'investment_transaction',
            connection,
          );
    }
  }

  /** Every key in Flanks' order; an array of tokens concatenates each key across them. */
  async function* allDataText(connections: readonly ConnectionRow[]): AsyncGenerator<string> {
    const keys = [...new Set(flanksAllGroups.map(([, key]) => key))];
    for (const [index, key] of keys.entries()) {
      yield `${index === 0 ? '{' : ','}"${key}":[`;
      let first = true;
      // "deposits: actually empty as the deposit will be included under the key bankProducts".
      if (key !== 'deposits')
        for (const connection of connections)
          for await (const record of groupRecords(key, connection)) {
            if (!first) yield ',';
            first = false;
            yield* record;
          }
      yield ']';
    }
    yield '}';
  }
};
