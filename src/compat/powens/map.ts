// Pure mappers: Tesoro's institutions, connection views and records → Powens' Connector, Field,
// Connection, Account, Transaction, Investment, Document and User (the field lists of Powens'
// swagger, docs/compat/powens.md). Integer ids are allocated by the caller (services/compat-ids.ts)
// and passed in: nothing here reads anything. Every inferred choice is in README.md.
import type { ChallengeType, LoginField } from '../../domain/vocabulary.ts';
import { categoryIdOf } from './categories.ts';
import { connectorIdentityOf } from './sandbox-map.ts';

type Json = Record<string, unknown>;

// ---- values

/** Powens' datetime: `YYYY-MM-DD HH:MM:SS`, UTC. */
export function powensDateTime(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) return null;
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** A native money value (a number, or its text for exact decimals) as a number; null when absent. */
export function amountOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const round2 = (value: number) => Math.round(value * 100) / 100;

const symbols: Record<string, string> = { EUR: '€', USD: '$', GBP: '£', CHF: 'CHF', JPY: '¥' };

/** Powens' currency object; the symbol of the usual ones, the code otherwise. */
export function currencyOf(code: unknown): {
  id: string;
  symbol: string;
  prefix: boolean;
  precision: number;
} {
  const id = typeof code === 'string' && code !== '' ? code.toUpperCase() : 'EUR';
  return {
    id,
    symbol: symbols[id] ?? id,
    prefix: id === 'USD' || id === 'GBP',
    precision: id === 'JPY' ? 0 : 2,
  };
}

/** Whether a code is an ISIN: two letters, nine letters or digits, and a valid check digit. */
export function isIsin(code: unknown): boolean {
  if (typeof code !== 'string' || !/^[A-Z]{2}[A-Z0-9]{9}[0-9]$/.test(code)) return false;
  const digits = [...code.slice(0, 11)].map((c) => (c >= 'A' ? String(c.charCodeAt(0) - 55) : c)).join('');
  let sum = 0;
  // Luhn over the expanded digits, the check digit excluded: double every other one from the right.
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10 === Number(code[11]);
}

// ---- connectors and fields

/** What a connector is made from: the native institution's own facts. */
export interface InstitutionFacts {
  id: string;
  name: string;
  country: string;
  kind: string;
  products: readonly string[];
  primaryColor: string;
  fields: readonly LoginField[];
}

const fieldTypes: Record<string, string> = {
  text: 'text',
  password: 'password',
  otp: 'text',
  select: 'list',
};

/** A native form field in Powens' Field shape (label in English; `values` for a list). */
export function toPowensField(
  field: {
    name: string;
    label: string;
    type: string;
    required: boolean;
    validation?: string | null | undefined;
    options?: ReadonlyArray<{ value: string; label: string }> | null | undefined;
  },
  context: { idConnector: number | null; position: number; ephemeral?: boolean },
) {
  return {
    id_connector: context.idConnector,
    id: context.position,
    name: field.name,
    label: field.label,
    regex: field.validation ?? null,
    type: fieldTypes[field.type] ?? 'text',
    ephemeral: context.ephemeral ?? false,
    value: null,
    required: field.required,
    auth_mechanisms: ['credentials'],
    ...(field.options ? { values: field.options.map((o) => ({ label: o.label, value: o.value })) } : {}),
  };
}

/** Powens' `capabilities`: `bank` for accounts and transactions, `bankwealth` for investments. */
export function capabilitiesOf(products: readonly string[]): string[] {
  const capabilities: string[] = [];
  if (products.includes('accounts') || products.includes('transactions')) capabilities.push('bank');
  if (products.includes('investments') || products.includes('portfolios')) capabilities.push('bankwealth');
  return capabilities;
}

