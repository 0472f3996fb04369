// TypeBox schemas of Flanks' requests and answers (https://docs.flanks.io), in Flanks' own
// spellings, its documentation's typos included where real clients read them (`sybtype` beside `subtype`,
// both `transaction` and `transactions` in the status). Requests are lenient: Flanks' clients send
// fields Tesoro ignores (`webhook`, …). Answers are strict: every field Flanks documents, nullable
// where the source may have none, and the few extra Tesoro fields named one by one.
import { type Static, type TSchema, Type } from 'typebox';
import { Nullable, OpenObject, StringEnum } from '../../api/common.schemas.ts';

/** Flanks' data products, by the name of their endpoint (`auth`: the identity). */
export type FlanksProduct =
  | 'portfolio'
  | 'investment'
  | 'investment_transaction'
  | 'account'
  | 'transaction'
  | 'liability'
  | 'liability_transaction'
  | 'mifid'
  | 'auth'
  | 'card'
  | 'card_transaction'
  | 'holder';

const lenient = { additionalProperties: true } as const;
const strict = { additionalProperties: false } as const;

const Text = (description?: string) => Nullable(Type.String(description ? { description } : {}));
const Day = (description?: string) =>
  Nullable(Type.String({ format: 'date', ...(description ? { description } : {}) }));
const Amount = (description?: string) => Nullable(Type.Number(description ? { description } : {}));
const Money = (description = 'Major units; negative = money leaving.') =>
  Nullable(Type.Number({ description }));

const CredentialsToken = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Token that identifies the bank credentials of a user (a Tesoro connection id).',
});

const Query = OpenObject({
  description:
    'Flanks’ query engine (MongoDB-style): `{field: value}` or `{field: {$eq|$ne|$gt|$gte|$lt|$lte|$in|$nin: value}}`, on the fields as Flanks names them.',
});

// ---- requests

export const TokenRequest = Type.Object(
  {
    client_id: Type.Optional(Type.String({ maxLength: 100, description: 'CLIENT_ID of your app.' })),
    client_secret: Type.Optional(Type.String({ maxLength: 200, description: 'CLIENT_SECRET of your app.' })),
    grant_type: Type.Optional(Type.String({ maxLength: 100, description: 'Must be `client_credentials`.' })),
  },
  {
    ...lenient,
    $id: 'FlanksTokenRequest',
    description:
      'Flanks’ token request. The client id and secret may also come as HTTP Basic; a missing or wrong one answers 403 `access_denied`, as Flanks does.',
  },
);

export const CredentialsTokenBody = Type.Object(
  {
    credentials_token: CredentialsToken,
    query: Type.Optional(Query),
    ignore_data_error: Type.Optional(
      Type.Boolean({
        description: 'true: read what is stored while the extraction runs or after it failed.',
      }),
    ),
    webhook: Type.Optional(
      Type.Unknown({ description: 'Accepted and ignored (answer header `tesoro-ignored: webhook`).' }),
    ),
  },
  { ...lenient, $id: 'FlanksCredentialsTokenBody', description: 'Flanks’ body of a credentials call.' },
);

export const AllBody = Type.Object(
  {
    credentials_token: Type.Union(
      [CredentialsToken, Type.Array(CredentialsToken, { minItems: 1, maxItems: 100 })],
      {
        description: 'One credentials token, or a list of them.',
      },
    ),
  },
  { ...lenient, $id: 'FlanksAllBody', description: 'Flanks’ body of ALL DATA.' },
);

export const StatusPutBody = Type.Object(
  {
    credentials_token: CredentialsToken,
    force: Type.Optional(
      StringEnum(['sca', 'reset', 'transaction'] as const, { description: 'The flow to force.' }),
    ),
    action: Type.Optional(
      StringEnum(['force_sca', 'force_reset', 'force_transaction'] as const, {
        description: 'The same, as one of Flanks’ client libraries spells it.',
      }),
    ),
  },
  {
    ...lenient,
    $id: 'FlanksStatusPutBody',
    description: 'Flanks’ body to force an SCA, a reset or a deeper extraction.',
  },
);

export const ListBody = Type.Object(
  { page: Type.Optional(Type.Integer({ minimum: 1, description: 'Page number, from 1.' })) },
  { ...lenient, $id: 'FlanksListBody', description: 'Flanks’ body of the credentials list.' },
);

