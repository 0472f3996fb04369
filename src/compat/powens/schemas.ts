// Powens' request and answer shapes, in Powens' spellings (its swagger's definitions Connector,
// Field, Connection, Account, Transaction, Investment, Document, User). Requests are lenient:
// Powens' clients send JSON or application/x-www-form-urlencoded (every value then a string:
// integers and booleans are coerced by the validator) and fields Tesoro ignores (`source`, …).
// Answers are strict, and the facade's tests check every answer against them.
import { type TSchema, Type } from 'typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Nullable(Type.String({ description: '`YYYY-MM-DD HH:MM:SS`, UTC.' }));
const Day = Nullable(Type.String({ description: '`YYYY-MM-DD`.' }));
const Amount = Nullable(Type.Number());

// ---- requests

/** `true`/`false`, `1`/`0` as form-encoded clients send them, or a JSON boolean. */
const Bool = Type.Union([Type.Boolean(), Type.Literal('1'), Type.Literal('0')]);
const DAY_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

export const ExpandQuery = Type.Object(
  {
    expand: Type.Optional(
      Type.String({
        description: 'A comma list: `fields`, `connector`, `accounts`, `accounts[transactions]`.',
      }),
    ),
  },
  { additionalProperties: true },
);

export const ConnectorsQuery = Type.Object(
  {
    expand: Type.Optional(Type.String({ description: '`fields`: each connector’s login form.' })),
    country_codes: Type.Optional(Type.String({ description: 'A comma list of ISO 3166 codes.' })),
  },
  { additionalProperties: true },
);

export const ClientCredentialsBody = Type.Object(
  {
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const TokenBody = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ description: '`client_credentials`.' })),
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
    scope: Type.Optional(
      Type.String({
        description:
          'Powens scopes: `config`, `user`, `categorization`, `invoicing` (space or comma separated).',
      }),
    ),
  },
  { additionalProperties: true },
);

export const AccessBody = Type.Object(
  {
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
    grant_type: Type.Optional(Type.String()),
    redirect_uri: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const CodeQuery = Type.Object(
  { type: Type.Optional(Type.String({ description: '`singleAccess`, … (echoed).' })) },
  { additionalProperties: true },
);

export const UserParams = Type.Object({ id_user: Type.String({ description: 'An id, `me` or `all`.' }) });
export const ConnectionParams = Type.Object({ id_user: Type.String(), id_connection: Type.String() });
export const AccountParams = Type.Object({ id_user: Type.String(), id_account: Type.String() });

export const CreateConnectionBody = Type.Object(
  {
    id_connector: Type.Optional(Type.Integer({ minimum: 1 })),
    connector_uuid: Type.Optional(Type.String()),
  },
  {
    additionalProperties: Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
    description: 'The connector, and each of its fields (`expand=fields`) by name.',
  },
);

export const UpdateConnectionBody = Type.Object(
  {
    active: Type.Optional(Bool),
    decoupled: Type.Optional(Bool),
    background: Type.Optional(Bool),
    expire: Type.Optional(Type.String()),
  },
  {
    additionalProperties: Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
    description:
      'New credentials (the connector’s fields, `login` for `username`), the fields of the state (`code`, …), or `active`.',
  },
);

export const SyncQuery = Type.Object(
  {
    expand: Type.Optional(Type.String()),
    last_update: Type.Optional(Type.String()),
    psu_requested: Type.Optional(Bool),
  },
  { additionalProperties: true },
);

export const TransactionsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    min_date: Type.Optional(Type.String({ pattern: DAY_PATTERN })),
    max_date: Type.Optional(Type.String({ pattern: DAY_PATTERN })),
    income: Type.Optional(Bool),
    deleted: Type.Optional(Bool),
    all: Type.Optional(Bool),
    last_update: Type.Optional(Type.String()),
    wording: Type.Optional(Type.String({ maxLength: 200 })),
    search: Type.Optional(Type.String({ maxLength: 200 })),
    min_value: Type.Optional(Type.Number()),
    max_value: Type.Optional(Type.Number()),
    value: Type.Optional(Type.String({ pattern: '^(±|\\+-)?-?\\d+(\\.\\d+)?(\\|-?\\d+(\\.\\d+)?)*$' })),
  },
  { additionalProperties: true },
);

export const DocumentsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    min_timestamp: Type.Optional(Type.String()),
    max_timestamp: Type.Optional(Type.String()),
    min_date: Type.Optional(Type.String({ pattern: DAY_PATTERN })),
    max_date: Type.Optional(Type.String({ pattern: DAY_PATTERN })),
  },
  { additionalProperties: true },
);

