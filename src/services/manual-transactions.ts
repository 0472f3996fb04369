// Manual transactions (SPEC gap G19): movements a client enters itself into an existing account
// of any connection. They are records of the account's connection written by the record store
// like an extraction's (store/records.ts), so they get a stable id, the change feed and counts see
// them, and lists serve them like any other, with two fields of their own after the catalog's:
// `"manual": true` and `manual_external_id`, the caller's id. That id makes them idempotent: the
// natural key is the account's natural key and the external id, so the same external id again
// rewrites (or returns unchanged) the same row, never a second one. A refresh leaves them alone:
// its complete extraction removes only pending movements it no longer sees, and a manual one is
// never pending. A batch is checked whole before anything is written, and written in one
// transaction: all or nothing.
import type { Kysely } from 'kysely';
import { withCategories } from '../domain/categories/enrich.ts';
import { categorySlugs } from '../domain/categories/taxonomy.ts';
import { AppError, type FieldProblem, validationFailed } from '../domain/errors.ts';
import { fieldValue } from '../domain/product-document.ts';
import type { NormalizedRecord } from '../domain/records.ts';
import { sparseUnnestInsert } from '../store/bulk-insert.ts';
import { findConnectionByIdForUpdate } from '../store/connections.ts';
import {
  findTransactionOrigin,
  findWritableAccount,
  markTransactionRemoved,
  renderTransactions,
  type WritableAccount,
} from '../store/manual-transactions.ts';
import { type PrepareRecords, publishChanges, recordId, upsertRecords } from '../store/records.ts';
import type { ServiceDeps } from './deps.ts';

export interface ManualTransactionInput {
  /** The caller's id of the movement: the same one again is the same transaction. */
  external_id: string;
  /** YYYY-MM-DD */
  operation_date: string;
  /** Optional fields may be absent or null. */
  value_date?: string | null | undefined;
  /** Signed decimal: negative = money leaving the account. */
  amount: string;
  /** Default: the account's. */
  currency?: string | null | undefined;
  description?: string | null | undefined;
  reference?: string | null | undefined;
  /** A category or subcategory slug of the native taxonomy; without one, the categoriser decides. */
  category?: string | null | undefined;
}

/** A transaction as GET /v1/transactions/{id} serves it. */
export type ServedTransaction = Record<string, unknown>;

export const MAX_MANUAL_TRANSACTIONS = 1000;
const MAX_EXTERNAL_ID = 256;
const MAX_TEXT = 1000;
/** At most 15 significant digits: the served JSON number keeps every one. */
export const AMOUNT_PATTERN = '^-?(0|[1-9][0-9]{0,10})(\\.[0-9]{1,4})?$';
const AMOUNT = new RegExp(AMOUNT_PATTERN);
const CURRENCY = /^[A-Z]{3}$/;
const MANUAL_KEY_PREFIX = 'manual:';

/** The natural key of a manual movement: its account's and the caller's id (unambiguous as JSON). */
export const manualNaturalKey = (accountKey: string, externalId: string) =>
  `${MANUAL_KEY_PREFIX}${JSON.stringify([accountKey, externalId])}`;

const isText = (value: unknown, max: number) => typeof value === 'string' && value.length <= max;

/** What is wrong with one input (paths under ['transactions', index]). */
function inputProblems(
  input: ManualTransactionInput,
  index: number,
  account: Pick<WritableAccount, 'currency'>,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const bad = (field: string, detail: string) =>
    problems.push({ path: ['transactions', index, field], detail });
  if (
    typeof input.external_id !== 'string' ||
    input.external_id.trim() === '' ||
    input.external_id.length > MAX_EXTERNAL_ID
  )
    bad('external_id', `must be a non-blank text of at most ${MAX_EXTERNAL_ID} characters`);
  if (fieldValue('date', input.operation_date) === null)
    bad('operation_date', 'must be a calendar day YYYY-MM-DD');
  if (input.value_date != null && fieldValue('date', input.value_date) === null)
    bad('value_date', 'must be a calendar day YYYY-MM-DD');
  if (typeof input.amount !== 'string' || !AMOUNT.test(input.amount))
    bad('amount', 'must be a signed decimal text such as "-42.50" (at most 11 digits, 4 decimals)');
  if (input.currency != null && (typeof input.currency !== 'string' || !CURRENCY.test(input.currency)))
    bad('currency', 'must be an ISO 4217 code such as EUR');
  else if (input.currency == null && (account.currency === null || !CURRENCY.test(account.currency)))
    bad('currency', 'is required: the account states no currency');
  if (input.description != null && !isText(input.description, MAX_TEXT))
    bad('description', `must be a text of at most ${MAX_TEXT} characters`);
  if (input.reference != null && !isText(input.reference, MAX_EXTERNAL_ID))
    bad('reference', `must be a text of at most ${MAX_EXTERNAL_ID} characters`);
  if (input.category != null && !(typeof input.category === 'string' && categorySlugs.has(input.category)))
    bad('category', 'must be a category or subcategory of the taxonomy (docs/data.md)');
  return problems;
}

