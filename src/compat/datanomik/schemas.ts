// TypeBox schemas of Datanomik's requests (lenient: unknown fields are accepted) and answers
// (strict: every field listed; the flow test validates every answer against them). Field names
// are Datanomik's (snake_case answers, camelCase query parameters), as its public reference
// spells them; the parts it no longer publishes (links, MFA, users, owners) are inferred (SPEC
// §4.3) and marked so in README.md.
import { type TSchema, Type } from 'typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Text = Nullable(Type.String());
const Money = Nullable(Type.Number());
const Uuid = Type.String({ format: 'uuid' });
const Stamp = Nullable(Type.String({ description: 'ISO 8601, UTC (`Z`).' }));

// ---- answers

export const DatanomikError = Type.Object(
  {
    code: Type.Integer({ description: 'The HTTP status, or Datanomik’s own number (456, 620).' }),
    type: Type.String(),
    message: Type.String(),
    trace_id: Type.String({ description: 'The request id (x-request-id).' }),
  },
  { $id: 'DatanomikError', additionalProperties: true },
);

const LinkStatus = Type.Union(
  [
    'ACTIVE',
    'PROCESSING',
    'MFA_REQUIRED',
    'INVALID_CREDENTIALS',
    'USER_ACTION_REQUIRED',
    'INSTITUTION_ERROR',
    'EXPIRED',
    'DISABLED',
  ].map((value) => Type.Literal(value)),
);

const linkFields = {
  id: Uuid,
  description: Text,
  external_id: Text,
  institution: Type.String({ description: 'The institution’s code (BANCO_SANDBOX).' }),
  institution_description: Type.String(),
  institution_logo: Text,
  institution_id: Uuid,
  access_type: Type.Literal('PERSONAL'),
  country: Type.String(),
  refresh_rate: Nullable(
    Type.String({ description: 'Minutes between refreshes; null for a one-shot link.' }),
  ),
  recurrent: Type.Boolean(),
  live: Type.Boolean(),
  status: LinkStatus,
  source: Type.Union([Type.Literal('API'), Type.Literal('WIDGET')]),
  accessed_at: Stamp,
  acceded_at: Stamp,
  created_at: Type.String(),
  updated_at: Type.String(),
};

export const Link = Type.Object(linkFields, { $id: 'DatanomikLink', additionalProperties: false });

export const Institution = Type.Object(
  {
    id: Uuid,
    name: Type.String({ description: 'The code a link names (BANCO_SANDBOX).' }),
    description: Type.String(),
    country: Type.String(),
    logo: Text,
    type: Type.Union([Type.Literal('BANK'), Type.Literal('BROKER')]),
    products: Type.Array(Type.String()),
  },
  { $id: 'DatanomikInstitution', additionalProperties: false },
);

const ownerFields = {
  id: Uuid,
  document: Text,
  document_type: Nullable(Type.Union([Type.Literal('DNI'), Type.Literal('NIE')])),
  first_name: Text,
  last_name: Text,
  second_last_name: Text,
  display_name: Text,
  email: Text,
  link_id: Nullable(Uuid),
};

export const Owner = Type.Object(ownerFields, { $id: 'DatanomikOwner', additionalProperties: false });

export const GeneralOwner = Type.Object(
  {
    id: Uuid,
    document: Type.String(),
    document_type: ownerFields.document_type,
    display_name: Text,
    owners: Type.Array(Owner),
    created_at: Stamp,
    tags: Type.Array(Type.String()),
  },
  { $id: 'DatanomikGeneralOwner', additionalProperties: false },
);