export const LinkCodeBody = Type.Object(
  {
    code: Type.String({
      maxLength: 200,
      description: 'The link code, from the redirect URI or the code list.',
    }),
  },
  { ...lenient, $id: 'FlanksLinkCodeBody', description: 'Flanks’ body of a link code exchange.' },
);

export const InvestmentDetailBody = Type.Object(
  {
    credentials_token: CredentialsToken,
    investment_id: Type.Optional(Type.String({ maxLength: 64, description: 'The `_id` of the investment.' })),
    _id: Type.Optional(Type.String({ maxLength: 64, description: 'Same as `investment_id`.' })),
  },
  { ...lenient, $id: 'FlanksInvestmentDetailBody', description: 'Flanks’ body of an investment detail.' },
);

const linkSettings = {
  name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  company_name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  terms_and_conditions_url: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
  privacy_policy_url: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
};

const LinkToken = Type.String({ maxLength: 200, description: 'The token that identifies a link.' });

export const CreateLinkBody = Type.Object(
  {
    redirect_uri: Type.String({
      maxLength: 2048,
      description: 'Where the end user is sent back, with `code` and the extra parameters.',
    }),
    ...linkSettings,
  },
  {
    ...lenient,
    $id: 'FlanksCreateLinkBody',
    description: 'Flanks’ body to create a link (legacy Links API).',
  },
);

export const EditLinkBody = Type.Object(
  { token: LinkToken, redirect_uri: Type.Optional(Type.String({ maxLength: 2048 })), ...linkSettings },
  { ...lenient, $id: 'FlanksEditLinkBody', description: 'Flanks’ body to change a link’s settings.' },
);

export const LinkTokenBody = Type.Object(
  { token: LinkToken },
  { ...lenient, $id: 'FlanksLinkTokenBody', description: 'Flanks’ body naming one link.' },
);

export const DataQuerystring = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, description: 'Page number, from 1.' })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, description: 'Transactions per page.' })),
  },
  { ...lenient, $id: 'FlanksDataQuerystring', description: 'Flanks’ paging of account transactions.' },
);

// ---- answers: authentication, credentials, entities, links

export const TokenResponse = Type.Object(
  {
    access_token: Type.String({ description: 'Send it as `Authorization: Bearer …`.' }),
    expires_in: Type.Integer({ description: 'Seconds until the token expires (3600).' }),
    token_type: Type.Literal('Bearer'),
    scope: Type.String({ description: 'Space-separated scopes the token carries.' }),
  },
  { ...strict, $id: 'FlanksTokenResponse', description: 'Flanks’ OAuth token.' },
);

const flags = (names: readonly string[]) =>
  Type.Object(Object.fromEntries(names.map((name) => [name, Type.Boolean()])), strict);

/** Flanks' product keys of the status, in its order. */
export const statusProductKeys = [
  'auth',
  'account',
  'card',
  'portfolio',
  'investment',
  'liability',
  'holders',
  'mifid',
] as const;
/** Flanks' transaction keys of the status, in its order. */
export const statusTransactionKeys = [
  'account',
  'card',
  'investment',
  'investmentincome',
  'liability',
] as const;

type Flags<K extends string> = { [P in K]: boolean };
const ProductFlags = Type.Unsafe<{
  product: Flags<(typeof statusProductKeys)[number]>;
  transaction: Flags<(typeof statusTransactionKeys)[number]>;
  transactions: Flags<(typeof statusTransactionKeys)[number]>;
}>(
  Type.Object(
    {
      product: flags(statusProductKeys),
      transaction: flags(statusTransactionKeys),
      transactions: flags(statusTransactionKeys),
    },
    {
      ...strict,
      description:
        '`transaction` and `transactions` carry the same flags: Flanks’ documents spell the key both ways.',
    },
  ),
);

