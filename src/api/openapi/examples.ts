// The examples of the OpenAPI document, drawn from the sandbox: a client whose end user user-8412
// connected Banco Sandbox (ins_sandbox_bank) as user_good / pass_good, then Sandbox Valores, one
// with user_otp, registered a webhook endpoint, opened a Connect session and imported a CSV. The
// ids are the ones the code makes (domain/ids.ts, store/record-rows.ts), the messages the ones it
// writes. Each is the `examples` of its schema; test/openapi.test.ts validates every one of them.
import { sandboxInstitutions } from '../../connectors/sandbox/institutions.ts';
import { encodeCursor } from '../../store/keyset.ts';
import { exampleIds, recordExamples } from './record-examples.ts';

const { connection: connectionId, externalId } = exampleIds;

// ---- connections

/** Every product of Banco Sandbox, extracted once; `created: false` everywhere before that. */
const bankProducts = sandboxInstitutions.find(
  (institution) => institution.id === 'ins_sandbox_bank',
)!.products;
const counts: Record<string, number> = {
  accounts: 3,
  transactions: 420,
  cards: 2,
  card_transactions: 150,
  liabilities: 2,
  liability_transactions: 38,
  identity: 1,
  holders: 9,
};
const productStatus = (extracted: boolean) =>
  Object.fromEntries(
    bankProducts.map((p) => [
      p,
      { created: extracted, errored: false, error: null, count: extracted ? counts[p]! : 0 },
    ]),
  );

export const challengeExample = {
  id: 'chl_i4p2l3spu3ag15hf',
  type: 'otp',
  prompt: 'Enter the 6-digit code we sent to your phone ending in 42.',
  fields: [{ name: 'code', label: 'Code', type: 'otp', required: true, validation: '^\\d{6}$' }],
  redirect_url: null,
  attempts_left: 3,
  expires_at: '2026-12-03T08:31:04.448Z',
};

export const refreshExample = {
  id: 'ref_c9761x6pz5ny6ora',
  connection_id: connectionId,
  trigger: 'initial',
  status: 'succeeded',
  added: 625,
  modified: 0,
  removed: 0,
  error_code: null,
  error_detail: null,
  created_at: '2026-12-03T08:26:03.427Z',
  started_at: '2026-12-03T08:26:03.553Z',
  logged_in_at: '2026-12-03T08:26:03.558Z',
  finished_at: '2026-12-03T08:26:03.919Z',
  duration_ms: 366,
};

/** POST /v1/connections/{id}/refresh, PUT …/credentials: the refresh just queued. */
export const queuedRefreshExample = {
  ...refreshExample,
  id: 'ref_1gsmeiv2ftqdc3jd',
  trigger: 'manual',
  status: 'queued',
  added: 0,
  created_at: '2026-12-04T09:12:40.261Z',
  started_at: null,
  logged_in_at: null,
  finished_at: null,
  duration_ms: null,
};

const pendingStatus = {
  from: null,
  to: 'pending',
  detail: 'The first extraction is running.',
  at: '2026-12-03T08:26:03.427Z',
};

export const connectionExample = {
  id: connectionId,
  institution_id: 'ins_sandbox_bank',
  access_mode: 'recurrent',
  refresh_interval: '24h',
  products: bankProducts,
  history_days: 730,
  external_id: externalId,
  status: 'ok',
  status_detail: 'The connection works and its data is up to date.',
  needs_user: false,
  scheduled_refresh: true,
  consent_expires_at: null,
  product_status: productStatus(true),
  challenge: null,
  refresh: null,
  has_credentials: true,
  last_refresh_at: '2026-12-03T08:26:03.892Z',
  next_refresh_at: '2026-12-04T08:26:03.892Z',
  last_transaction_date: '2026-12-01',
  status_history: [
    pendingStatus,
    {
      from: 'pending',
      to: 'ok',
      detail: 'The connection works and its data is up to date.',
      at: '2026-12-03T08:26:03.890Z',
    },
  ],
  created_at: '2026-12-03T08:26:03.427Z',
  updated_at: '2026-12-03T08:26:03.892Z',
};