export const User = Type.Object(
  {
    id: Uuid,
    username: Text,
    link_id: Nullable(Uuid),
    metadata: Type.Object(
      {
        document: Text,
        document_type: ownerFields.document_type,
        first_name: Text,
        last_name: Text,
        second_last_name: Text,
        display_name: Text,
        email: Text,
        address: Text,
        phone_number: Text,
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'DatanomikUser', additionalProperties: false },
);

const SyncStatus = Type.Union([Type.Literal('PROCESSED'), Type.Literal('PROCESSING'), Type.Literal('ERROR')]);

const accountFields = {
  id: Uuid,
  description: Text,
  account_number: Text,
  type: Text,
  category: Type.Union(
    ['CHECKING', 'SAVING', 'CREDIT_CARD', 'LOAN', 'INVESTMENT', 'OTHER'].map((value) => Type.Literal(value)),
  ),
  balance: Type.Object(
    { current_balance: Money, available_balance: Money, currency: Text },
    { additionalProperties: false },
  ),
  refreshed_at: Stamp,
  created_at: Stamp,
  updated_at: Stamp,
  owner: Nullable(Owner),
  blocked: Type.Boolean(),
  status: Type.Literal('ACTIVE'),
  country: Type.String(),
  institution: Type.String(),
  institution_description: Type.String(),
  institution_logo: Text,
  institution_id: Uuid,
  link_id: Uuid,
  external_id: Text,
  tags: Type.Array(Type.String()),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  account_sync_status: SyncStatus,
  trx_sync_status: SyncStatus,
  investment_sync_status: SyncStatus,
  payment_sync_status: SyncStatus,
};

export const Account = Type.Object(accountFields, { $id: 'DatanomikAccount', additionalProperties: false });

export const Investment = Type.Object(
  {
    id: Uuid,
    instrument_type: Type.Union(
      ['FUND', 'COMMITED', 'BOND', 'STOCKS', 'DEPOSIT'].map((value) => Type.Literal(value)),
    ),
    description: Text,
    isin: Text,
    currency: Text,
    net_balance: Money,
    gross_balance: Money,
    link_id: Nullable(Uuid),
    account: Type.Object(
      {
        id: Nullable(Uuid),
        description: Text,
        account_number: Text,
        institution: Text,
        country: Text,
      },
      { additionalProperties: false },
    ),
    updated_at: Stamp,
  },
  { $id: 'DatanomikInvestment', additionalProperties: false },
);

export const AccountPosition = Type.Object(
  {
    ...accountFields,
    balance: Type.Object(
      {
        current_balance: Money,
        available_balance: Money,
        currency: Text,
        start_of_day_balance: Money,
        last_day_balance: Money,
        investment_current_balance: Money,
        investment_available_balance: Money,
        forecast_balance: Money,
        cash_position: Money,
      },
      { additionalProperties: false },
    ),
    investments: Type.Array(Investment),
  },
  { $id: 'DatanomikAccountPosition', additionalProperties: false },
);

const Flow = Type.Union([Type.Literal('INFLOW'), Type.Literal('OUTFLOW')]);

export const Transaction = Type.Object(
  {
    id: Uuid,
    date: Text,
    description: Text,
    reference: Text,
    type: Flow,
    mode: Type.Union([Type.Literal('AUTOMATIC'), Type.Literal('MANUAL')]),
    currency: Text,
    amount: Type.Number({ minimum: 0, description: 'Always positive: the sign is in `type`.' }),
    link: Type.Object(
      {
        id: Uuid,
        country: Type.String(),
        institution: Type.String(),
        institution_description: Type.String(),
        institution_logo: Text,
      },
      { additionalProperties: false },
    ),
    account: Type.Object(
      {
        id: Nullable(Uuid),
        account_number: Text,
        owner: Nullable(
          Type.Object(
            { id: Uuid, document: Text, document_type: ownerFields.document_type, display_name: Text },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    status: Type.Union([Type.Literal('APPROVED'), Type.Literal('PENDING')]),
    additional_data: Type.Object(
      { value_date: Text, balance: Money, counterparty: Text, mcc: Text },
      { additionalProperties: false },
    ),
    categories: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          name: Type.String(),
          color: Type.Null(),
          type: Flow,
          ordering: Type.Integer(),
          multiple_categorize: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
    ),
    created_at: Stamp,
    updated_at: Stamp,
  },
  { $id: 'DatanomikTransaction', additionalProperties: false },
);

export const Balance = Type.Object(
  {
    date: Type.String({ format: 'date' }),
    current_balance: Type.Number(),
    available_balance: Type.Number(),
    currency: Text,
    link_id: Uuid,
    account: Type.Object(
      {
        id: Uuid,
        description: Text,
        account_number: Text,
        type: Text,
        category: accountFields.category,
        blocked: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'DatanomikBalance', additionalProperties: false },
);

export const SyncAsset = Type.Object(
  {
    ...linkFields,
    accounts: Type.Array(
      Type.Object(
        // The sync-assets answer lists every owner (`owners`), the account lists one (`owner`).
        { ...Type.Omit(Type.Object(accountFields), ['owner']).properties, owners: Type.Array(Owner) },
        { additionalProperties: false },
      ),
    ),
    users: Type.Array(User),
  },
  { $id: 'DatanomikSyncAsset', additionalProperties: false },
);

/** Datanomik's page envelope (page_number is 0-based). */
export const Page = <T extends TSchema>(item: T, name: string) =>
  Type.Object(
    {
      content: Type.Array(item),
      first: Type.Boolean(),
      last: Type.Boolean(),
      page_number: Type.Integer({ minimum: 0 }),
      page_size: Type.Integer({ minimum: 1 }),
      total_elements: Type.Integer({ minimum: 0 }),
      total_pages: Type.Integer({ minimum: 0 }),
    },
    { $id: `${name}Page`, additionalProperties: false },
  );

export const MfaRequired = Type.Object(
  {
    code: Type.Literal(428),
    type: Type.Literal('MFA_REQUIRED'),
    message: Type.String(),
    trace_id: Type.String(),
    link_id: Uuid,
    challenge: Type.Object(
      {
        type: Type.String(),
        prompt: Type.String(),
        fields: Type.Array(
          Type.Object(
            { name: Type.String(), label: Type.String(), type: Type.String(), required: Type.Boolean() },
            { additionalProperties: false },
          ),
        ),
        expires_at: Type.String(),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'DatanomikMfaRequired', additionalProperties: false },
);

// ---- requests

export const DEFAULT_SIZE = 50;
export const MAX_SIZE = 1000;

export const pageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 0, description: '0-based; default 0.' })),
  size: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_SIZE,
      description: `Default ${DEFAULT_SIZE}, at most ${MAX_SIZE}.`,
    }),
  ),
};

const partial = {
  allowPartial: Type.Optional(
    Type.Boolean({ description: 'Read what is stored while the first load runs or after it failed.' }),
  ),
};

const query = (fields: Record<string, TSchema>) =>
  Type.Object({ ...fields, ...pageQuery }, { additionalProperties: true });

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const DayTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}$',
  description: 'YYYY-MM-dd HH:mm:ss (UTC)',
});

