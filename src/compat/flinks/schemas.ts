// TypeBox schemas of Flinks' answers (https://docs.flinks.com), in Flinks' own PascalCase: the
// envelope every answer carries (`HttpStatusCode`, `Links`, `RequestId`, errors' `FlinksCode` and
// `Message`), the login, the accounts of /GetAccountsDetail and /GetAccountsSummary, the
// investment accounts of /Investments, the institutions. Answers are strict (additionalProperties
// false) where Flinks' shape is known; their descriptions feed the facade's OpenAPI document.
import { type Static, type TSchema, Type } from 'typebox';
import { Nullable, StringEnum } from '../../api/common.schemas.ts';

const strict = { additionalProperties: false } as const;

const Text = (description?: string) => Nullable(Type.String(description ? { description } : {}));
const Money = (description?: string) => Nullable(Type.Number(description ? { description } : {}));

/** Flinks identifies logins, sessions, accounts and transactions by GUIDs (lower case here). */
const Guid = (description: string) => Type.String({ format: 'uuid', description });

const RequestId = Guid('The session opened by /Authorize: send it to every data call of the session.');

// ---- envelope

export const FlinksLink = Type.Object(
  {
    rel: Type.String({
      description: 'What the linked endpoint gives (`AccountsDetail`, `InvestmentsDetail`, …).',
    }),
    href: Type.String({ description: 'The endpoint, relative to /BankingServices (`/GetAccountsDetail`).' }),
    example: Type.Null({ description: 'Always null.' }),
  },
  { ...strict, $id: 'FlinksLink', description: 'A Flinks link: an endpoint the caller may call next.' },
);
export type FlinksLink = Static<typeof FlinksLink>;

const Links = Type.Array(FlinksLink, { description: 'The endpoints the caller may call next.' });

export const FlinksError = Type.Object(
  {
    HttpStatusCode: Type.Integer({ description: 'The HTTP status of the answer.' }),
    FlinksCode: Type.String({
      description:
        'Flinks’ error code: `INVALID_REQUEST`, `SESSION_NONEXISTENT`, `INVALID_LOGIN`, `DISABLED_LOGIN`, `RETRY_LATER`, `ACCESS_DENIED`, `AGGREGATION_ERROR`, …',
    }),
    Message: Type.String({ description: 'What went wrong, in words.' }),
    Links: Type.Optional(Links),
    // Not a GUID pattern: an error may echo back whatever RequestId the caller sent.
    RequestId: Type.Optional(Type.String({ description: 'The session the request named, if any.' })),
  },
  { ...strict, $id: 'FlinksError', description: 'Flinks’ error body.' },
);
export type FlinksError = Static<typeof FlinksError>;

export const PendingResponse = Type.Object(
  {
    FlinksCode: StringEnum(['OPERATION_PENDING', 'OPERATION_DISPATCHED'] as const, {
      description:
        '`OPERATION_PENDING`: the data is still being processed, call the same endpoint again (every 10 seconds, for at most 30 minutes); `OPERATION_DISPATCHED`: the job went to a background process, poll the Async endpoint.',
    }),
    Links,
    HttpStatusCode: Type.Literal(202),
    Message: Type.String({ description: '"Your operation is still processing".' }),
    RequestId,
  },
  {
    ...strict,
    $id: 'FlinksPendingResponse',
    description: 'Flinks’ 202: the data asked for is not ready yet. Every integration must handle it.',
  },
);
export type PendingResponse = Static<typeof PendingResponse>;

export const MessageResponse = Type.Object(
  {
    HttpStatusCode: Type.Integer({ description: 'The HTTP status of the answer.' }),
    Message: Type.String({ description: 'What was done, in words.' }),
  },
  {
    ...strict,
    $id: 'FlinksMessageResponse',
    description: 'Flinks’ answer of an action without data (/DeleteCard, /SetScheduledRefresh).',
  },
);
export type MessageResponse = Static<typeof MessageResponse>;