export const CredentialsStatus = Type.Object(
  {
    pending: Type.Boolean({ description: 'false once the first extraction ended, with or without errors.' }),
    blocked: Type.Boolean({ description: 'true when the credentials no longer log in to the entity.' }),
    reset_token: Text('Set while the credentials are blocked, or after PUT `force: reset`.'),
    sca_token: Text('Set while the entity waits for an SCA, or after PUT `force: sca`.'),
    transaction_token: Text('Set after PUT `force: transaction` until the deeper extraction ran.'),
    last_transaction_date: Day('Date of the last transaction retrieved.'),
    name: Type.String({ description: 'The entity (bank identifier).' }),
    last_update: Day('Day the last extraction finished (UTC); null before the first.'),
    time: Nullable(
      Type.String({
        pattern: '^\\d{2}:\\d{2}$',
        description: 'Hour the last extraction finished, HH:MM UTC.',
      }),
    ),
    last_update_timestamp: Nullable(
      Type.Integer({ description: 'When the last extraction finished, epoch seconds.' }),
    ),
    created_at_timestamp: Type.Integer({ description: 'When the credentials were created, epoch seconds.' }),
    errored: ProductFlags,
    created: ProductFlags,
  },
  {
    ...strict,
    $id: 'FlanksCredentialsStatus',
    description:
      'Flanks’ credentials status: poll it and read `created` for the products you need; `errored` says which failed.',
  },
);

export const CredentialsListResponse = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          credentials_token: Type.String(),
          external_id: Text('Your id of the end user, if you gave one.'),
          bank: Type.String({ description: 'The entity of the credentials.' }),
          status: CredentialsStatus,
        },
        strict,
      ),
    ),
    page: Type.Integer({ minimum: 1 }),
    pages: Type.Integer({ minimum: 1 }),
  },
  {
    ...strict,
    $id: 'FlanksCredentialsList',
    description: 'Flanks’ list of credentials tokens, a page of them.',
  },
);

export const Entity = Type.Object(
  {
    id: Type.String({ description: 'Entity id (`credentials` calls and links name it).' }),
    name: Type.String(),
    cif: Text('VAT number of the entity.'),
    alwaysManualRefresh: Type.Boolean({ description: 'true when the entity asks for 2FA on every login.' }),
  },
  {
    ...strict,
    $id: 'FlanksEntity',
    description: 'A Flanks entity: a bank or broker credentials can be created for.',
  },
);

const Extra = Type.Record(Type.String(), Type.Unknown(), {
  description: 'The extra query parameters the link was opened with.',
});

export const LinkCode = Type.Object(
  { code: Type.String(), extra: Extra, link_token: Text('The link the end user came through.') },
  { ...strict, $id: 'FlanksLinkCode', description: 'A Flanks link code not exchanged yet.' },
);

export const LinkExchange = Type.Object(
  {
    message: Type.Literal('Successfully retrieved'),
    credentials_token: Type.String(),
    extra: Extra,
    link_token: Text('The link the end user came through.'),
  },
  {
    ...strict,
    $id: 'FlanksLinkExchange',
    description: 'A Flanks link code exchanged for its credentials token.',
  },
);

export const Link = Type.Object(
  {
    token: Type.String({ description: 'The link token (`/link?token=…`).' }),
    name: Text(),
    redirect_uri: Type.String(),
    company_name: Text(),
    terms_and_conditions_url: Text(),
    privacy_policy_url: Text(),
    active: Type.Boolean({ description: 'false while paused.' }),
    pending_code_count: Type.Integer({ minimum: 0, description: 'Codes not exchanged yet.' }),
  },
  { ...strict, $id: 'FlanksLink', description: 'A Flanks link (legacy Links API).' },
);

export const FlanksError = Type.Object(
  {
    error: Type.String(),
    code: Type.Optional(Type.Integer({ description: 'Flanks’ code: 20001 INCOMPLETE, 20002 PROCESSING, …' })),
    message: Type.Optional(Type.String()),
  },
  { ...strict, $id: 'FlanksError', description: 'Flanks’ error body.' },
);

/** Flanks' error body as the answer of each of these statuses (for the facade's document). */
export const errorAnswers = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, FlanksError]));

// ---- answers: the records of each product

const common = {
  entity: Type.String({ description: 'The entity the credentials belong to.' }),
  external_id: Text(
    'Like `_id`, but based on your external id of the end user instead of the credentials token; null without one.',
  ),
};
const UpdatedAt = Nullable(
  Type.Integer({ description: 'Last time the record was seen and refreshed, epoch seconds.' }),
);
const CountryModel = Type.Array(OpenObject(), {
  description: 'Country-specific data (`country`: BR, MX, …); empty when none.',
});
const Owners = Nullable(Type.Array(Type.String(), { description: 'Holders.' }));

