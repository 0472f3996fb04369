// Schemas of manual transactions: the movements a client adds to an account itself.
import { Type } from 'typebox';
import { AMOUNT_PATTERN, MAX_MANUAL_TRANSACTIONS } from '../../services/manual-transactions.ts';
import { IdParams, Ref } from '../common.schemas.ts';
import { recordRef } from '../data/data.schemas.ts';
import { manualTransactionExample, manualTransactionsRequestExample } from '../openapi/examples.ts';

export const ManualTransactionInput = Type.Object(
  {
    external_id: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'Your id of the movement: sending it again updates the same transaction.',
    }),
    operation_date: Type.String({ format: 'date' }),
    value_date: Type.Optional(Type.String({ format: 'date' })),
    amount: Type.String({
      pattern: AMOUNT_PATTERN,
      description: 'Signed decimal text, major units: negative = money leaving the account ("-42.50").',
    }),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'Default: the account’s.' })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    reference: Type.Optional(Type.String({ maxLength: 256, description: 'Served as `transaction_id`.' })),
    category: Type.Optional(
      Type.String({
        maxLength: 64,
        description: 'A category or subcategory of the taxonomy; without one the categoriser decides.',
      }),
    ),
  },
  {
    $id: 'ManualTransactionInput',
    additionalProperties: false,
    description: 'A movement you enter yourself.',
    examples: manualTransactionsRequestExample.transactions,
  },
);

export const ManualTransactionsRequest = Type.Object(
  {
    transactions: Type.Array(Ref(ManualTransactionInput), {
      minItems: 1,
      maxItems: MAX_MANUAL_TRANSACTIONS,
    }),
  },
  {
    $id: 'ManualTransactionsRequest',
    additionalProperties: false,
    examples: [manualTransactionsRequestExample],
  },
);

export const ManualTransactionsResponse = Type.Object(
  {
    data: Type.Array(recordRef('transactions'), {
      description: 'The stored transactions, in the order sent.',
    }),
  },
  { examples: [{ data: [manualTransactionExample] }] },
);

export const AccountParams = IdParams('acc');
export const TransactionParams = IdParams('txn');