// ---- authorize

export const TokenResponse = Type.Object(
  {
    HttpStatusCode: Type.Literal(200),
    Token: Guid('The authorize token: send it once, as `flinks-auth-key`, to /Authorize within 30 minutes.'),
  },
  { ...strict, $id: 'FlinksTokenResponse', description: 'Flinks’ answer of /GenerateAuthorizeToken.' },
);
export type TokenResponse = Static<typeof TokenResponse>;

export const FlinksLogin = Type.Object(
  {
    Username: Text('The username the login was created with; null when it was not given through this API.'),
    IsScheduledRefresh: Type.Boolean({ description: 'true when the login is refreshed nightly by itself.' }),
    LastRefresh: Text(
      'When the data was last refreshed, UTC without a zone (`2020-09-23T17:26:19.7050856`); null before the first.',
    ),
    Type: Text('`Personal`.'),
    Id: Guid('The LoginId: keep it, it opens every later session of this login.'),
  },
  { ...strict, $id: 'FlinksLogin', description: 'A Flinks login: one end user’s access to one institution.' },
);
export type FlinksLogin = Static<typeof FlinksLogin>;

const InstitutionName = Type.String({
  description: 'The institution, by its Flinks name (`FlinksCapital`).',
});
const InstitutionNumber = Type.Integer({ description: 'The institution’s Flinks id (`14`).' });

const BankingAuthorize = Type.Object(
  {
    Links,
    HttpStatusCode: Type.Literal(200),
    Login: FlinksLogin,
    Institution: InstitutionName,
    InstitutionId: InstitutionNumber,
    InstitutionName: Type.String({ description: 'The institution’s name.' }),
    RequestId,
  },
  { ...strict, description: 'A session on a banking login: `Institution` is the institution’s name.' },
);

const InvestmentAuthorize = Type.Object(
  {
    Links,
    HttpStatusCode: Type.Literal(200),
    Login: FlinksLogin,
    Institution: Type.Object(
      { Id: InstitutionNumber, Name: InstitutionName },
      { ...strict, description: 'The institution (`{"Id": 999999999, "Name": "FlinksInvestment"}`).' },
    ),
    RequestId,
  },
  { ...strict, description: 'A session on an investment login: `Institution` is an object.' },
);

export const AuthorizeResponse = Type.Union([BankingAuthorize, InvestmentAuthorize], {
  $id: 'FlinksAuthorizeResponse',
  description:
    'Flinks’ 200 of /Authorize: a session (`RequestId`) on the login. Banking institutions answer `Institution` as a name with `InstitutionId` and `InstitutionName`, with links to the accounts; investment institutions answer `Institution` as `{Id, Name}`, with a link to /Investments.',
});
export type AuthorizeResponse = Static<typeof AuthorizeResponse>;

export const SecurityChallenge = Type.Object(
  {
    Type: StringEnum(['QuestionAndAnswer', 'Redirect'] as const, {
      description:
        '`QuestionAndAnswer`: answer `Prompt` in `SecurityResponses`; `Redirect` (Tesoro only): the end user must continue at `RedirectUrl`.',
    }),
    Prompt: Type.String({ description: 'The question, or the instruction, to show the end user.' }),
    // Flinks' multiple-choice challenges list their choices here; a real Flinks client reads the
    // key (nanopay's SecurityChallengeModel), so it is always sent, empty for the types Tesoro has.
    Iterables: Type.Optional(Type.Array(Type.String(), { description: 'The choices; empty here.' })),
    RedirectUrl: Type.Optional(
      Type.String({ description: 'Where the end user continues (Type `Redirect` only).' }),
    ),
  },
  {
    ...strict,
    $id: 'FlinksSecurityChallenge',
    description: 'One Flinks security challenge (MFA) the end user must answer.',
  },
);
export type FlinksSecurityChallenge = Static<typeof SecurityChallenge>;