export const Portfolio = Type.Object(
  {
    name: Text(),
    type: Text(),
    currency: Text('ISO 4217.'),
    _id: Type.String(),
    refValores: Text('Number of the investment account at the entity.'),
    refAccount: Text('IBAN of the main cash account of the portfolio.'),
    refAccounts: Nullable(
      Type.Array(Type.String(), { description: 'IBANs of every cash account of the portfolio.' }),
    ),
    owners: Owners,
    balance: Money('Current valuation in `currency`.'),
    ...common,
    updated_at_timestamp: UpdatedAt,
  },
  { ...strict, $id: 'FlanksPortfolio', description: 'A Flanks portfolio.' },
);

const numbers = (names: readonly string[]) =>
  Type.Object(Object.fromEntries(names.map((name) => [name, Amount()])), strict);
const texts = (names: readonly string[]) =>
  Type.Object(Object.fromEntries(names.map((name) => [name, Text()])), strict);

/** Keys of the nested objects, as Flanks spells them. */
export const nestedKeys = {
  cnmv: [
    'isin',
    'gestora',
    'cif_gestora',
    'depositaria',
    'cif_depositaria',
    'num_registro_gestora',
    'num_registro_depositaria',
  ],
  dgs: ['gestora', 'cif_gestora'],
  performance_detail: ['MTD', 'QTD', 'HalfYear', 'YTD', 'Yearly', 'InitialToDate', 'InitialToDateYearly'],
  analytics: [
    'risk',
    'sharpe_ratio',
    'beta_ratio',
    'tracking_error_ratio',
    'volatility',
    'PER',
    'ROE',
    'PES',
    'EPS',
    'ROA',
  ],
  commission_detail: ['ITF', 'broker', 'canon', 'entity', 'fx'],
  expenses_detail: ['custody', 'financial', 'iva', 'liquidation'],
  retention_detail: ['destination', 'origin'],
  address: ['streetType', 'streetName', 'streetNumber', 'city', 'zipCode', 'state', 'country'],
  transfer: ['beneficiary', 'ibanBeneficiary', 'ibanOrdenant', 'ordenant'],
} as const;

type NumberObject<K extends readonly string[]> = { [P in K[number]]: number | null } | null;
type TextObject<K extends readonly string[]> = { [P in K[number]]: string | null } | null;
const numberObject = <K extends readonly string[]>(keys: K, description: string) =>
  Type.Unsafe<NumberObject<K>>(Nullable(Type.Object(numbers(keys).properties, { ...strict, description })));
const textObject = <K extends readonly string[]>(keys: K, description: string) =>
  Type.Unsafe<TextObject<K>>(Nullable(Type.Object(texts(keys).properties, { ...strict, description })));

export const Investment = Type.Object(
  {
    _id: Type.String(),
    external_id: common.external_id,
    name: Text(),
    isin: Text(),
    cusip: Text(),
    symbol: Text(),
    entity: common.entity,
    type: Text('VI, FI, F, PP, ETF, L, O, DV, BP, AEP, C, CFD (DEP: deposits).'),
    sybtype: Text('The subtype, as Flanks’ document spells the key; same as `subtype`.'),
    subtype: Text(),
    amount: Amount('Number of shares (or nominal when `is_nominal`).'),
    balance: Money('Valuation in `currency`.'),
    currency: Text('ISO 4217.'),
    portfolio_id: Text('The `_id` of its portfolio.'),
    detail: Nullable(OpenObject({ description: 'Public information about the product.' })),
    cost: Money('Cost at the time of purchase.'),
    is_nominal: Nullable(Type.Boolean()),
    cnmv: textObject(nestedKeys.cnmv, 'Funds registered with the CNMV.'),
    dgs: textObject(nestedKeys.dgs, 'Pension plans.'),
    initial_date: Day(),
    performance: Amount('Per unit (0.2 = 20%).'),
    performance_detail: numberObject(nestedKeys.performance_detail, 'Per unit.'),
    valuation_date: Day(),
    expiration_date: Day(),
    analytics: numberObject(nestedKeys.analytics, 'Ratios per unit.'),
    interest: Nullable(
      Type.Object({ rate: Amount('Percent.'), benchmark: Text('null: a fixed rate.') }, strict),
    ),
    market: Text('ISO 10383 MIC.'),
    operating_market: Text('ISO 10383 operating MIC.'),
    capital_gain: Money(),
    accrued_interest: Money(),
    price_ex_cupon: Money(),
    leverage: Amount(),
    country_model: CountryModel,
    placing_bank: Text(),
    updated_at_timestamp: UpdatedAt,
  },
  { ...strict, $id: 'FlanksInvestment', description: 'A Flanks investment (a holding).' },
);