/** POST /v1/connections: answered at once, the first extraction queued. */
export const createdConnectionExample = {
  ...connectionExample,
  status: 'pending',
  status_detail: 'The first extraction is running.',
  product_status: productStatus(false),
  refresh: { ...refreshExample, status: 'queued', added: 0, ...notStarted() },
  last_refresh_at: null,
  next_refresh_at: null,
  last_transaction_date: null,
  status_history: [pendingStatus],
  updated_at: '2026-12-03T08:26:03.427Z',
};

function notStarted() {
  return { started_at: null, logged_in_at: null, finished_at: null, duration_ms: null };
}

/** user_otp: the first login waits for the code the end user was sent. */
export const challengedConnectionExample = {
  ...createdConnectionExample,
  id: 'con_gmmjfhybkq64q4bg',
  external_id: null,
  status: 'challenge_required',
  status_detail:
    'The institution needs the end user to complete a verification step. Enter the 6-digit code we sent to your phone ending in 42.',
  needs_user: true,
  challenge: challengeExample,
  refresh: {
    ...refreshExample,
    id: 'ref_4ky3k9cjyusfg6or',
    connection_id: 'con_gmmjfhybkq64q4bg',
    status: 'waiting_user',
    added: 0,
    created_at: '2026-12-03T08:26:04.423Z',
    started_at: '2026-12-03T08:26:04.445Z',
    logged_in_at: null,
    finished_at: null,
    duration_ms: null,
  },
};

export const createConnectionRequestExample = {
  institution_id: 'ins_sandbox_bank',
  credentials: { username: 'user_good', password: 'pass_good' },
  access_mode: 'recurrent',
  refresh_interval: '24h',
  external_id: externalId,
};

export const updateConnectionRequestExample = { refresh_interval: '12h', history_days: 365, refresh: true };
export const updateCredentialsRequestExample = {
  credentials: { username: 'user_good', password: 'pass_good' },
};
export const challengeAnswerRequestExample = { answers: { code: '123456' } };
export const deletedConnectionsExample = { deleted: [connectionId, exampleIds.brokerConnection] };

// ---- institutions

export const institutionExample = {
  id: 'ins_sandbox_bank',
  name: 'Banco Sandbox',
  country: 'ES',
  kind: 'bank',
  products: bankProducts,
  fields: [
    {
      name: 'username',
      label: 'Username',
      type: 'text',
      required: true,
      validation: '^[A-Za-z0-9_.@-]{3,64}$',
      placeholder: 'user_good',
      options: null,
    },
    {
      name: 'password',
      label: 'Password',
      type: 'password',
      required: true,
      validation: '^.{1,128}$',
      placeholder: null,
      options: null,
    },
  ],
  mfa: ['otp', 'question', 'decoupled'],
  always_manual_refresh: false,
  description:
    'A Spanish retail bank: current and savings accounts (one joint), debit and credit cards, a mortgage and a personal loan. Sandbox: password pass_good with user_good (about 2 years of history), user_otp (code 123456), user_question (answer tesoro), user_locked, user_down. Any other password fails with invalid credentials.',
  cif: null,
  url: null,
  primary_color: '#0b5cab',
  logo_url: null,
  max_consent_days: null,
  connector: 'sandbox',
};

const ENABLE_BANKING_VARIABLES = [
  'TESORO_ENABLE_BANKING_APP_ID',
  'TESORO_ENABLE_BANKING_PRIVATE_KEY',
  'TESORO_ENABLE_BANKING_PRIVATE_KEY_FILE',
  'TESORO_ENABLE_BANKING_API_URL',
  'TESORO_ENABLE_BANKING_COUNTRIES',
  'TESORO_ENABLE_BANKING_CONSENT_DAYS',
];

export const connectorListExample = {
  data: [
    { id: 'sandbox', available: true, institutions: 7 },
    { id: 'files', available: true, institutions: 0 },
    {
      id: 'enable_banking',
      available: false,
      institutions: 0,
      variables: ENABLE_BANKING_VARIABLES,
      reason: `Not configured: its settings are ${ENABLE_BANKING_VARIABLES.join(', ')}.`,
    },
  ],
};