export const ChallengeResponse = Type.Object(
  {
    Links,
    HttpStatusCode: Type.Literal(203),
    SecurityChallenges: Type.Array(SecurityChallenge, { minItems: 1 }),
    Institution: InstitutionName,
    RequestId,
  },
  {
    ...strict,
    $id: 'FlinksChallengeResponse',
    description:
      'Flinks’ 203 of /Authorize: the institution asks a security challenge. Call /Authorize again with the `RequestId` and `SecurityResponses: {"<Prompt>": ["<answer>"]}`.',
  },
);
export type ChallengeResponse = Static<typeof ChallengeResponse>;

// ---- accounts

export const FlinksTransaction = Type.Object(
  {
    Date: Nullable(Type.String({ format: 'date', description: 'Day of the operation, `YYYY-MM-DD`.' })),
    Code: Text('The bank’s transaction code; always null here.'),
    Description: Text('The bank’s description of the transaction.'),
    Debit: Money('Money out (positive), or null for money in.'),
    Credit: Money('Money in (positive), or null for money out.'),
    Balance: Money('Balance of the account after the transaction, when the bank gives it.'),
    Id: Guid('The transaction.'),
  },
  { ...strict, $id: 'FlinksTransaction', description: 'A posted Flinks transaction.' },
);
export type FlinksTransaction = Static<typeof FlinksTransaction>;

export const FlinksBalance = Type.Object(
  {
    Available: Money('What can be spent now.'),
    Current: Money('The booked balance (for a credit card: what is owed).'),
    Limit: Money('The credit limit, for a credit card.'),
  },
  { ...strict, $id: 'FlinksBalance', description: 'A Flinks account balance.' },
);
export type FlinksBalance = Static<typeof FlinksBalance>;

export const FlinksHolder = Type.Object(
  {
    Name: Text('Full name, upper case.'),
    Address: Type.Object(
      {
        CivicAddress: Text('Street and number.'),
        City: Text(),
        Province: Text('Province or region.'),
        PostalCode: Text(),
        POBox: Text(),
        Country: Text(),
      },
      { ...strict, description: 'Postal address.' },
    ),
    Email: Text(),
    PhoneNumber: Text(),
  },
  { ...strict, $id: 'FlinksHolder', description: 'The holder of a Flinks account (KYC).' },
);
export type FlinksHolder = Static<typeof FlinksHolder>;

// What Tesoro emits; Flinks also documents TFSA and RRSP (Canadian registered accounts), which no
// native account is.
const AccountType = StringEnum(['Chequing', 'Savings', 'CreditCard', 'Unknown'] as const, {
  description: '`Chequing`, `Savings`, `CreditCard` or `Unknown`.',
});
const AccountCategory = StringEnum(['Operations', 'Credits', 'Products', 'Others'] as const, {
  description: '`Operations` (everyday banking), `Credits` (credit cards, loans), `Products`, `Others`.',
});

const accountFields = {
  TransitNumber: Text('Canadian branch transit number; null (not applicable to the institution).'),
  InstitutionNumber: Text('Canadian institution number; null (not applicable to the institution).'),
  OverdraftLimit: Money('Overdraft limit; null when unknown.'),
  Title: Text('Name of the account.'),
  AccountNumber: Text(
    'The account number (IBAN), in full with `WithAccountIdentity`, else with only its last four digits shown; a card’s masked number.',
  ),
  Balance: FlinksBalance,
  Category: AccountCategory,
  Type: AccountType,
  Currency: Text('ISO 4217, upper case.'),
};

export const FlinksAccount = Type.Object(
  {
    Transactions: Type.Optional(
      Type.Array(FlinksTransaction, { description: 'Posted transactions, newest first.' }),
    ),
    ...accountFields,
    Holder: Type.Optional(Nullable(FlinksHolder)),
    Id: Guid('The account.'),
  },
  { ...strict, $id: 'FlinksAccount', description: 'A Flinks account, with its transactions and holder.' },
);
export type FlinksAccount = Static<typeof FlinksAccount>;