const OriginGain = Type.Object({ date: Text('YYYY-MM-DD.'), value: Amount() }, strict);

export const InvestmentTransaction = Type.Object(
  {
    accountDest: Text(),
    accrued_interest: Money(),
    amount: Amount('Number of shares, signed.'),
    amountDest: Amount(),
    balance: Amount('Shares held after the transaction.'),
    commission: Money(),
    commissionDest: Money(),
    commission_detail: numberObject(nestedKeys.commission_detail, 'Commission breakdown.'),
    currency: Text('ISO 4217.'),
    currencyDest: Text(),
    description: Text(),
    entity: common.entity,
    exchange: Amount(),
    exchangeToPaymentCurrency: Amount(),
    exchangeToTransactionCurrency: Amount(),
    expenses: Money(),
    expenses_detail: numberObject(nestedKeys.expenses_detail, 'Expenses breakdown.'),
    external_id: common.external_id,
    investment_id: Text('The `_id` of its investment.'),
    isin: Text(),
    isinDest: Text(),
    leverage: Amount(),
    netCash: Money('Net cash of the transaction.'),
    netCashDest: Money(),
    operationDate: Day(),
    order_id: Text(),
    origin_gain: Nullable(OriginGain),
    origin_gain_detail: Nullable(Type.Array(OriginGain)),
    originalCurrency: Text(),
    pair_transaction_id: Text(),
    paymentCurrency: Text(),
    refAccountIBAN: Text(),
    refValos: Text(),
    referenceCurrency: Text(),
    retention: Money(),
    retention_detail: numberObject(nestedKeys.retention_detail, 'Retention breakdown.'),
    reversal_type: Text(),
    symb: Text('+ or -: the transaction adds or removes shares.'),
    symbDest: Text(),
    transaction_id: Text(),
    transactionCurrency: Text(),
    type: Text('Flanks’ standard type of the operation.'),
    unitPrice: Money(),
    unitPriceDest: Money(),
    valueDate: Day(),
    valueDateDest: Day(),
    _id: Type.String(),
    country_model: CountryModel,
  },
  { ...strict, $id: 'FlanksInvestmentTransaction', description: 'A Flanks investment transaction.' },
);

export const InvestmentDetail = Type.Object(
  { ...Investment.properties, transactions: Type.Array(InvestmentTransaction) },
  { ...strict, $id: 'FlanksInvestmentDetail', description: 'A Flanks investment with its transactions.' },
);

export const Account = Type.Object(
  {
    iban: Text(),
    entity: common.entity,
    alias: Text(),
    balance: Money(),
    currency: Text('ISO 4217.'),
    description: Text(),
    isOwner: Nullable(Type.Boolean({ description: 'The credentials’ owner owns the account.' })),
    numOwners: Nullable(Type.Integer({ description: 'Holders with the role Titular.' })),
    owners: Owners,
    _id: Type.String(),
    external_id: common.external_id,
    updated_at_timestamp: UpdatedAt,
  },
  { ...strict, $id: 'FlanksAccount', description: 'A Flanks cash account.' },
);