// ---- data

export const balanceExample = {
  account_id: exampleIds.account,
  connection_id: connectionId,
  date: '2026-12-03',
  balance: 22737.84,
  available_balance: 22737.84,
  currency: 'EUR',
};

export const removedTransactionExample = {
  transaction_id: 'txn_3ol2x8kq0v6pmd1c7ehr',
  account_id: exampleIds.account,
};

export const syncExample = {
  added: [recordExamples.transactions],
  modified: [],
  removed: [removedTransactionExample],
  next_cursor: 'eyJzIjowLCJwIjo0LCJoIjo2MjV9',
  has_more: true,
};

export const manualTransactionsRequestExample = {
  transactions: [
    {
      external_id: 'pos-2026-1204-0007',
      operation_date: '2026-12-04',
      amount: '-42.50',
      currency: 'EUR',
      description: 'Mercado de Triana',
      category: 'groceries',
    },
  ],
};

export const manualTransactionExample = {
  ...recordExamples.transactions,
  id: 'txn_q4m1c9w0d2s7xk5ve8ta',
  amount: -42.5,
  balance: null,
  operation_date: '2026-12-04',
  value_date: null,
  description: 'Mercado de Triana',
  product_description: null,
  counterparty: null,
  category: 'groceries',
  subcategory: null,
  bank_category: null,
  norma43: null,
  transaction_id: null,
  transfer: null,
  manual: true,
  manual_external_id: 'pos-2026-1204-0007',
  first_seen_at: '2026-12-04T10:02:11.215Z',
  updated_at: '2026-12-04T10:02:11.215Z',
};

/** GET /v1/connections/{id}/all, shortened to one record of each kind it groups. */
export const connectionDataExample = {
  connection_id: connectionId,
  external_id: externalId,
  product_status: productStatus(true),
  accounts: [
    {
      ...recordExamples.accounts,
      holders: [recordExamples.holders],
      transactions: [recordExamples.transactions],
    },
  ],
  cards: [{ ...recordExamples.cards, holders: [], transactions: [recordExamples.card_transactions] }],
  portfolios: [],
  liabilities: [
    { ...recordExamples.liabilities, holders: [], transactions: [recordExamples.liability_transactions] },
  ],
  funds: [],
  stocks: [],
  identity: [recordExamples.identity],
  mifid_answers: [],
};

// ---- webhooks

export const webhookEndpointExample = {
  id: 'whe_uj0ubswkg9s7nnl9',
  url: 'https://app.example.com/webhooks/tesoro',
  description: 'Production receiver',
  events: ['connection.updated', 'refresh.failed'],
  format: 'tesoro',
  enabled: true,
  disabled_reason: null,
  created_at: '2026-12-03T08:26:04.513Z',
  updated_at: '2026-12-03T08:26:04.513Z',
};

export const webhookEndpointSecretExample = {
  ...webhookEndpointExample,
  secret: 'whsec_wwXkn92yb/t1INY31U/PoSIn1F/fZNJcfLVe2cLFe+M=',
};

export const rotatedWebhookEndpointExample = {
  ...webhookEndpointSecretExample,
  updated_at: '2026-12-03T08:26:04.526Z',
  secret: 'whsec_7HY7BHjQNro2QqKeqCeC7nB/P4WiCaBN6Bv70QM6Exw=',
  previous_secret_expires_at: '2026-12-04T08:26:04.526Z',
};

export const createWebhookEndpointRequestExample = {
  url: 'https://app.example.com/webhooks/tesoro',
  events: ['connection.updated', 'refresh.failed'],
  description: 'Production receiver',
};

export const updateWebhookEndpointRequestExample = { events: null, enabled: true };

export const eventExample = {
  id: 'evt_6i7uwdw0mpmp7oix',
  type: 'connection.updated',
  created_at: '2026-12-04T08:26:04.601Z',
  data: {
    connection_id: connectionId,
    external_id: externalId,
    refresh_id: 'ref_8d2kq0v5s1mx7c3b',
    added: 3,
    modified: 1,
    removed: 0,
    sync_cursor: 'eyJzIjo2MjUsInAiOjYyNSwiaCI6bnVsbH0',
  },
};