export const FlinksAccountSummary = Type.Object(
  { ...accountFields, Id: Guid('The account.') },
  {
    ...strict,
    $id: 'FlinksAccountSummary',
    description: 'A Flinks account, without transactions or holder.',
  },
);
export type FlinksAccountSummary = Static<typeof FlinksAccountSummary>;

/** The 200 of the account endpoints: the login's accounts in one of the two shapes. */
const accountsResponse = (account: TSchema, $id: string, description: string) =>
  Type.Object(
    {
      HttpStatusCode: Type.Literal(200),
      Accounts: Type.Array(account),
      Login: FlinksLogin,
      Institution: InstitutionName,
      RequestId,
    },
    { ...strict, $id, description },
  );

export const AccountsDetailResponse = accountsResponse(
  FlinksAccount,
  'FlinksAccountsDetailResponse',
  'Flinks’ 200 of /GetAccountsDetail and /GetAccountsDetailAsync: every account of the login.',
);
export type AccountsDetailResponse = Static<typeof AccountsDetailResponse>;

export const AccountsSummaryResponse = accountsResponse(
  FlinksAccountSummary,
  'FlinksAccountsSummaryResponse',
  'Flinks’ 200 of /GetAccountsSummary and /GetAccountsSummaryAsync: the accounts and balances.',
);
export type AccountsSummaryResponse = Static<typeof AccountsSummaryResponse>;

// ---- investments
//
// Flinks documents the investment account's own fields; the names of its `Positions`,
// `Transactions` and `Security` fields could not be read from Flinks' public reference, so those
// three objects are inferred: the names a Flinks client would most likely read, each filled from
// the native field of the same meaning.

export const FlinksSecurity = Type.Object(
  {
    Symbol: Text('Market symbol.'),
    Name: Text('Name of the security.'),
    CUSIP: Text(),
    ISIN: Text(),
    Type: Text('Kind of security, as the institution classifies it.'),
  },
  { ...strict, $id: 'FlinksSecurity', description: 'A security (inferred field names).' },
);
export type FlinksSecurity = Static<typeof FlinksSecurity>;

export const FlinksPosition = Type.Object(
  {
    Quantity: Money('Units held.'),
    MarketValue: Money('Current valuation, in `Currency`.'),
    BookValue: Money('What the units cost.'),
    Currency: Text('ISO 4217.'),
    Security: FlinksSecurity,
    Id: Guid('The position.'),
  },
  {
    ...strict,
    $id: 'FlinksPosition',
    description: 'A position of an investment account (inferred field names).',
  },
);
export type FlinksPosition = Static<typeof FlinksPosition>;

export const FlinksInvestmentTransaction = Type.Object(
  {
    Date: Nullable(Type.String({ format: 'date', description: 'Day the operation was ordered.' })),
    SettlementDate: Nullable(Type.String({ format: 'date', description: 'Day it settled.' })),
    Type: Text('Kind of operation, as the institution codes it.'),
    Description: Text(),
    Quantity: Money('Units: positive when they increase the position, negative when they decrease it.'),
    Price: Money('Price of one unit.'),
    NetAmount: Money('Net cash of the operation (negative: paid).'),
    Commission: Money(),
    Currency: Text('ISO 4217; every amount of the transaction is in it.'),
    Security: FlinksSecurity,
    Id: Guid('The transaction.'),
  },
  {
    ...strict,
    $id: 'FlinksInvestmentTransaction',
    description: 'A transaction of an investment account (inferred field names).',
  },
);
export type FlinksInvestmentTransaction = Static<typeof FlinksInvestmentTransaction>;

