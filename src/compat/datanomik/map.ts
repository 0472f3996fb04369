// Pure mappers: Tesoro's connections, records and events → Datanomik's links, accounts,
// transactions, owners, users, investments, balances, pages and webhook bodies (SPEC §4.3–§4.5).
// Nothing here reads the database: the routes gather the facts and these functions spell them
// the way Datanomik's clients read them (snake_case, positive amounts with the sign in `type`,
// upper-case enums, a 0-based page envelope).
import { createHash } from 'node:crypto';
import { taxonomy } from '../../domain/categories/taxonomy.ts';
import type { ConnectionStatus } from '../../domain/connection-status.ts';
import { guidOf } from '../shared/guid.ts';
import type { NativeRecord } from '../shared/records.ts';

// ---- identifiers

/**
 * A name-based UUID (version 8, RFC 9562 variant) of `namespace:name`: what Datanomik shows as the
 * id of things Tesoro names by text (an institution, a document shared by owners). Not
 * reversible: a lookup recomputes it over the candidates.
 */
export function nameUuid(namespace: string, name: string): string {
  const hex = createHash('sha256').update(`datanomik:${namespace}:${name}`).digest('hex').slice(0, 32);
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const guidOrNull = (id: unknown) => (typeof id === 'string' && id !== '' ? guidOf(id) : null);

// ---- values

/** Native money may be a number or a decimal string; Datanomik writes numbers. */
export function money(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

// ---- pages

export interface PageRequest {
  /** 0-based. */
  page: number;
  size: number;
}

export interface DatanomikPage<T> {
  content: T[];
  first: boolean;
  last: boolean;
  page_number: number;
  page_size: number;
  total_elements: number;
  total_pages: number;
}

/** Datanomik's page envelope around one page of `total` items. */
export function pageOf<T>(content: T[], request: PageRequest, total: number): DatanomikPage<T> {
  const totalPages = Math.ceil(total / request.size);
  return {
    content,
    first: request.page === 0,
    last: (request.page + 1) * request.size >= total,
    page_number: request.page,
    page_size: request.size,
    total_elements: total,
    total_pages: totalPages,
  };
}

/** One page of a list held whole in memory (lists the compat filters itself). */
export const slicePage = <T>(items: readonly T[], request: PageRequest): DatanomikPage<T> =>
  pageOf(items.slice(request.page * request.size, (request.page + 1) * request.size), request, items.length);

// ---- links

export type LinkStatus =
  | 'ACTIVE'
  | 'PROCESSING'
  | 'MFA_REQUIRED'
  | 'INVALID_CREDENTIALS'
  | 'USER_ACTION_REQUIRED'
  | 'INSTITUTION_ERROR'
  | 'EXPIRED'
  | 'DISABLED';

const statusOfNative: Readonly<Record<ConnectionStatus, LinkStatus>> = {
  pending: 'PROCESSING',
  ok: 'ACTIVE',
  challenge_required: 'MFA_REQUIRED',
  credentials_invalid: 'INVALID_CREDENTIALS',
  password_expired: 'INVALID_CREDENTIALS',
  locked: 'USER_ACTION_REQUIRED',
  action_needed: 'USER_ACTION_REQUIRED',
  institution_down: 'INSTITUTION_ERROR',
  rate_limited: 'INSTITUTION_ERROR',
  consent_expired: 'EXPIRED',
  disabled: 'DISABLED',
};

/**
 * A link's status. A working link whose refresh is queued or running is PROCESSING (its
 * information is being loaded again, as after PUT new credentials); otherwise the native status
 * in Datanomik's words.
 */
export function linkStatusOf(status: string, refreshInFlight: boolean): LinkStatus {
  const mapped = statusOfNative[status as ConnectionStatus] ?? 'INSTITUTION_ERROR';
  return mapped === 'ACTIVE' && refreshInFlight ? 'PROCESSING' : mapped;
}

/** The link status a native status stands for, ignoring refreshes (webhooks: status changes). */
export const plainLinkStatus = (status: string): LinkStatus => linkStatusOf(status, false);

/** The native statuses a Datanomik status filter names. */
export function nativeStatusesOf(status: LinkStatus): ConnectionStatus[] {
  return (Object.entries(statusOfNative) as Array<[ConnectionStatus, LinkStatus]>)
    .filter(([, mapped]) => mapped === status)
    .map(([native]) => native);
}

const MINUTES: Readonly<Record<string, number>> = {
  '6h': 360,
  '12h': 720,
  '24h': 1440,
  '7d': 10_080,
  '30d': 43_200,
};

/** `refresh_rate` (minutes, as text) of a native refresh interval. */
export const refreshRateOf = (interval: string | null): string | null =>
  interval && MINUTES[interval] !== undefined ? String(MINUTES[interval]) : null;

/**
 * The native refresh interval nearest to a Datanomik `refresh_rate` in minutes ("180" → 6h, the
 * shortest Tesoro runs); undefined when the text is not a positive number.
 */
export function intervalOfRefreshRate(rate: string | number): string | undefined {
  const minutes =
    typeof rate === 'number' ? rate : /^\s*\d+(\.\d+)?\s*$/.test(rate) ? Number(rate) : Number.NaN;
  if (!Number.isFinite(minutes) || minutes <= 0) return undefined;
  let best: [string, number] | undefined;
  for (const [interval, value] of Object.entries(MINUTES)) {
    const distance = Math.abs(value - minutes);
    if (!best || distance < best[1]) best = [interval, distance];
  }
  return best![0];
}

export interface InstitutionFacts {
  /** Native id. */
  id: string;
  code: string;
  name: string;
  country: string;
  logo: string | null;
  /** Not a sandbox institution. */
  live: boolean;
}

/** What the compat remembers of a link it created (compat handle): never the password. */
// A type, not an interface: handle data must be assignable to Record<string, unknown>.
export type LinkMemo = {
  username: string | null;
  description: string | null;
  source: 'API' | 'WIDGET';
};

export interface LinkFacts {
  connection: {
    id: string;
    access_mode: string;
    refresh_interval: string | null;
    status: string;
    external_id: string | null;
    last_refresh_at: string | null;
    created_at: string;
    updated_at: string;
    /** The refresh in flight, if any (queued, running, waiting_user). */
    refresh: { status: string } | null;
    product_status: Readonly<Record<string, { created: boolean; errored: boolean }>>;
  };
  institution: InstitutionFacts;
  memo: LinkMemo | null;
}

export function toDatanomikLink(facts: LinkFacts) {
  const { connection, institution, memo } = facts;
  const inFlight = connection.refresh !== null && connection.refresh.status !== 'waiting_user';
  return {
    id: guidOf(connection.id),
    description: memo?.description ?? connection.external_id,
    external_id: connection.external_id,
    institution: institution.code,
    institution_description: institution.name,
    institution_logo: institution.logo,
    institution_id: nameUuid('institution', institution.id),
    access_type: 'PERSONAL' as const,
    country: institution.country,
    refresh_rate: connection.access_mode === 'recurrent' ? refreshRateOf(connection.refresh_interval) : null,
    recurrent: connection.access_mode === 'recurrent',
    live: institution.live,
    status: linkStatusOf(connection.status, inFlight),
    source: memo?.source ?? ('WIDGET' as const),
    accessed_at: connection.last_refresh_at,
    // Datanomik's glossary spells it so; its link example spells accessed_at: both are sent.
    acceded_at: connection.last_refresh_at,
    created_at: connection.created_at,
    updated_at: connection.updated_at,
  };
}

export type DatanomikLink = ReturnType<typeof toDatanomikLink>;

/** The verification step a 428 MFA_REQUIRED carries (the native challenge, in the caller's language). */
export function toDatanomikChallenge(challenge: {
  type: string;
  prompt: string;
  fields: ReadonlyArray<{ name: string; label: string; type: string; required: boolean }>;
  expires_at: string;
}) {
  return {
    type: challenge.type.toUpperCase(),
    prompt: challenge.prompt,
    fields: challenge.fields.map(({ name, label, type, required }) => ({ name, label, type, required })),
    expires_at: challenge.expires_at,
  };
}

export function toDatanomikInstitution(
  institution: InstitutionFacts & { kind: string; products: readonly string[] },
) {
  return {
    id: nameUuid('institution', institution.id),
    name: institution.code,
    description: institution.name,
    country: institution.country,
    logo: institution.logo,
    type: institution.kind === 'broker' ? ('BROKER' as const) : ('BANK' as const),
    products: [...institution.products],
  };
}

// ---- owners and users

/** DNI (8 digits and a letter) or NIE (X, Y or Z, 7 digits and a letter); null when neither. */
export function documentTypeOf(document: string | null): 'DNI' | 'NIE' | null {
  if (!document) return null;
  const value = document.toUpperCase().replace(/[\s-]/g, '');
  if (/^\d{8}[A-Z]$/.test(value)) return 'DNI';
  if (/^[XYZ]\d{7}[A-Z]$/.test(value)) return 'NIE';
  return null;
}

const contact = (identity: NativeRecord | undefined, type: string): string | null => {
  const list = identity?.contact_info;
  if (!Array.isArray(list)) return null;
  const found = list.find((entry) => (entry as NativeRecord)?.type === type) as NativeRecord | undefined;
  return text(found?.value);
};

/**
 * An owner: a native holder, with the names and e-mail of the identity of the same document when
 * the connection has one (the login's owner); a co-holder has only the name the bank prints.
 */
export function toDatanomikOwner(holder: NativeRecord, identity: NativeRecord | undefined) {
  const document = text(holder.identity_document);
  const same =
    identity && document !== null && text(identity.identity_document) === document ? identity : undefined;
  return {
    id: guidOf(String(holder.id)),
    document,
    document_type: documentTypeOf(document),
    first_name: text(same?.name),
    last_name: text(same?.surname1),
    second_last_name: text(same?.surname2),
    display_name: text(same?.full_name) ?? text(holder.name),
    email: contact(same, 'email'),
    link_id: guidOrNull(holder.connection_id),
  };
}

export type DatanomikOwner = ReturnType<typeof toDatanomikOwner>;

/**
 * The owners of a link: one per document (a holder record exists per product held), the first
 * holder record of each document naming it. Holders without a document are kept one by one.
 */
export function distinctOwners(holders: readonly NativeRecord[]): NativeRecord[] {
  const seen = new Set<string>();
  return holders.filter((holder) => {
    const key = `${holder.connection_id}|${text(holder.identity_document) ?? holder.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The id a general owner (a document across links) gets for one client. */
export const generalOwnerId = (clientId: string, document: string) =>
  nameUuid('general-owner', `${clientId}:${document}`);

/** Owners grouped by document across the client's links (SPEC gap G17, grouped here). */
export function toGeneralOwners(
  clientId: string,
  owners: ReadonlyArray<DatanomikOwner & { created_at: string | null }>,
) {
  const groups = new Map<string, Array<DatanomikOwner & { created_at: string | null }>>();
  for (const owner of owners) {
    if (owner.document === null) continue;
    const group = groups.get(owner.document);
    if (group) group.push(owner);
    else groups.set(owner.document, [owner]);
  }
  return [...groups].map(([document, group]) => {
    const created = group
      .map((owner) => owner.created_at)
      .filter((date): date is string => date !== null)
      .sort();
    return {
      id: generalOwnerId(clientId, document),
      document,
      document_type: documentTypeOf(document),
      display_name: group.find((owner) => owner.first_name !== null)?.display_name ?? group[0]!.display_name,
      owners: group.map(({ created_at: _created, ...owner }) => owner),
      created_at: created[0] ?? null,
      tags: [] as string[],
    };
  });
}

function addressText(address: unknown): string | null {
  if (!address || typeof address !== 'object') return null;
  const a = address as NativeRecord;
  const street = [a.street_type, a.street_name, a.street_number].map(text).filter(Boolean).join(' ');
  const place = [a.zip_code, a.city].map(text).filter(Boolean).join(' ');
  const parts = [street, place, text(a.state), text(a.country)].filter(
    (part) => part !== null && part !== '',
  );
  return parts.length > 0 ? parts.join(', ') : null;
}

/** A user: the login's owner (native identity) and the username the link was created with. */
export function toDatanomikUser(identity: NativeRecord, username: string | null) {
  const document = text(identity.identity_document);
  return {
    id: guidOf(String(identity.id)),
    username,
    link_id: guidOrNull(identity.connection_id),
    metadata: {
      document,
      document_type: documentTypeOf(document),
      first_name: text(identity.name),
      last_name: text(identity.surname1),
      second_last_name: text(identity.surname2),
      display_name: text(identity.full_name),
      email: contact(identity, 'email'),
      address: addressText(identity.address),
      phone_number: contact(identity, 'phone'),
    },
  };
}

// ---- accounts

export type AccountCategory = 'CHECKING' | 'SAVING' | 'CREDIT_CARD' | 'LOAN' | 'INVESTMENT' | 'OTHER';

/** Datanomik's account `category` from the native account type. */
export function accountCategoryOf(type: unknown): AccountCategory {
  const value = typeof type === 'string' ? type.toLowerCase() : '';
  if (value === 'current' || value === 'checking') return 'CHECKING';
  if (value === 'savings' || value === 'saving' || value === 'deposit') return 'SAVING';
  if (value.includes('card') || value === 'credit') return 'CREDIT_CARD';
  if (value.includes('loan') || value === 'mortgage' || value === 'liability') return 'LOAN';
  if (value.includes('brokerage') || value.includes('investment') || value === 'securities')
    return 'INVESTMENT';
  return 'OTHER';
}

export type SyncStatus = 'PROCESSED' | 'PROCESSING' | 'ERROR';

/** A product's sync status: PROCESSING until first extracted, ERROR when its last extraction failed. */
export function syncStatusOf(
  productStatus: Readonly<Record<string, { created: boolean; errored: boolean }>>,
  product: string,
): SyncStatus {
  const state = productStatus[product];
  // A product the link does not have (the institution offers no investments) has nothing to load.
  if (!state) return 'PROCESSED';
  if (state.errored) return 'ERROR';
  return state.created ? 'PROCESSED' : 'PROCESSING';
}

const linkPart = (link: DatanomikLink) => ({
  country: link.country,
  institution: link.institution,
  institution_description: link.institution_description,
  institution_logo: link.institution_logo,
  institution_id: link.institution_id,
});

/** The owner an account answer embeds: its first holder (the titular before a co-holder). */
export function accountOwnerOf(
  account: NativeRecord,
  holders: readonly NativeRecord[],
  identity: NativeRecord | undefined,
): DatanomikOwner | null {
  const own = holders.filter((holder) => holder.product_id === account.id);
  const first = own.find((holder) => String(holder.rel ?? '').toLowerCase() === 'titular') ?? own[0];
  return first ? toDatanomikOwner(first, identity) : null;
}

export function toDatanomikAccount(
  account: NativeRecord,
  link: DatanomikLink,
  productStatus: Readonly<Record<string, { created: boolean; errored: boolean }>>,
  owner: DatanomikOwner | null,
) {
  return {
    id: guidOf(String(account.id)),
    description: text(account.name) ?? text(account.description),
    account_number: text(account.iban),
    type: text(account.type),
    category: accountCategoryOf(account.type),
    balance: {
      current_balance: money(account.balance),
      available_balance: money(account.available_balance),
      currency: text(account.currency),
    },
    refreshed_at: link.accessed_at,
    created_at: text(account.first_seen_at),
    updated_at: text(account.updated_at),
    owner,
    blocked: false,
    status: 'ACTIVE' as const,
    ...linkPart(link),
    link_id: link.id,
    external_id: text(account.external_id),
    tags: [] as string[],
    metadata: {} as Record<string, unknown>,
    account_sync_status: syncStatusOf(productStatus, 'accounts'),
    trx_sync_status: syncStatusOf(productStatus, 'transactions'),
    investment_sync_status: syncStatusOf(productStatus, 'investments'),
    // Tesoro has no payments: nothing is ever left to load.
    payment_sync_status: 'PROCESSED' as const,
  };
}

export type DatanomikAccount = ReturnType<typeof toDatanomikAccount>;

/** The account with the position fields of GET /v1/accounts/position. */
export function toAccountPosition(
  account: DatanomikAccount,
  investments: ReadonlyArray<ReturnType<typeof toDatanomikInvestment>>,
) {
  const invested = investments.reduce((sum, investment) => sum + (investment.gross_balance ?? 0), 0);
  const cash = account.balance.current_balance;
  return {
    ...account,
    balance: {
      ...account.balance,
      // Tesoro keeps the current balance only (SPEC gap G18): the day's figures are today's.
      start_of_day_balance: cash,
      last_day_balance: cash,
      investment_current_balance: investments.length > 0 ? round2(invested) : null,
      investment_available_balance: investments.length > 0 ? round2(invested) : null,
      forecast_balance: cash,
      cash_position: account.balance.available_balance ?? cash,
    },
    investments,
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

// ---- transactions

export type Flow = 'INFLOW' | 'OUTFLOW';

/** Money in or out, from the native sign (a zero amount counts as in). */
export const flowOf = (amount: number): Flow => (amount < 0 ? 'OUTFLOW' : 'INFLOW');

const categoryLabel = (category: string, subcategory: string | null): string | null => {
  const entry = (taxonomy as Record<string, { en: string; sub: Record<string, readonly string[]> }>)[
    category
  ];
  if (!entry) return null;
  return subcategory && entry.sub[subcategory] ? entry.sub[subcategory]![0]! : entry.en;
};

/** Datanomik's `categories[]` from the native category and subcategory (the most precise first). */
export function categoriesOf(record: NativeRecord, flow: Flow) {
  const category = text(record.category);
  if (!category) return [];
  const subcategory = text(record.subcategory);
  const entries: Array<[string, string | null]> = subcategory
    ? [
        [subcategory, categoryLabel(category, subcategory)],
        [category, categoryLabel(category, null)],
      ]
    : [[category, categoryLabel(category, null)]];
  return entries.map(([id, name], ordering) => ({
    id,
    name: name ?? id,
    color: null,
    type: flow,
    ordering,
    multiple_categorize: false,
  }));
}

export interface TransactionContext {
  link: DatanomikLink;
  account: { id: string; account_number: string | null; owner: DatanomikOwner | null } | null;
}

export function toDatanomikTransaction(record: NativeRecord, context: TransactionContext) {
  const signed = money(record.amount) ?? 0;
  const flow = flowOf(signed);
  const { link, account } = context;
  const owner = account?.owner;
  return {
    id: guidOf(String(record.id)),
    date: text(record.operation_date),
    description: text(record.description),
    reference: text(record.transaction_id),
    type: flow,
    mode: record.manual === true ? ('MANUAL' as const) : ('AUTOMATIC' as const),
    currency: text(record.currency),
    amount: Math.abs(signed),
    link: {
      id: link.id,
      country: link.country,
      institution: link.institution,
      institution_description: link.institution_description,
      institution_logo: link.institution_logo,
    },
    account: {
      id: account?.id ?? guidOrNull(record.account_id),
      account_number: account?.account_number ?? null,
      owner: owner
        ? {
            id: owner.id,
            document: owner.document,
            document_type: owner.document_type,
            display_name: owner.display_name,
          }
        : null,
    },
    status: record.pending === true ? ('PENDING' as const) : ('APPROVED' as const),
    additional_data: {
      value_date: text(record.value_date),
      balance: money(record.balance),
      counterparty: text(record.counterparty),
      mcc: text(record.mcc),
    },
    categories: categoriesOf(record, flow),
    created_at: text(record.first_seen_at),
    updated_at: text(record.updated_at),
  };
}

export type DatanomikTransaction = ReturnType<typeof toDatanomikTransaction>;

/**
 * The native amount bounds of Datanomik's positive-amount filters. With a `type` the sign is
 * known and the bounds are native ones; without it the bounds hold for the absolute amount,
 * which the native filters can only bound from outside (|x| ≤ lte): `absoluteFrom` is then left
 * for the caller to check.
 */
export function amountBounds(filter: {
  type?: Flow | undefined;
  gte?: number | undefined;
  lte?: number | undefined;
}): {
  amount_min?: number;
  amount_max?: number;
  sign?: Flow;
  absoluteFrom?: number;
} {
  const { type, gte, lte } = filter;
  if (type === 'INFLOW')
    return {
      amount_min: Math.max(0, gte ?? 0),
      ...(lte !== undefined ? { amount_max: lte } : {}),
      sign: 'INFLOW',
    };
  if (type === 'OUTFLOW')
    return {
      ...(lte !== undefined ? { amount_min: -lte } : {}),
      ...(gte !== undefined && gte > 0 ? { amount_max: -gte } : {}),
      sign: 'OUTFLOW',
    };
  return {
    ...(lte !== undefined ? { amount_min: -lte, amount_max: lte } : {}),
    ...(gte !== undefined && gte > 0 ? { absoluteFrom: gte } : {}),
  };
}

// ---- investments

export type InstrumentType = 'FUND' | 'COMMITED' | 'BOND' | 'STOCKS' | 'DEPOSIT';

export function instrumentTypeOf(type: unknown): InstrumentType {
  switch (typeof type === 'string' ? type.toUpperCase() : '') {
    case 'F':
    case 'ETF':
    case 'PP':
      return 'FUND';
    case 'VI':
      return 'STOCKS';
    case 'FI':
      return 'BOND';
    case 'DEP':
    case 'BP':
      return 'DEPOSIT';
    default:
      return 'COMMITED';
  }
}

export function toDatanomikInvestment(
  investment: NativeRecord,
  portfolio: NativeRecord | undefined,
  link: DatanomikLink | undefined,
) {
  const balance = money(investment.balance);
  return {
    id: guidOf(String(investment.id)),
    instrument_type: instrumentTypeOf(investment.type),
    description: text(investment.name),
    isin: text(investment.isin),
    currency: text(investment.currency),
    // Tesoro keeps one valuation: net and gross are the same figure.
    net_balance: balance,
    gross_balance: balance,
    link_id: link?.id ?? guidOrNull(investment.connection_id),
    account: {
      id: guidOrNull(investment.portfolio_id),
      description: text(portfolio?.name),
      account_number: text(portfolio?.ref_account),
      institution: link?.institution ?? null,
      country: link?.country ?? null,
    },
    updated_at: text(investment.updated_at),
  };
}

// ---- balances

export interface BalanceAccount {
  id: string;
  description: string | null;
  account_number: string | null;
  type: string | null;
  category: AccountCategory;
  blocked: boolean;
}

/** One daily balance snapshot (services/balance-history.ts) as Datanomik's balance entry. */
export function toDatanomikBalance(
  row: {
    connection_id: string;
    date: string;
    balance: string;
    available_balance: string | null;
    currency: string | null;
  },
  account: BalanceAccount,
) {
  const current = money(row.balance) ?? 0;
  return {
    date: row.date,
    current_balance: current,
    // A snapshot without an available balance had only one figure: it is both.
    available_balance: money(row.available_balance) ?? current,
    currency: row.currency,
    link_id: guidOf(row.connection_id),
    account,
  };
}

// ---- webhooks

/** The counts of a historical update, by Datanomik's resources, and the products that failed. */
export function historicalData(
  products: Readonly<Record<string, { count?: number; errored?: boolean; error?: string | null }>>,
) {
  const count = (product: string) => products[product]?.count ?? 0;
  const errors = Object.fromEntries(
    Object.entries(products)
      .filter(([, state]) => state.errored)
      .map(([product, state]) => [product, state.error ?? 'unknown']),
  );
  return {
    accounts: count('accounts'),
    transactions: count('transactions'),
    owners: count('holders'),
    users: count('identity'),
    investments: count('investments'),
    errors,
  };
}

export interface WebhookFacts {
  type: string;
  created_at: Date;
  data: Record<string, unknown>;
}

/**
 * The Datanomik body of a native event (SPEC §4.5), or null when the event says nothing a
 * Datanomik client would hear of (a status change that Datanomik's words do not tell apart).
 * `institution` is the link's code, when the link still exists.
 */
export function toDatanomikWebhook(event: WebhookFacts, institution: string | null) {
  const connectionId = text(event.data.connection_id);
  if (connectionId === null) return null;
  const base = {
    link_id: guidOf(connectionId),
    external_id: text(event.data.external_id),
  };
  const occurredAt = event.created_at.toISOString();
  switch (event.type) {
    case 'connection.historical_update':
      return {
        event: 'HISTORICAL_UPDATE' as const,
        ...base,
        institution,
        occurred_at: occurredAt,
        data: historicalData(
          (event.data.products ?? {}) as Record<
            string,
            { count?: number; errored?: boolean; error?: string | null }
          >,
        ),
      };
    case 'connection.updated':
      return {
        event: 'NEW_INFORMATION_AVAILABLE' as const,
        ...base,
        institution,
        occurred_at: occurredAt,
        data: {
          added: Number(event.data.added ?? 0),
          modified: Number(event.data.modified ?? 0),
          removed: Number(event.data.removed ?? 0),
        },
      };
    case 'connection.status_changed': {
      const status = plainLinkStatus(String(event.data.status));
      const previous = plainLinkStatus(String(event.data.previous_status));
      if (status === previous) return null;
      return {
        event: 'LINK_STATUS_CHANGED' as const,
        ...base,
        status,
        previous_status: previous,
        occurred_at: occurredAt,
      };
    }
    default:
      return null;
  }
}