export const ConfigBody = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
);

// ---- answers

export const PowensError = Type.Object(
  {
    code: Type.String(),
    description: Type.String(),
    message: Nullable(Type.String()),
    request_id: Nullable(Type.Integer()),
  },
  { $id: 'PowensError', additionalProperties: false },
);

export const Field = Type.Object(
  {
    id_connector: Nullable(Type.Integer()),
    id: Type.Integer(),
    name: Type.String(),
    label: Type.String(),
    regex: Nullable(Type.String()),
    type: Type.Union([
      Type.Literal('text'),
      Type.Literal('password'),
      Type.Literal('list'),
      Type.Literal('hidden'),
    ]),
    ephemeral: Type.Boolean(),
    value: Type.Null(),
    required: Type.Boolean(),
    auth_mechanisms: Type.Array(Type.String()),
    values: Type.Optional(Type.Array(Type.Object({ label: Type.String(), value: Type.String() }))),
  },
  { $id: 'Field', additionalProperties: false },
);

export const Connector = Type.Object(
  {
    id: Type.Integer(),
    uuid: Type.String(),
    name: Type.String(),
    hidden: Type.Boolean(),
    charged: Type.Boolean(),
    code: Type.Null(),
    beta: Type.Boolean(),
    color: Type.String(),
    slug: Type.String(),
    sync_frequency: Type.Number(),
    months_to_fetch: Type.Integer(),
    auth_mechanism: Type.String(),
    siret: Type.Null(),
    restricted: Type.Boolean(),
    capabilities: Type.Array(Type.String()),
    country: Type.String(),
    fields: Type.Optional(Type.Array(Field)),
  },
  { $id: 'Connector', additionalProperties: false },
);

export const Currency = Type.Object(
  { id: Type.String(), symbol: Type.String(), prefix: Type.Boolean(), precision: Type.Integer() },
  { additionalProperties: false },
);

export const Transaction = Type.Object(
  {
    id: Type.Integer(),
    id_account: Type.Integer(),
    webid: Nullable(Type.String()),
    application_date: Day,
    date: Day,
    value: Type.Number(),
    gross_value: Type.Number(),
    nature: Type.String(),
    type: Type.String(),
    original_wording: Type.String(),
    simplified_wording: Type.String(),
    stemmed_wording: Type.String(),
    wording: Type.Null(),
    id_category: Nullable(Type.Integer()),
    state: Type.String(),
    date_scraped: DateTime,
    rdate: Day,
    vdate: Day,
    bdate: Type.Null(),
    coming: Type.Boolean(),
    active: Type.Boolean(),
    id_cluster: Type.Null(),
    comment: Type.Null(),
    last_update: DateTime,
    deleted: Type.Null(),
    original_value: Type.Null(),
    original_gross_value: Type.Null(),
    original_currency: Nullable(Currency),
    commission: Amount,
    commission_currency: Type.Null(),
    country: Type.Null(),
    counterparty: Nullable(Type.String()),
    card: Nullable(Type.String()),
    tesoro_category: Nullable(Type.String()),
    tesoro_subcategory: Nullable(Type.String()),
  },
  { $id: 'Transaction', additionalProperties: false },
);

export const Account = Type.Object(
  {
    id: Type.Integer(),
    id_connection: Type.Integer(),
    id_user: Nullable(Type.Integer()),
    id_source: Type.Null(),
    id_parent: Nullable(Type.Integer()),
    number: Nullable(Type.String()),
    webid: Type.Null(),
    original_name: Type.String(),
    name: Type.String(),
    balance: Type.Number(),
    coming: Type.Number(),
    display: Type.Boolean(),
    last_update: DateTime,
    deleted: Type.Null(),
    disabled: Type.Null(),
    iban: Nullable(Type.String()),
    currency: Currency,
    id_type: Type.Null(),
    type: Type.String(),
    bookmarked: Type.Integer(),
    error: Type.Null(),
    usage: Type.String(),
    ownership: Type.String(),
    company_name: Type.Null(),
    transactions: Type.Optional(Type.Array(Transaction)),
  },
  { $id: 'Account', additionalProperties: false },
);

