// What a simulated SimpleFIN Bridge user has linked, in SimpleFIN's shapes: two bank connections
// (a bank with checking and savings, a card issuer with a card and a points balance in a custom
// currency), 400 days of posted history, and pending rows. Everything is a pure function of the
// user's creation time `t0` (epoch seconds) and the simulator's clock, so two reads at the same
// time are identical. One pending card purchase never posts; the pending fuel purchase on
// checking posts one day after t0 under a new id, with no link to the pending one (as the Bridge
// does), dated t0 by the bank.
export const DAY = 86_400;
export const HISTORY_DAYS = 400;

export interface Connection {
  conn_id: string;
  name: string;
  org_id: string;
  org_name: string;
  org_url: string;
  sfin_url: string;
}

export interface Transaction {
  id: string;
  posted: number;
  amount: string;
  description: string;
  transacted_at?: number;
  pending?: boolean;
  payee?: string;
  memo?: string;
  mcc?: string;
  extra?: Record<string, unknown>;
}

export interface Account {
  id: string;
  name: string;
  conn_id: string;
  currency: string;
  balance: string;
  'available-balance'?: string;
  'balance-date': number;
  transactions: Transaction[];
  extra?: Record<string, unknown>;
}

export const BANK: Connection = {
  conn_id: 'CON-7f3a9c1e-0001',
  name: 'Tesoro Community Bank - Alex',
  org_id: 'ORG-tcb-5521',
  org_name: 'Tesoro Community Bank',
  org_url: 'https://tcb.example',
  sfin_url: 'https://bridge.simplefin.org/simplefin',
};

export const CARD: Connection = {
  conn_id: 'CON-2b8d4e6f-0002',
  name: 'Lone Star Card Services',
  org_id: 'ORG-lscs-0417',
  org_name: 'Lone Star Card Services',
  org_url: 'https://lonestar.example',
  sfin_url: 'https://bridge.simplefin.org/simplefin',
};

export const ACCOUNT_IDS = {
  checking: 'ACT-4f1c-checking',
  savings: 'ACT-8a2e-savings',
  card: 'ACT-c3d9-visa',
  points: 'ACT-e7b0-points',
} as const;

export const POINTS_CURRENCY = 'https://rewards.example/lone-star-points';