export const Transaction = Type.Object(
  {
    _id: Type.String(),
    external_id: common.external_id,
    entity: common.entity,
    account_id: Text('The IBAN of the cash account, or its `_id` when it has none.'),
    tesoro_account_id: Text('The `_id` of the cash account (Tesoro).'),
    amount: Money(),
    balance: Money('Balance after the transaction.'),
    cardNumber: Text('The (masked) card, for card movements.'),
    category: Text('The category the bank gave the movement.'),
    flanks_category: Text('Tesoro’s category of the movement.'),
    type: Text('Tesoro’s subcategory of the movement.'),
    currency: Text('ISO 4217.'),
    operationDate: Day(),
    valueDate: Day(),
    description: Text(),
    productDescription: Text(),
    transaction_id: Text(),
    transfer: textObject(nestedKeys.transfer, 'Payer and beneficiary of a transfer.'),
    norma43: Text('Norma 43 common concept code.'),
    order_id: Text(),
    pair_transaction_id: Text(),
  },
  { ...strict, $id: 'FlanksTransaction', description: 'A Flanks cash (account) transaction.' },
);

export const Liability = Type.Object(
  {
    name: Text(),
    type: Text('Credit, Loan or Confirming.'),
    balance: Money('Amount still to return.'),
    currency: Text('ISO 4217.'),
    availableBalance: Money('Credit not used.'),
    initialCapital: Money(),
    initialCapitalCurrency: Text(),
    openingDate: Day(),
    expirationDate: Day(),
    entity: common.entity,
    _id: Type.String(),
    external_id: common.external_id,
    limit: Money('Confirming: the maximum amount.'),
    periodicity: Text('daily, monthly, quarterly, annually, biannually.'),
    subtype: Text(),
    interest: Nullable(
      Type.Object(
        {
          rate: Amount('Percent.'),
          benchmark: Text(),
          spread: Text(),
          type: Text('fixed or variable.'),
        },
        strict,
      ),
    ),
    contractNumber: Text(),
    updated_at_timestamp: UpdatedAt,
    monthly_payment: Money('The instalment (Tesoro).'),
  },
  { ...strict, $id: 'FlanksLiability', description: 'A Flanks liability (loan, credit, confirming).' },
);

export const LiabilityTransaction = Type.Object(
  {
    amount: Money(),
    currencyAmount: Text(),
    balance: Money('Pending balance after the transaction.'),
    currencyBalance: Text(),
    description: Text(),
    operationDate: Day(),
    valueDate: Day(),
    liability_id: Text('The `_id` of its liability.'),
    credit_account: Text(),
    interest: Money(),
    commission: Money(),
    external_id: common.external_id,
    _id: Type.String(),
    type: Text(),
    entity: common.entity,
    transaction_id: Text(),
    pair_transaction_id: Text(),
    order_id: Text(),
    principal: Money('Principal repaid (Tesoro).'),
  },
  {
    ...strict,
    $id: 'FlanksLiabilityTransaction',
    description: 'A Flanks liability transaction (instalment).',
  },
);

export const MifidAnswer = Type.Object(
  {
    _id: Nullable(Type.Integer({ description: 'The question number.' })),
    question: Text(),
    answer: Type.Array(Type.String(), { description: 'Can be an empty list.' }),
  },
  { ...strict, $id: 'FlanksMifidAnswer', description: 'A Flanks MiFID question and its answers.' },
);

export const Identity = Type.Object(
  {
    _id: Type.String({ description: 'Same as the credentials token.' }),
    name: Text(),
    fullName: Text(),
    surname1: Text(),
    surname2: Text(),
    birthDate: Day(),
    address: textObject(nestedKeys.address, 'Postal address (`country`: ISO 3166).'),
    contactInfo: Nullable(
      Type.Array(Type.Object({ type: Text('phone or email.'), value: Text() }, strict), {
        description: 'Emails and phones.',
      }),
    ),
    identityDocument: Text(),
    gender: Text('male or female.'),
    occupation: Text(),
    sector: Text(),
  },
  { ...strict, $id: 'FlanksIdentity', description: 'Flanks’ identity of the credentials’ owner.' },
);

export const Card = Type.Object(
  {
    _id: Type.String(),
    external_id: common.external_id,
    product: Text(),
    contractNumber: Text(),
    pan: Text('Only the last four digits unmasked (`************1234`).'),
    emissionDate: Day(),
    expirationDate: Day(),
    availableBalance: Money('Credit not used.'),
    cardType: Text('credit or debit.'),
    entity: common.entity,
    updated_at_timestamp: UpdatedAt,
    credit_limit: Money('Tesoro.'),
    currency: Text('ISO 4217 (Tesoro).'),
    account_iban: Text('The account the card charges (Tesoro).'),
  },
  { ...strict, $id: 'FlanksCard', description: 'A Flanks card.' },
);

