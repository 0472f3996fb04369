// Schemas of an account's daily balance history (GET /v1/accounts/{id}/balances).
import { Type } from 'typebox';
import { Page, PageQuery } from '../../http/pagination.ts';
import { IdParams, Nullable, Ref } from '../common.schemas.ts';
import { balanceExample, pageExample } from '../openapi/examples.ts';

const money = (description: string) => Type.Number({ description: `${description} Major units.` });

export const BalanceSchema = Type.Object(
  {
    account_id: Type.String(),
    connection_id: Type.String(),
    date: Type.String({ format: 'date', description: 'The day (UTC) whose last snapshot this is.' }),
    balance: money('The account’s balance at the last refresh or import of that day.'),
    available_balance: Nullable(money('The available balance then, when the source gives one.')),
    currency: Nullable(Type.String()),
  },
  {
    $id: 'Balance',
    description: 'One account’s balance at the end of one day.',
    examples: [balanceExample],
  },
);

export const BalanceParams = IdParams('acc');

export const BalanceQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date', description: 'First day, inclusive (YYYY-MM-DD).' })),
    to: Type.Optional(Type.String({ format: 'date', description: 'Last day, inclusive (YYYY-MM-DD).' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const BalancePage = Type.Object(
  { ...Page(Ref(BalanceSchema), '').properties },
  {
    description: 'Daily balances, oldest first.',
    examples: [pageExample([balanceExample], [balanceExample.date])],
  },
);