export const testEventExample = {
  id: 'evt_psgd52j4phqzvp7t',
  type: 'webhook.test',
  created_at: '2026-12-03T08:26:04.546Z',
  data: { endpoint_id: webhookEndpointExample.id, message: 'A test event from Tesoro.' },
};

export const deliveryExample = {
  id: 'dlv_fwcn9u2fwh2o4akp',
  event_id: eventExample.id,
  event_type: eventExample.type,
  endpoint_id: webhookEndpointExample.id,
  status: 'succeeded',
  attempt_count: 2,
  next_attempt_at: null,
  attempts: [
    {
      at: '2026-12-04T08:26:04.702Z',
      status_code: 503,
      latency_ms: 212,
      response_body: 'Service Unavailable',
      error: null,
    },
    { at: '2026-12-04T08:26:35.118Z', status_code: 200, latency_ms: 87, response_body: 'ok', error: null },
  ],
  created_at: '2026-12-04T08:26:04.601Z',
};

export const resendRequestExample = { endpoint_id: webhookEndpointExample.id };
export const resentExample = { event_id: eventExample.id, endpoint_ids: [webhookEndpointExample.id] };

// ---- sandbox tools

export const sandboxStatusRequestExample = { status: 'credentials_invalid' };
export const sandboxWebhookRequestExample = { type: 'connection.updated' };
export const sandboxFiredExample = { event_id: eventExample.id, type: 'connection.updated' };

export const resetConnectionExample = {
  ...connectionExample,
  status: 'credentials_invalid',
  status_detail: 'The institution rejected the username or password; update the credentials.',
  needs_user: true,
  next_refresh_at: null,
  status_history: [
    ...connectionExample.status_history,
    {
      from: 'ok',
      to: 'credentials_invalid',
      detail: 'The institution rejected the username or password; update the credentials.',
      at: '2026-12-03T08:26:04.585Z',
    },
  ],
  updated_at: '2026-12-03T08:26:04.587Z',
};

// ---- hosted Connect, the developer's side

const redirectUri = 'https://app.example.com/connect/callback';

export const redirectUrisExample = { redirect_uris: [redirectUri] };

export const connectSessionRequestExample = {
  redirect_uri: redirectUri,
  state: 'c2f9a1',
  external_id: externalId,
  institution_ids: ['ins_sandbox_bank'],
  language: 'en',
};

export const connectSessionExample = {
  id: 'cs_0j7j24s46cr8t3qo',
  url: 'https://tesoro.example.com/connect/cs_0j7j24s46cr8t3qo#QPB6dC2IC_klkxoOq9tvxGYmrv9WMjcXcRRuxfsB7Eo',
  expires_at: '2026-12-03T08:56:04.578Z',
};

const connectCode = 'ccd_6xc5I9szDm3YDNevdktyEZLUtfi6t9TmUrFZ2j91DsU';

export const exchangeRequestExample = { code: connectCode };

export const exchangedExample = {
  connection_id: connectionId,
  external_id: externalId,
  institution_id: 'ins_sandbox_bank',
  extra: null,
};

export const connectCodesExample = {
  data: [
    {
      code: connectCode,
      session_id: connectSessionExample.id,
      connection_id: connectionId,
      extra: null,
      expires_at: '2026-12-03T08:39:58.043Z',
    },
  ],
};

// ---- statement imports

export const csvStatementExample =
  'Date,Description,Amount\n2026-03-02,Coffee Lab,-3.50\n2026-03-03,Salary ACME,2450.00\n';

/** MT940 (text/plain): one day of a statement. */
const mt940Example = [
  ':20:ST260310-1',
  ':25:GB29NWBK60161331926819',
  ':28C:00071/001',
  ':60F:C260309GBP12450,00',
  ':61:2603090310D1250,NMSCNONREF//PAY0001',
  ':86:RENT MARCH 2026 UNIT 4 HARBOUR ROAD',
  ':62F:C260310GBP11200,00',
  '-',
  '',
].join('\r\n');