export const InstitutionsQuery = query({ country: Type.Optional(Type.String()) });

export const LinksQuery = query({
  institution: Type.Optional(Type.String()),
  recurrent: Type.Optional(Type.Boolean()),
  status: Type.Optional(LinkStatus),
  external_id: Type.Optional(Type.String()),
});

export const AccountsQuery = query({
  ...partial,
  linkId: Type.Optional(Uuid),
  country: Type.Optional(Type.String()),
  institution: Type.Optional(Type.String()),
  institutionId: Type.Optional(Uuid),
  accountId: Type.Optional(Uuid),
  accountNumber: Type.Optional(Type.String()),
  accountType: Type.Optional(Type.String()),
  currency: Type.Optional(Type.String()),
  availableBalanceGte: Type.Optional(Type.Number()),
  availableBalanceLte: Type.Optional(Type.Number()),
  currentBalanceGte: Type.Optional(Type.Number()),
  currentBalanceLte: Type.Optional(Type.Number()),
  updateAtFrom: Type.Optional(DayTime),
  updateAtTo: Type.Optional(DayTime),
  ownerId: Type.Optional(Uuid),
  blocked: Type.Optional(Type.Boolean()),
  showBalanceInfo: Type.Optional(Type.Boolean()),
  workspaceView: Type.Optional(Type.String()),
});

export const TransactionsQuery = query({
  ...partial,
  linkId: Type.Optional(Uuid),
  accountId: Type.Optional(Uuid),
  dateFrom: Type.Optional(Day),
  dateTo: Type.Optional(Day),
  type: Type.Optional(Flow),
  amountGte: Type.Optional(Type.Number({ minimum: 0 })),
  amountLte: Type.Optional(Type.Number({ minimum: 0 })),
  currency: Type.Optional(Type.String({ minLength: 3, maxLength: 3 })),
  description: Type.Optional(Type.String({ minLength: 1 })),
});