/** Checks every input (VALIDATION_FAILED naming each bad field) before anything is written. */
export function checkManualInputs(
  inputs: readonly ManualTransactionInput[],
  account: Pick<WritableAccount, 'currency'>,
): void {
  const problems: FieldProblem[] = [];
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > MAX_MANUAL_TRANSACTIONS)
    throw validationFailed([
      { path: ['transactions'], detail: `must hold 1 to ${MAX_MANUAL_TRANSACTIONS} transactions` },
    ]);
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    problems.push(...inputProblems(input, index, account));
    if (seen.has(input.external_id))
      problems.push({
        path: ['transactions', index, 'external_id'],
        detail: 'appears twice in this request',
      });
    seen.add(input.external_id);
  });
  if (problems.length > 0) throw validationFailed(problems);
}

/** A checked input as the record the store writes under the account. */
export function manualRecord(
  input: ManualTransactionInput,
  account: Pick<WritableAccount, 'natural_key' | 'currency'>,
): NormalizedRecord {
  const slug = input.category == null ? undefined : categorySlugs.get(input.category);
  return {
    product: 'transactions',
    naturalKey: manualNaturalKey(account.natural_key, input.external_id),
    parentKey: account.natural_key,
    data: {
      amount: input.amount,
      currency: input.currency ?? account.currency,
      operation_date: input.operation_date,
      value_date: input.value_date ?? null,
      description: input.description ?? null,
      transaction_id: input.reference ?? null,
      ...(slug ? { category: slug.category, subcategory: slug.subcategory } : {}),
      manual: true,
      manual_external_id: input.external_id,
    },
    raw: input,
  };
}

/** The categoriser runs on the movements whose caller named no category. */
const categorizeUnnamed: PrepareRecords = (product, records) =>
  records.map((record) =>
    typeof record.data.category === 'string' ? record : withCategories(product, [record])[0]!,
  );

/**
 * Adds (or, by external id, updates) manual transactions of the client's account; returns them as
 * the API serves them, in the order given. NOT_FOUND for an account that is not the client's;
 * VALIDATION_FAILED for any bad input, and then nothing is written.
 */
export async function addManualTransactions(
  deps: Pick<ServiceDeps, 'db' | 'ingest'>,
  clientId: string,
  accountId: string,
  inputs: readonly ManualTransactionInput[],
): Promise<ServedTransaction[]> {
  return deps.db.transaction().execute(async (trx) => {
    const account = await findWritableAccount(trx, clientId, accountId);
    if (!account) throw new AppError('NOT_FOUND', `No accounts record ${accountId}.`);
    checkManualInputs(inputs, account);
    // One writer of the connection's manual movements at a time: two requests adding the same new
    // external id would otherwise both insert it, and the second fail inside its transaction.
    await findConnectionByIdForUpdate(trx, account.connection_id);
    const records = inputs.map((input) => manualRecord(input, account));
    await upsertRecords(
      trx,
      // Inside one transaction: no COPY, one statement at a time (as a statement import).
      {
        bulkInsert: sparseUnnestInsert(trx as unknown as Kysely<unknown>),
        chunkSize: deps.ingest.chunkSize,
        concurrency: 1,
      },
      { clientId, connectionId: account.connection_id },
      'transactions',
      records,
      categorizeUnnamed,
    );
    await publishChanges(trx, account.connection_id);
    const ids = records.map((record) => recordId(account.connection_id, 'transactions', record.naturalKey));
    const texts = await renderTransactions(trx, clientId, ids, account.external_id);
    return texts.map((text) => JSON.parse(text) as ServedTransaction);
  });
}

/**
 * Removes a manual transaction of the client (the feed reports it removed). NOT_FOUND for one that
 * is not the client's (or already removed); TRANSACTION_NOT_MANUAL for one a source gave.
 */
export async function removeManualTransaction(
  deps: Pick<ServiceDeps, 'db'>,
  clientId: string,
  transactionId: string,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const origin = await findTransactionOrigin(trx, clientId, transactionId);
    if (!origin) throw new AppError('NOT_FOUND', `No transactions record ${transactionId}.`);
    // Both marks: a connector's own field named `manual` never makes its movement removable.
    if (!origin.manual || !origin.natural_key.startsWith(MANUAL_KEY_PREFIX))
      throw new AppError(
        'TRANSACTION_NOT_MANUAL',
        `Transaction ${transactionId} came from its connection's institution; only manual ones can be removed.`,
      );
    await findConnectionByIdForUpdate(trx, origin.connection_id);
    await markTransactionRemoved(trx, clientId, transactionId);
    await publishChanges(trx, origin.connection_id);
  });
}