/** OFX 1 (SGML): a checking account with one movement. */
const ofxExample = [
  'OFXHEADER:100',
  'DATA:OFXSGML',
  'VERSION:102',
  '',
  '<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>',
  '<CURDEF>USD',
  '<BANKACCTFROM><BANKID>021000021<ACCTID>4417220093<ACCTTYPE>CHECKING</BANKACCTFROM>',
  '<BANKTRANLIST>',
  '<STMTTRN><TRNTYPE>DIRECTDEP<DTPOSTED>20260302<TRNAMT>2310.45<FITID>202603020001<NAME>NORTHWIND TRADERS PAYROLL</STMTTRN>',
  '</BANKTRANLIST>',
  '<LEDGERBAL><BALAMT>3542.17<DTASOF>20260331</LEDGERBAL>',
  '</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>',
  '',
].join('\n');

/** camt.053 (XML): one booked entry. */
const camt053Example = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>',
  '<GrpHdr><MsgId>STMT-20260331-0001</MsgId><CreDtTm>2026-04-01T06:12:00+02:00</CreDtTm></GrpHdr>',
  '<Stmt><Id>DE89-2026-03</Id><CreDtTm>2026-04-01T06:12:00+02:00</CreDtTm>',
  '<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>',
  '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">9117.42</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-31</Dt></Dt></Bal>',
  '<Ntry><Amt Ccy="EUR">1250.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>',
  '<BookgDt><Dt>2026-03-02</Dt></BookgDt><ValDt><Dt>2026-03-02</Dt></ValDt>',
  '<AddtlNtryInf>Miete Ladenlokal März 2026</AddtlNtryInf></Ntry>',
  '</Stmt></BkToCstmrStmt></Document>',
  '',
].join('\n');

/** A statement file of each content type POST /v1/imports takes (the format is read from the content). */
export const statementExamples: Readonly<Record<string, string>> = {
  'application/octet-stream': csvStatementExample,
  'text/plain': mt940Example,
  'text/csv': csvStatementExample,
  'application/xml': camt053Example,
  'text/xml': camt053Example,
  'application/x-ofx': ofxExample,
  'application/vnd.intu.qfx': ofxExample,
  'application/vnd.ms-excel': csvStatementExample,
};

export const importExample = {
  id: 'imp_a2te6jig7sqmt4nq',
  status: 'completed',
  format: 'csv',
  connection_id: 'con_02ybema72dzuabcb',
  document_id: 'doc_sb897jf129cl24pl',
  summary: {
    format: 'csv',
    statements: 1,
    accounts: 1,
    transactions: 2,
    first_date: '2026-03-02',
    last_date: '2026-03-03',
    balances: [{ account: 'CSV', currency: 'EUR', opening: null, closing: null }],
    detected: {
      encoding: 'utf-8',
      format: 'csv',
      delimiter: ',',
      decimal: '.',
      date_order: 'ymd',
      header: true,
      columns: { date: 'Date', amount: 'Amount' },
    },
    added: 3,
    modified: 0,
    removed: 0,
    stored: { accounts: 1, transactions: 2 },
  },
  issues: [],
  created_at: '2026-12-03T08:26:04.644Z',
  finished_at: '2026-12-03T08:26:04.678Z',
};

/** `async=true` or a file over 2 MiB: answered at once, imported by a job. */
export const queuedImportExample = {
  id: 'imp_7v0kq3m9x2c5s8dl',
  status: 'processing',
  format: null,
  connection_id: null,
  document_id: 'doc_4n8c1x0w7q2m5k9s',
  summary: { size: 7340032 },
  issues: [],
  created_at: '2026-12-03T09:40:12.019Z',
  finished_at: null,
};

export const documentExample = {
  id: 'doc_sb897jf129cl24pl',
  connection_id: 'con_02ybema72dzuabcb',
  filename: 'statement.csv',
  content_type: 'text/csv',
  size: 83,
  sha256: '83be9a1ae941dff8e9d3a8539b546c033158f35da015f308d71c6d0f60773d29',
  created_at: '2026-12-03T08:26:04.644Z',
};

// ---- authentication and system

