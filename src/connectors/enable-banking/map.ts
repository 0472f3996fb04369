// Enable Banking's accounts, balances and transactions as Tesoro records (pure functions). An
// account's natural key is its `identification_hash`, which Enable Banking keeps across consents,
// never the per-session `uid`: a re-consent then finds every account, and every movement under
// it, with the same Tesoro ids. Cash accounts are `accounts`, CARD accounts `cards` and LOAN
// accounts `liabilities`, each with its movements. Cancelled and rejected movements are left out;
// pending ones (PDNG, HOLD, SCHD) are kept as pending.
import type { Product } from '../../domain/products.ts';
import type { NormalizedRecord } from '../../domain/records.ts';
import { type BankBalance, MovementKeys, pickBalances, signedAmount } from '../psd2/movements.ts';

export interface Amount {
  currency: string;
  amount: string;
}

/** The part of Enable Banking's AccountResource a session keeps (it lists them once, at consent). */
export interface SessionAccount {
  uid: string;
  identification_hash: string;
  cash_account_type?: string;
  name?: string | null;
  product?: string | null;
  details?: string | null;
  currency?: string;
  account_id?: { iban?: string; other?: { identification?: string; scheme_name?: string } } | null;
  credit_limit?: Amount | null;
}

export interface EbBalance {
  name?: string;
  balance_amount: Amount;
  balance_type: string;
}

interface Party {
  name?: string | null;
  postal_address?: { address_line?: string[] | null } | null;
}

export interface EbTransaction {
  entry_reference?: string | null;
  transaction_id?: string | null;
  transaction_amount: Amount;
  credit_debit_indicator?: 'CRDT' | 'DBIT' | string;
  status?: string;
  booking_date?: string | null;
  value_date?: string | null;
  transaction_date?: string | null;
  creditor?: Party | null;
  debtor?: Party | null;
  remittance_information?: string[] | null;
  bank_transaction_code?: { description?: string | null } | null;
  balance_after_transaction?: Amount | null;
  merchant_category_code?: string | null;
  note?: string | null;
}

/** Which Tesoro product an account is, and the product of its movements. */
export function productsOf(account: SessionAccount): { record: Product; movements: Product } {
  switch (account.cash_account_type) {
    case 'CARD':
      return { record: 'cards', movements: 'card_transactions' };
    case 'LOAN':
      return { record: 'liabilities', movements: 'liability_transactions' };
    default:
      return { record: 'accounts', movements: 'transactions' };
  }
}

const accountTypes: Record<string, string> = { CACC: 'current', SVGS: 'savings', CASH: 'current' };

// Enable Banking's `name` is the account holder's name, not the account's: the account is named by
// the bank's product or the end user's own description.
const nameOf = (account: SessionAccount) =>
  account.details ?? account.product ?? account.account_id?.iban ?? null;

/** An account, card or loan with its balances. */
export function toAccountRecord(account: SessionAccount, balances: readonly EbBalance[]): NormalizedRecord {
  const picked = pickBalances(
    balances.map(
      (b): BankBalance => ({
        type: b.balance_type,
        amount: b.balance_amount.amount,
        currency: b.balance_amount.currency,
      }),
    ),
    account.currency ?? null,
  );
  const iban = account.account_id?.iban ?? null;
  const identification = account.account_id?.other?.identification ?? null;
  const currency = picked.currency ?? account.currency ?? null;
  const { record } = productsOf(account);
  const base = { product: record, naturalKey: account.identification_hash, raw: { account, balances } };
  if (record === 'cards')
    return {
      ...base,
      data: {
        product: nameOf(account),
        pan: identification,
        card_type: 'credit',
        available_balance: picked.available ?? picked.balance,
        credit_limit: account.credit_limit?.amount ?? null,
        currency,
        account_iban: iban,
      },
    };
  if (record === 'liabilities')
    return {
      ...base,
      data: {
        name: nameOf(account),
        type: 'loan',
        balance: picked.balance,
        currency,
        contract_number: identification ?? iban,
      },
    };
  return {
    ...base,
    data: {
      iban,
      name: nameOf(account),
      type: accountTypes[account.cash_account_type ?? ''] ?? 'other',
      balance: picked.balance,
      available_balance: picked.available,
      currency,
      description: account.product ?? null,
      owners: account.name ? [account.name] : null,
    },
  };
}

const dropped = new Set(['CNCL', 'RJCT']);
const pendingStatuses = new Set(['PDNG', 'HOLD', 'SCHD']);

const partyName = (party: Party | null | undefined) =>
  party?.name?.trim() || party?.postal_address?.address_line?.join(' ').trim() || null;

/**
 * Turns one account's listing into records, page by page: keep one instance per listing, so that
 * identical movements of a day get ordinals in the bank's order (psd2/movements.ts).
 */
export class MovementMapper {
  readonly #keys = new MovementKeys();
  readonly #account: SessionAccount;
  readonly #today: string;

  constructor(account: SessionAccount, now: Date) {
    this.#account = account;
    this.#today = now.toISOString().slice(0, 10);
  }

  map(transactions: readonly EbTransaction[]): NormalizedRecord[] {
    const records: NormalizedRecord[] = [];
    for (const tx of transactions) {
      if (tx.status && dropped.has(tx.status)) continue;
      records.push(this.#record(tx));
    }
    return records;
  }

  #record(tx: EbTransaction): NormalizedRecord {
    const pending = pendingStatuses.has(tx.status ?? '');
    const amount = signedAmount(tx.transaction_amount.amount, tx.credit_debit_indicator);
    const currency = tx.transaction_amount.currency;
    // A pending movement may come with no date at all: it is today's until the bank says otherwise.
    const date = tx.booking_date ?? tx.value_date ?? tx.transaction_date ?? this.#today;
    const counterparty = partyName(tx.credit_debit_indicator === 'DBIT' ? tx.creditor : tx.debtor);
    const description =
      tx.remittance_information?.filter(Boolean).join(' ').trim() ||
      tx.bank_transaction_code?.description ||
      tx.note ||
      counterparty;
    const naturalKey = this.#keys.keyOf({
      accountKey: this.#account.identification_hash,
      reference: tx.entry_reference,
      date,
      amount,
      currency,
      counterparty,
      description: description ?? null,
      pending,
    });
    const { movements } = productsOf(this.#account);
    const common = { product: movements, naturalKey, parentKey: this.#account.identification_hash, raw: tx };
    const valueDate = tx.value_date ?? date;
    if (movements === 'card_transactions')
      return {
        ...common,
        data: {
          amount,
          currency,
          operation_date: date,
          value_date: valueDate,
          shop: counterparty ?? description,
          mcc: tx.merchant_category_code ?? null,
          pending,
        },
      };
    if (movements === 'liability_transactions')
      return {
        ...common,
        data: {
          amount,
          currency_amount: currency,
          balance: tx.balance_after_transaction?.amount ?? null,
          currency_balance: tx.balance_after_transaction?.currency ?? null,
          description,
          operation_date: date,
          value_date: valueDate,
          transaction_id: tx.entry_reference ?? null,
          pending,
        },
      };
    return {
      ...common,
      data: {
        amount,
        currency,
        balance: tx.balance_after_transaction?.amount ?? null,
        operation_date: date,
        value_date: valueDate,
        description,
        counterparty,
        mcc: tx.merchant_category_code ?? null,
        transaction_id: tx.entry_reference ?? null,
        pending,
      },
    };
  }
}