export const CardTransaction = Type.Object(
  {
    _id: Type.String(),
    card_id: Text('The `_id` of its card.'),
    operationDate: Day(),
    valueDate: Day(),
    amount: Money(),
    commission: Money(),
    currency: Text('ISO 4217.'),
    shop: Text(),
    category: Text('The category the bank gave the movement.'),
    external_id: common.external_id,
    entity: common.entity,
  },
  { ...strict, $id: 'FlanksCardTransaction', description: 'A Flanks card transaction.' },
);

export const Holder = Type.Object(
  {
    _id: Type.String(),
    product_name: Text(),
    name: Text(),
    rel: Text('The holder’s relation to the product.'),
    product_id: Text('The `_id` of an account, card, portfolio or liability.'),
    external_id: common.external_id,
  },
  { ...strict, $id: 'FlanksHolder', description: 'A Flanks holder of a product.' },
);

/** Each product's record, as its endpoint answers it. */
export const recordSchemas = {
  portfolio: Portfolio,
  investment: Investment,
  investment_transaction: InvestmentTransaction,
  account: Account,
  transaction: Transaction,
  liability: Liability,
  liability_transaction: LiabilityTransaction,
  mifid: MifidAnswer,
  auth: Identity,
  card: Card,
  card_transaction: CardTransaction,
  holder: Holder,
} as const;

export type FlanksRecords = { [P in FlanksProduct]: Static<(typeof recordSchemas)[P]> };

export const flanksRecordSchemas: Record<FlanksProduct, TSchema> = recordSchemas;

// ---- ALL DATA

const withTransactions = <T extends TSchema & { properties: Record<string, TSchema> }>(
  record: T,
  movement: TSchema,
  $id: string,
  description: string,
) =>
  Type.Object({ ...record.properties, transaction: Type.Array(movement) }, { ...strict, $id, description });

const InvestmentWithTransactions = withTransactions(
  Investment,
  InvestmentTransaction,
  'FlanksAllInvestment',
  'A Flanks investment with its transactions (ALL DATA).',
);
const investments = (description: string) => Type.Array(InvestmentWithTransactions, { description });

export const AllData = Type.Object(
  {
    cards: Type.Array(
      withTransactions(
        Card,
        CardTransaction,
        'FlanksAllCard',
        'A Flanks card with its transactions (ALL DATA).',
      ),
    ),
    accounts: Type.Array(
      withTransactions(
        Account,
        Transaction,
        'FlanksAllAccount',
        'A Flanks cash account with its transactions (ALL DATA).',
      ),
    ),
    portfolios: Type.Array(Portfolio),
    fixedIncome: investments('Investments of type FI.'),
    funds: investments('Investments of type F.'),
    liabilities: Type.Array(
      withTransactions(
        Liability,
        LiabilityTransaction,
        'FlanksAllLiability',
        'A Flanks liability with its transactions (ALL DATA).',
      ),
    ),
    pensionPlans: investments('Investments of type PP.'),
    stocks: investments('Investments of type VI.'),
    etfs: investments('Investments of type ETF.'),
    deposits: Type.Array(InvestmentWithTransactions, {
      maxItems: 0,
      description: 'Always empty: deposits are under `bankProducts`, as Flanks does.',
    }),
    others: investments('Investments of type O.'),
    identity: Type.Array(Identity),
    liquidity: investments('Investments of type L.'),
    cryptoCurrencies: investments('Investments of type C.'),
    contractForDifferences: investments('Investments of type CFD.'),
    derivatives: investments('Investments of type DV.'),
    bankProducts: investments('Investments of type BP, and deposits.'),
    alternativeEmergingProducts: investments('Investments of type AEP.'),
  },
  {
    ...strict,
    $id: 'FlanksAllData',
    description:
      'Flanks’ ALL DATA: every product of the credentials, whatever their status (read the status to tell an empty list from one still being extracted).',
  },
);

export type FlanksStatus = Static<typeof CredentialsStatus>;