export const OwnersQuery = query({
  ...partial,
  linkId: Type.Optional(Uuid),
  accountId: Type.Optional(Uuid),
});

export const GeneralOwnersQuery = query({ displayName: Type.Optional(Type.String()) });

export const UsersQuery = query({ ...partial, linkId: Type.Optional(Uuid) });

export const BalancesQuery = query({
  ...partial,
  linkId: Type.Optional(Uuid),
  accountId: Type.Optional(Uuid),
  dateFrom: Type.Optional(Day),
  dateTo: Type.Optional(Day),
});

const investmentFilters = {
  ...partial,
  linkId: Type.Optional(Uuid),
  currency: Type.Optional(Type.String()),
  institutionId: Type.Optional(Uuid),
  recurrent: Type.Optional(Type.Boolean()),
  accountId: Type.Optional(Uuid),
  country: Type.Optional(Type.String()),
  grossBalanceGte: Type.Optional(Type.Number()),
  grossBalanceLte: Type.Optional(Type.Number()),
  netBalanceGte: Type.Optional(Type.Number()),
  netBalanceLte: Type.Optional(Type.Number()),
  ownerId: Type.Optional(Uuid),
  instrumentType: Type.Optional(
    Type.Union(['FUND', 'COMMITED', 'BOND', 'STOCKS', 'DEPOSIT'].map((value) => Type.Literal(value))),
  ),
};

export const InvestmentsQuery = Type.Object(investmentFilters, { additionalProperties: true });

export const InvestmentsHistoryQuery = Type.Object(
  {
    ...investmentFilters,
    investmentId: Type.Optional(Uuid),
    generalOwnerId: Type.Optional(Uuid),
    dateFrom: Type.Optional(Day),
    dateTo: Type.Optional(Day),
  },
  { additionalProperties: true },
);

export const PartialQuery = Type.Object({ ...partial }, { additionalProperties: true });

export const IdParams = Type.Object({ id: Type.String() });
export const LinkIdParams = Type.Object({ linkId: Type.String() });

export const CreateLinkBody = Type.Object(
  {
    institution: Type.String({ minLength: 1, description: 'The institution’s code, or its id.' }),
    username: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
    recurrent: Type.Optional(Type.Boolean({ description: 'Default false: a one-shot link.' })),
    refresh_rate: Type.Optional(
      Type.Union([Type.String(), Type.Integer()], {
        description:
          'Minutes between refreshes (recurrent links); the nearest of 6 h, 12 h, 24 h, 7 d, 30 d is used.',
      }),
    ),
    external_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    description: Type.Optional(Type.String({ maxLength: 255 })),
    document_type: Type.Optional(
      Type.String({ description: 'The broker form’s document type (nif, nie, passport).' }),
    ),
  },
  { additionalProperties: true },
);

export const UpdateLinkBody = Type.Object(
  {
    username: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
    document_type: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const StatusBody = Type.Object(
  { status: Type.Union([Type.Literal('DISABLED'), Type.Literal('ACTIVE')]) },
  { additionalProperties: true },
);

export const MfaBody = Type.Object(
  {
    token: Type.Optional(Type.String({ minLength: 1, description: 'The one-time code.' })),
    answers: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'Answers by field name (other challenges).' }),
    ),
  },
  { additionalProperties: true },
);

export const ManualTransactionsBody = Type.Array(
  Type.Object(
    {
      account_id: Uuid,
      date: Day,
      type: Flow,
      amount: Type.Number({ exclusiveMinimum: 0 }),
      external_id: Type.String({ minLength: 1, maxLength: 255 }),
      categories_ids: Type.Optional(Type.Array(Type.String())),
      description: Type.Optional(Type.String()),
      reference: Type.Optional(Type.String()),
      sender: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      beneficiary: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    },
    { additionalProperties: true },
  ),
  { minItems: 1, maxItems: 1000 },
);