export const investmentAccountTypes = [
  'cash',
  'chequing',
  'tfsa',
  'rrsp',
  'fhsa',
  'resp',
  'rdsp',
  'margin',
  'short',
  'long',
  'lira',
  'lrsp',
  'rlsp',
  'rrif',
  'lif',
  'lrif',
  'prif',
  'rpp',
  'ipp',
  'dpsp',
  'spp',
  'ndcp',
  'nrsp',
  'epsp',
  'espp',
  'esop',
  'vrsp',
  'unknown',
] as const;

export const investmentCurrencies = [
  'aud',
  'btc',
  'cad',
  'chf',
  'cny',
  'dkk',
  'eur',
  'gbp',
  'hkd',
  'inr',
  'jpy',
  'mxn',
  'nok',
  'nzd',
  'sek',
  'sgd',
  'twd',
  'usd',
  'vnd',
] as const;

export const FlinksInvestmentAccount = Type.Object(
  {
    Id: Guid('The investment account.'),
    FullAccountId: Type.String({ description: 'Name of the account, account id and currency.' }),
    AccountId: Text('The account id at the institution.'),
    Name: Text('Name of the account.'),
    Type: StringEnum(investmentAccountTypes, {
      description: 'Flinks’ account type (Canadian registered plans); `unknown` when none applies.',
    }),
    Registered: Type.Boolean({ description: 'true for a registered (pension) plan.' }),
    Currency: Nullable(
      StringEnum(investmentCurrencies, {
        description: 'Currency, lower case; null when it is none of Flinks’ list.',
      }),
    ),
    Cash: Type.Number({ description: 'Cash held in the account.' }),
    AccountValue: Money('Value of the account: its positions and its cash.'),
    CurrencyValue: Money('Value of the account in its currency.'),
    Positions: Type.Array(FlinksPosition),
    Transactions: Type.Array(FlinksInvestmentTransaction),
  },
  { ...strict, $id: 'FlinksInvestmentAccount', description: 'A Flinks investment account.' },
);
export type FlinksInvestmentAccount = Static<typeof FlinksInvestmentAccount>;

export const InvestmentsResponse = Type.Object(
  {
    HttpStatusCode: Type.Literal(200),
    Institution: Type.Object(
      {
        Name: InstitutionName,
        // Flinks' response-fields page types this Id as a string (its /Authorize shows a number).
        Id: Type.String({ description: 'The institution’s Flinks id, as text (`"999999999"`).' }),
        Accounts: Type.Array(FlinksInvestmentAccount),
      },
      { ...strict, description: 'The institution and its investment accounts.' },
    ),
    Login: FlinksLogin,
    RequestId,
  },
  {
    ...strict,
    $id: 'FlinksInvestmentsResponse',
    description:
      'Flinks’ 200 of /Investments: every investment account of the login, positions and transactions.',
  },
);
export type InvestmentsResponse = Static<typeof InvestmentsResponse>;

// ---- institutions

export const FlinksInstitution = Type.Object(
  {
    Id: InstitutionNumber,
    Name: Type.String({ description: 'The institution’s Flinks name: /Authorize’s `Institution`.' }),
  },
  { ...strict, $id: 'FlinksInstitution', description: 'An institution Flinks can connect to.' },
);
export type FlinksInstitution = Static<typeof FlinksInstitution>;

// Flinks' reference lists GET /Institutions without printing its body, and no client seen reads
// it. Chosen: the list under `Institutions`, beside `HttpStatusCode` as in every other Flinks
// answer (a bare array would be the only answer without it). Inferred; change it here if Flinks'
// real shape turns up.
export const InstitutionsResponse = Type.Object(
  {
    HttpStatusCode: Type.Literal(200),
    Institutions: Type.Array(FlinksInstitution),
  },
  {
    ...strict,
    $id: 'FlinksInstitutionsResponse',
    description: 'Flinks’ list of institutions (GET /Institutions).',
  },
);
export type InstitutionsResponse = Static<typeof InstitutionsResponse>;