const money = (cents: number) =>
  `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

const shops = [
  { payee: 'Corner Grocery', description: 'CORNER GROCERY #118 AUSTIN TX', mcc: '5411' },
  { payee: 'Bean There Coffee', description: 'SQ *BEAN THERE COFFEE', mcc: '5814' },
  { payee: 'Shell', description: 'SHELL OIL 57442 ROUND ROCK', mcc: '5541' },
  { payee: 'Amazon', description: 'AMZN Mktp US*2K4LQ', mcc: '5942' },
  { payee: 'Pharmacy Plus', description: 'PHARMACY PLUS 0093', mcc: '5912' },
];

/** Checking: card spending every third day, payroll every 14 days, electricity every 30. */
function checkingHistory(t0: number): Transaction[] {
  const rows: Transaction[] = [];
  for (let d = 1; d <= HISTORY_DAYS; d++) {
    const posted = t0 - d * DAY;
    if (d % 14 === 0)
      rows.push({
        id: `TRN-chk-${d}-payroll`,
        posted,
        amount: '2500.00',
        description: 'ACME CORP PAYROLL PPD',
        payee: 'Acme Corp',
        transacted_at: posted,
      });
    if (d % 30 === 1)
      rows.push({
        id: `TRN-chk-${d}-power`,
        posted,
        amount: '-120.55',
        description: 'CITY ELECTRIC AUTOPAY',
        payee: 'City Electric',
        memo: 'Account 99812',
        transacted_at: posted - 3_600,
      });
    if (d % 3 === 0) {
      const shop = shops[(d / 3) % shops.length]!;
      rows.push({
        id: `TRN-chk-${d}-card`,
        posted,
        amount: money(-(500 + ((d * 3_731) % 12_000))),
        description: `DEBIT CARD PURCHASE ${shop.description}`,
        payee: shop.payee,
        transacted_at: posted - 86_400 + 3_600,
        extra: { category: 'Shopping' },
      });
    }
  }
  return rows;
}

function savingsHistory(t0: number): Transaction[] {
  const rows: Transaction[] = [];
  for (let d = 30; d <= HISTORY_DAYS; d += 30)
    rows.push({ id: `TRN-sav-${d}`, posted: t0 - d * DAY, amount: '12.34', description: 'INTEREST PAYMENT' });
  return rows;
}

function cardHistory(t0: number): Transaction[] {
  const rows: Transaction[] = [];
  for (let d = 2; d <= HISTORY_DAYS; d += 2) {
    const shop = shops[(d / 2) % shops.length]!;
    rows.push({
      id: `TRN-card-${d}`,
      posted: t0 - d * DAY,
      amount: money(-(300 + ((d * 1_913) % 8_000))),
      description: shop.description,
      payee: shop.payee,
      mcc: shop.mcc,
      transacted_at: t0 - d * DAY - 7_200,
    });
    if (d % 30 === 16)
      rows.push({
        id: `TRN-card-${d}-pay`,
        posted: t0 - d * DAY,
        amount: '500.00',
        description: 'PAYMENT - THANK YOU',
      });
  }
  return rows;
}

/** The fuel purchase: pending until t0 + 1 day, then posted under another id. */
export const PENDING_FUEL_ID = 'TRN-chk-pending-fuel';
export const POSTED_FUEL_ID = 'TRN-chk-posted-fuel';
/** The coffee on the card stays pending. */
export const PENDING_COFFEE_ID = 'TRN-card-pending-coffee';

function pendingRows(t0: number, now: number): { checking: Transaction[]; card: Transaction[] } {
  const fuel =
    now < t0 + DAY
      ? { id: PENDING_FUEL_ID, posted: 0, pending: true, transacted_at: t0 - 3_600 }
      : { id: POSTED_FUEL_ID, posted: t0, transacted_at: t0 - 3_600 };
  return {
    checking: [{ ...fuel, amount: '-45.00', description: 'SHELL OIL 57442 ROUND ROCK', payee: 'Shell' }],
    card: [
      {
        id: PENDING_COFFEE_ID,
        posted: 0,
        pending: true,
        amount: '-4.75',
        description: 'SQ *BEAN THERE COFFEE',
        transacted_at: t0 - 7_200,
      },
    ],
  };
}

/** Every account of the user at `now`, with every transaction (filters are the server's job). */
export function accountsOf(t0: number, now: number): Account[] {
  const pending = pendingRows(t0, now);
  const balanceDate = Math.min(now, t0 + DAY);
  return [
    {
      id: ACCOUNT_IDS.checking,
      name: 'Everyday Checking',
      conn_id: BANK.conn_id,
      currency: 'USD',
      balance: '2481.36',
      'available-balance': '2436.36',
      'balance-date': balanceDate,
      transactions: [...pending.checking, ...checkingHistory(t0)],
    },
    {
      id: ACCOUNT_IDS.savings,
      name: 'High Yield Savings',
      conn_id: BANK.conn_id,
      currency: 'USD',
      // No available-balance: the protocol says it may be left out when equal to the balance.
      balance: '10250.00',
      'balance-date': balanceDate,
      transactions: savingsHistory(t0),
    },
    {
      id: ACCOUNT_IDS.card,
      name: 'Rewards Visa',
      conn_id: CARD.conn_id,
      currency: 'USD',
      balance: '-512.40',
      'available-balance': '4487.60',
      'balance-date': balanceDate,
      transactions: [...pending.card, ...cardHistory(t0)],
      extra: { 'credit-limit': '5000.00' },
    },
    {
      id: ACCOUNT_IDS.points,
      name: 'Travel Points',
      conn_id: CARD.conn_id,
      currency: POINTS_CURRENCY,
      balance: '48210',
      'balance-date': balanceDate,
      transactions: [],
    },
  ];
}