export const tokenRequestExample = {
  grant_type: 'client_credentials',
  client_id: 'cli_nbb8o8d6cnxymczq',
  client_secret: 'sec_9d1c0f6b5e8a4c2f7b3e1d0a6c9f8e2b',
  scope: 'connections:read connections:write data:read',
};

export const tokenExample = {
  access_token:
    'eyJhbGciOiJFUzI1NiIsImtpZCI6InNpZ18yMDI2MTIwM18wYzgxYjJlMzIwZTQiLCJ0eXAiOiJhdCtqd3QifQ.eyJzY29wZSI6ImNvbm5lY3Rpb25zOnJlYWQgY29ubmVjdGlvbnM6d3JpdGUgZGF0YTpyZWFkIiwiaXNzIjoiaHR0cHM6Ly90ZXNvcm8uZXhhbXBsZS5jb20iLCJhdWQiOiJ0ZXNvcm8tYXBpIiwic3ViIjoiY2xpX25iYjhvOGQ2Y254eW1jenEiLCJpYXQiOjE3OTYyODYzNjMsImV4cCI6MTc5NjI4OTk2M30.kBeLZQNp-bTvMECHQo0jND_0QNtVEhgN9_RwoLtqaa-5-gdTkYDj-lc5LcYbeJYYnAO-L0lhA_LiyNs4cRnfBQ',
  token_type: 'Bearer',
  expires_in: 3600,
  scope: 'connections:read connections:write data:read',
};

export const versionExample = {
  version: '0.1.0',
  commit: '1e3b28f71b685989a947ffe758933c0de090076c',
  node: 'v24.21.0',
  database: 'postgres',
  schema: '0019-balance-history',
};

export const jwksExample = {
  keys: [
    {
      kty: 'EC',
      crv: 'P-256',
      x: '8d3jqmtzTaum60w5L5R2S8X5-MVu3MM-dvEH6PdxOGw',
      y: 'OrO_ph_BBzNhG_r1OyXcTgBv31-XgL2xkomSWy8jWEQ',
      alg: 'ES256',
      kid: 'sig_20261203_0c81b2e320e4',
      use: 'sig',
    },
    {
      kty: 'RSA',
      e: 'AQAB',
      n: 'sh8Rs4w96RgqFIKMngsmtp88iCOrtdZ-CZcP53A7Rtxz5Tx51r1_67oxwfrtQ9LvjAHpcLJNZTAVEJHOyX0h-TeAYhCbGBmg8urjiKKv_m8VrmrYuv-mkJJjWfJfXO6PLeGcvO_MD-l2Phd5U1GrWAZfYCUnkPNMQ80AeUbvHXLpq6kD-Ld3Nxq7lUjl4CWJyu6gChs4s6xr-OaNVGTPfi59aCnQoWLfO4JuxvDPMLiEb4Xv2IIN5Q2k4_NP-qSu8QH_K5gjjuDcq4M8-FVXgX88jWQP8wllTEVM2HR-G01iuhG6Yu6eHoMbuJ6wX2JQp62K8X83AtUnk9tjr3G6OQ',
      alg: 'RSA-OAEP-256',
      kid: 'enc_20261203_a0b86b48af81',
      use: 'enc',
    },
  ],
};

export const metricsExample =
  '# HELP tesoro_refreshes_total Refreshes ended, by connector and outcome (succeeded, or the status a failure left the connection in)\n' +
  '# TYPE tesoro_refreshes_total counter\n' +
  'tesoro_refreshes_total{connector="sandbox",outcome="succeeded"} 42\n' +
  '# HELP tesoro_process_cpu_seconds_total Total user and system CPU time spent in seconds.\n' +
  '# TYPE tesoro_process_cpu_seconds_total counter\n' +
  'tesoro_process_cpu_seconds_total 5.327234\n';

/** A page of `items`, the envelope every list answers with; `nextKey`, the sort key it ends at. */
export function pageExample(items: readonly unknown[], nextKey?: readonly string[]) {
  return {
    data: items,
    has_more: nextKey !== undefined,
    next_cursor: nextKey ? encodeCursor(nextKey) : null,
  };
}