export function toPowensConnector(institution: InstitutionFacts, options: { withFields: boolean }) {
  const { id, uuid } = connectorIdentityOf(institution.id);
  return {
    id,
    uuid,
    name: institution.name,
    hidden: false,
    charged: false,
    code: null,
    beta: false,
    color: institution.primaryColor.replace(/^#/, ''),
    slug: institution.id,
    sync_frequency: 1,
    months_to_fetch: 24,
    auth_mechanism: 'credentials',
    siret: null,
    restricted: false,
    capabilities: capabilitiesOf(institution.products),
    country: institution.country,
    ...(options.withFields
      ? {
          fields: institution.fields.map((field, index) =>
            toPowensField(
              {
                name: field.name,
                label: field.label.en,
                type: field.type,
                required: field.required,
                validation: field.validation,
                options: field.options?.map((o) => ({ value: o.value, label: o.label.en })),
              },
              { idConnector: id, position: index + 1 },
            ),
          ),
        }
      : {}),
  };
}

// ---- connections

/** The part of a native connection view (GET /v1/connections/{id}) a Powens connection shows. */
export interface ConnectionFacts {
  institution_id: string;
  status: string;
  status_detail: string | null;
  consent_expires_at: string | null;
  last_refresh_at: string | null;
  next_refresh_at: string | null;
  created_at: string;
  challenge: {
    type: ChallengeType | string;
    fields: ReadonlyArray<{
      name: string;
      label: string;
      type: string;
      required: boolean;
      validation: string | null;
    }>;
    redirect_url: string | null;
  } | null;
}

const errorStates: Record<string, string> = {
  consent_expired: 'SCARequired',
  credentials_invalid: 'wrongpass',
  password_expired: 'passwordExpired',
  action_needed: 'actionNeeded',
  locked: 'actionNeeded',
  rate_limited: 'rateLimiting',
  institution_down: 'websiteUnavailable',
};

const challengeStates: Record<string, string> = {
  otp: 'additionalInformationNeeded',
  question: 'additionalInformationNeeded',
  decoupled: 'decoupled',
  redirect: 'webauthRequired',
};

/** Powens' `state` of a native status (and the open challenge's type); null = synchronised. */
export function powensState(status: string, challengeType: string | null | undefined): string | null {
  if (status === 'challenge_required')
    return challengeStates[challengeType ?? ''] ?? 'additionalInformationNeeded';
  return errorStates[status] ?? null;
}

export function toPowensConnection(
  view: ConnectionFacts,
  ids: { id: number; idUser: number | null },
  extra: { connector?: unknown; accounts?: unknown[] } = {},
) {
  const state = powensState(view.status, view.challenge?.type);
  const connector = connectorIdentityOf(view.institution_id);
  const withFields = state === 'additionalInformationNeeded' && view.challenge;
  // The native detail explains an error state; for a working connection it only says "ok".
  const message = state === null ? null : view.status_detail;
  return {
    id: ids.id,
    id_user: ids.idUser,
    id_connector: connector.id,
    connector_uuid: connector.uuid,
    state,
    error: state,
    error_message: message,
    last_update: powensDateTime(view.last_refresh_at),
    created: powensDateTime(view.created_at),
    active: view.status !== 'disabled',
    last_push: powensDateTime(view.last_refresh_at),
    next_try: powensDateTime(view.next_refresh_at),
    expire: powensDateTime(view.consent_expires_at),
    ...(withFields
      ? {
          fields: view.challenge!.fields.map((field, index) =>
            toPowensField(field, { idConnector: connector.id, position: index + 1, ephemeral: true }),
          ),
        }
      : {}),
    ...(state === 'webauthRequired' && view.challenge?.redirect_url
      ? { redirect_url: view.challenge.redirect_url }
      : {}),
    ...(extra.connector !== undefined ? { connector: extra.connector } : {}),
    ...(extra.accounts !== undefined ? { accounts: extra.accounts } : {}),
  };
}

// ---- accounts

export type AccountSource = 'accounts' | 'cards' | 'liabilities' | 'portfolios';

export interface AccountIds {
  id: number;
  idConnection: number;
  idUser: number | null;
  /** The card's settlement account, when it is among the user's accounts. */
  idParent?: number | null;
  /** Sum of the pending movements (negative for pending debits); 0 when none. */
  coming?: number;
}

const accountTypes: Record<string, string> = {
  current: 'checking',
  checking: 'checking',
  savings: 'savings',
  deposit: 'deposit',
};

/** Powens' account `type` of a native record of one of the four account-like products. */
export function powensAccountType(source: AccountSource, record: Json): string {
  const type = typeof record.type === 'string' ? record.type.toLowerCase() : '';
  switch (source) {
    case 'cards':
      return 'card';
    case 'liabilities':
      return type === 'mortgage' ? 'mortgage' : 'loan';
    case 'portfolios':
      return /pension|plan|per\b/.test(type) ? 'per' : 'market';
    default:
      return accountTypes[type] ?? 'checking';
  }
}

/** A card's balance: what is owed (limit − available), as a debit; 0 when unknown. */
function cardBalance(record: Json): number {
  const limit = amountOf(record.credit_limit);
  const available = amountOf(record.available_balance);
  return limit !== null && available !== null ? round2(available - limit) : 0;
}

export function toPowensAccount(source: AccountSource, record: Json, ids: AccountIds) {
  const type = powensAccountType(source, record);
  const name =
    source === 'cards' ? (text(record.product) ?? text(record.pan) ?? 'Card') : (text(record.name) ?? '');
  const iban = source === 'accounts' ? text(record.iban) : null;
  const number =
    source === 'accounts'
      ? iban
      : source === 'cards'
        ? text(record.pan)
        : source === 'liabilities'
          ? text(record.contract_number)
          : text(record.ref_valores);
  const balance =
    source === 'cards'
      ? cardBalance(record)
      : source === 'liabilities'
        ? // Powens shows what is owed on a loan as a negative balance.
          -Math.abs(amountOf(record.balance) ?? 0)
        : (amountOf(record.balance) ?? 0);
  return {
    id: ids.id,
    id_connection: ids.idConnection,
    id_user: ids.idUser,
    id_source: null,
    id_parent: ids.idParent ?? null,
    number,
    webid: null,
    original_name: name,
    name: source === 'accounts' ? (text(record.alias) ?? name) : name,
    balance,
    coming: ids.coming ?? 0,
    display: true,
    last_update: powensDateTime(record.updated_at),
    deleted: null,
    disabled: null,
    iban,
    currency: currencyOf(record.currency),
    id_type: null,
    type,
    bookmarked: 0,
    error: null,
    usage: 'PRIV',
    ownership: record.is_owner === false ? 'co-owner' : 'owner',
    company_name: null,
  };
}

// ---- transactions

/** Powens' transaction type (`nature`) of a native movement. */
export function powensNature(record: Json, onCard: boolean): string {
  if (onCard || text(record.mcc) || text(record.card_number)) return 'card';
  const code = text(record.norma43);
  if ((record.transfer !== null && record.transfer !== undefined) || code === '04') return 'transfer';
  switch (code) {
    case '03':
      return 'order';
    case '11':
      return 'withdrawal';
    case '17':
      return 'bank';
    default:
      return 'unknown';
  }
}

export interface TransactionIds {
  id: number;
  idAccount: number;
  /** A card purchase: the card's masked number. */
  card?: string | null;
  /** A movement the bank no longer lists: when it was removed. */
  deleted?: string;
}

/**
 * A native cash or card movement as a Powens Transaction. `value` keeps the native sign (negative
 * = debit); `rdate` is when it happened, `date` when it was booked to the account.
 */
export function toPowensTransaction(record: Json, ids: TransactionIds) {
  const onCard = ids.card !== undefined;
  const wording = text(record.description) ?? text(record.shop) ?? '';
  const simplified = text(record.counterparty) ?? text(record.merchant_name) ?? wording;
  const value = amountOf(record.amount) ?? 0;
  const operation = text(record.operation_date);
  const valueDate = text(record.value_date);
  const nature = powensNature(record, onCard);
  return {
    id: ids.id,
    id_account: ids.idAccount,
    webid: text(record.transaction_id),
    application_date: operation,
    date: valueDate ?? operation,
    value,
    gross_value: value,
    nature,
    type: nature,
    original_wording: wording,
    simplified_wording: simplified,
    stemmed_wording: simplified.toLowerCase(),
    wording: null,
    id_category: categoryIdOf(record.category, record.subcategory),
    state: 'parsed',
    date_scraped: powensDateTime(record.first_seen_at),
    rdate: operation,
    vdate: valueDate,
    bdate: null,
    coming: record.pending === true,
    active: true,
    id_cluster: null,
    comment: null,
    last_update: powensDateTime(record.updated_at),
    deleted: ids.deleted ? powensDateTime(ids.deleted) : null,
    original_value: null,
    original_gross_value: null,
    original_currency: text(record.original_currency) ? currencyOf(record.original_currency) : null,
    commission: amountOf(record.commission),
    commission_currency: null,
    country: null,
    counterparty: text(record.counterparty),
    card: ids.card ?? text(record.card_number),
    tesoro_category: text(record.category),
    tesoro_subcategory: text(record.subcategory),
  };
}

// ---- investments

export interface InvestmentIds {
  id: number;
  idAccount: number;
  /** Σ of the valuations of the investment's portfolio, for `portfolio_share`. */
  portfolioValuation: number;
}

export function toPowensInvestment(record: Json, ids: InvestmentIds) {
  const quantity = amountOf(record.amount);
  const valuation = amountOf(record.balance);
  const cost = amountOf(record.cost);
  const per = (total: number | null) =>
    total !== null && quantity !== null && quantity !== 0 ? round2(total / quantity) : null;
  const code = text(record.isin);
  return {
    id: ids.id,
    id_account: ids.idAccount,
    id_security: null,
    label: text(record.name) ?? '',
    code,
    code_type: isIsin(code) ? 'ISIN' : null,
    source: null,
    description: null,
    quantity,
    unitprice: per(cost),
    unitvalue: per(valuation),
    valuation,
    diff: amountOf(record.capital_gain),
    diff_percent: amountOf(record.performance),
    prev_diff: null,
    portfolio_share:
      valuation !== null && ids.portfolioValuation > 0
        ? Math.round((valuation / ids.portfolioValuation) * 10_000) / 10_000
        : null,
    vdate: text(record.valuation_date),
    prev_vdate: null,
    original_currency: null,
    original_valuation: null,
    original_unitvalue: null,
    original_unitprice: null,
    original_diff: null,
    last_update: powensDateTime(record.updated_at),
    deleted: null,
  };
}

// ---- documents and users

export interface DocumentFacts {
  id: string;
  filename: string | null;
  content_type: string;
  size: number;
  created_at: string;
}

export function toPowensDocument(document: DocumentFacts, ids: { id: number; idUser: number | null }) {
  return {
    id: ids.id,
    id_type: null,
    id_category: null,
    id_user: ids.idUser,
    id_subscription: null,
    id_file: null,
    id_thumbnail: null,
    name: document.filename,
    timestamp: powensDateTime(document.created_at),
    date: document.created_at.slice(0, 10),
    duedate: null,
    total_amount: null,
    untaxed_amount: null,
    vat: null,
    income: null,
    readonly: true,
    number: null,
    issuer: null,
    last_update: powensDateTime(document.created_at),
    has_file_on_website: false,
    currency: null,
    tesoro_content_type: document.content_type,
    tesoro_size: document.size,
    // The file's bytes: the native route, with a native token.
    tesoro_content_path: `/v1/documents/${document.id}/content`,
  };
}

export function toPowensUser(user: { id: number; signin: string }) {
  return { id: user.id, signin: powensDateTime(user.signin), platform: 'sharedAccess' };
}