export const Connection = Type.Object(
  {
    id: Type.Integer(),
    id_user: Nullable(Type.Integer()),
    id_connector: Type.Integer(),
    connector_uuid: Type.String(),
    state: Nullable(Type.String()),
    error: Nullable(Type.String()),
    error_message: Nullable(Type.String()),
    last_update: DateTime,
    created: DateTime,
    active: Type.Boolean(),
    last_push: DateTime,
    next_try: DateTime,
    expire: DateTime,
    fields: Type.Optional(Type.Array(Field)),
    redirect_url: Type.Optional(Type.String()),
    connector: Type.Optional(Connector),
    accounts: Type.Optional(Type.Array(Account)),
  },
  { $id: 'Connection', additionalProperties: false },
);

export const Investment = Type.Object(
  {
    id: Type.Integer(),
    id_account: Type.Integer(),
    id_security: Type.Null(),
    label: Type.String(),
    code: Nullable(Type.String()),
    code_type: Nullable(Type.Literal('ISIN')),
    source: Type.Null(),
    description: Type.Null(),
    quantity: Amount,
    unitprice: Amount,
    unitvalue: Amount,
    valuation: Amount,
    diff: Amount,
    diff_percent: Amount,
    prev_diff: Type.Null(),
    portfolio_share: Amount,
    vdate: Day,
    prev_vdate: Type.Null(),
    original_currency: Type.Null(),
    original_valuation: Type.Null(),
    original_unitvalue: Type.Null(),
    original_unitprice: Type.Null(),
    original_diff: Type.Null(),
    last_update: DateTime,
    deleted: Type.Null(),
  },
  { $id: 'Investment', additionalProperties: false },
);

export const Document = Type.Object(
  {
    id: Type.Integer(),
    id_type: Type.Null(),
    id_category: Type.Null(),
    id_user: Nullable(Type.Integer()),
    id_subscription: Type.Null(),
    id_file: Type.Null(),
    id_thumbnail: Type.Null(),
    name: Nullable(Type.String()),
    timestamp: DateTime,
    date: Day,
    duedate: Type.Null(),
    total_amount: Type.Null(),
    untaxed_amount: Type.Null(),
    vat: Type.Null(),
    income: Type.Null(),
    readonly: Type.Boolean(),
    number: Type.Null(),
    issuer: Type.Null(),
    last_update: DateTime,
    has_file_on_website: Type.Boolean(),
    currency: Type.Null(),
    tesoro_content_type: Type.String(),
    tesoro_size: Type.Integer(),
    tesoro_content_path: Type.String(),
  },
  { $id: 'Document', additionalProperties: false },
);

export const User = Type.Object(
  { id: Type.Integer(), signin: DateTime, platform: Type.String() },
  { $id: 'User', additionalProperties: false },
);

export const ConnectorList = Type.Object(
  { connectors: Type.Array(Connector), total: Type.Integer() },
  { additionalProperties: false },
);
export const ConnectionList = Type.Object(
  { connections: Type.Array(Connection), total: Type.Integer() },
  { additionalProperties: false },
);
export const AccountList = Type.Object(
  { accounts: Type.Array(Account), total: Type.Integer() },
  { additionalProperties: false },
);
export const TransactionList = Type.Object(
  {
    transactions: Type.Array(Transaction),
    total: Type.Integer(),
    first_date: Day,
    last_date: Day,
  },
  { additionalProperties: false },
);
export const InvestmentList = Type.Object(
  { investments: Type.Array(Investment), total: Type.Integer() },
  { additionalProperties: false },
);
export const DocumentList = Type.Object(
  { documents: Type.Array(Document), total: Type.Integer() },
  { additionalProperties: false },
);
export const SubscriptionList = Type.Object(
  { subscriptions: Type.Array(Type.Never()), total: Type.Literal(0) },
  { additionalProperties: false },
);

export const InitResponse = Type.Object(
  {
    auth_token: Type.String(),
    type: Type.Union([Type.Literal('permanent'), Type.Literal('temporary')]),
    id_user: Type.Integer(),
    expires_in: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export const CodeResponse = Type.Object(
  { code: Type.String(), type: Type.String(), access: Type.String(), expires_in: Type.Integer() },
  { additionalProperties: false },
);
export const AccessResponse = Type.Object(
  { access_token: Type.String(), token_type: Type.Literal('Bearer') },
  { additionalProperties: false },
);
export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
    scope: Type.String(),
  },
  { additionalProperties: false },
);
export const ConfigResponse = Type.Record(Type.String(), Type.String());
export const CategoryList = Type.Object(
  {
    categories: Type.Array(
      Type.Object({
        id: Type.Integer(),
        id_parent_category: Nullable(Type.Integer()),
        name: Type.String(),
        tesoro_slug: Type.String(),
      }),
    ),
    total: Type.Integer(),
  },
  { additionalProperties: false },
);
