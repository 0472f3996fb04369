// The three simulated Enable Banking ASPSPs and their deterministic data. Every row is generated
// once, at start, from a seed and day offsets relative to the simulated clock's first day (the
// anchor), over two years before it and one year after it: rows after the clock's current day are
// not visible yet, so moving the clock forward makes new transactions arrive and pending ones book,
// as they would at a real bank. What each bank does differently (ids, signs, counterparty fields,
// pending rows, currencies) is a quirk of the ASPSP, read by the server when it renders a row.
import { createHash } from 'node:crypto';

export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (UTC) of an instant: Enable Banking's dates are UTC calendar days. */
export function epochDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export type Indicator = 'CRDT' | 'DBIT';

export interface Counterparty {
  name?: string;
  iban?: string;
  /** Only in `postal_address.address_line`, with no `name` (the ING-style quirk). */
  addressLine?: string[];
}

/** One transaction as the bank knows it; its status at a given day is derived from its days. */
export interface RowTemplate {
  /** Stable within the account; the seed of its entry_reference and transaction_id. */
  key: string;
  /** Absolute epoch days; null on the one row with no date at all. */
  transactionDay: number | null;
  /** The day it books; null if it never books. Before it (and from transactionDay) it is PDNG. */
  bookingDay: number | null;
  /** First day it is visible (the transaction day, or the anchor for the undated row). */
  appearsDay: number;
  /** A pending row that never books disappears from this day on. */
  vanishesDay?: number;
  /** Positive, in minor units. */
  amountCents: number;
  currency: string;
  indicator: Indicator;
  counterparty?: Counterparty;
  remittance: string[];
  bankTransactionCode?: { code: string; sub_code: string; description: string };
  merchantCategoryCode?: string;
}

export interface BalanceSpec {
  /** Enable Banking balance_type. */
  type: 'CLAV' | 'CLBD' | 'ITAV' | 'ITBD' | 'OPAV' | 'XPCD';
  name: string;
  currency: string;
}

export interface AccountTemplate {
  /** Stable across sessions (the bank's own account); the uid is per session. */
  key: string;
  /** AccountResource fields except uid and identification hashes. */
  resource: Record<string, unknown>;
  identificationHash: string;
  identificationHashes: string[];
  /** Identification used to honour `access.accounts` in POST /auth. */
  matchIds: string[];
  /** Booked balance per currency at the end of the anchor day (earlier balances follow from the rows). */
  balanceAtAnchorCents: Record<string, number>;
  creditLimitCents?: number;
  balances: BalanceSpec[];
  rows: RowTemplate[];
}

export type EntryReferenceMode = 'stable' | 'none' | 'positional';

export interface AspspScenario {
  name: string;
  country: string;
  bic: string;
  /** Seconds, as GET /aspsps reports it. */
  maximumConsentValidity: number;
  /** Days of history (inclusive of today) reachable once the full-history window is over. */
  historyDays: number;
  /** Days of history reachable within `fullHistoryWindowMs` of the session's authorization. */
  fullHistoryDays: number;
  fullHistoryWindowMs: number;
  psuTypes: Array<'personal' | 'business'>;
  entryReference: EntryReferenceMode;
  /** DBIT amounts carry a minus sign (some banks send them so; most do not). */
  signedAmounts: boolean;
  /** transaction_id changes on every fetch of the list (the "no id" bank). */
  transactionIdPerFetch: boolean;
  /** A pending row books under a new transaction_id and without an entry_reference. */
  pendingBooksUnderNewId: boolean;
  balanceAfterTransaction: boolean;
  holderName: string;
  accounts: AccountTemplate[];
}

// --- deterministic helpers --------------------------------------------------------------------

function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** mulberry32: small, fast, and the same sequence for the same seed on every run. */
function rng(seed: string): () => number {
  let state = seedOf(seed);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function between(random: () => number, min: number, max: number): number {
  return Math.round(min + random() * (max - min));
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** An IBAN with valid check digits (ISO 13616 mod 97) for a country and its BBAN. */
function iban(country: string, bban: string): string {
  const digits = `${bban}${country}00`
    .toUpperCase()
    .split('')
    .map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c))
    .join('');
  let remainder = 0;
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  return `${country}${String(98 - remainder).padStart(2, '0')}${bban}`;
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

// Enable Banking's identification hashes are `<base64 of the field paths hashed>.<base64 hash>`
// (the examples in its API reference decode to exactly these path lists); the same account gives
// the same hash in every session, which is what makes re-consent keep account identities.
const IBAN_PATHS = b64('[\n[\n"account",\n"account_id",\n"iban"\n]\n]');
const OTHER_PATHS = b64(
  '[\n[\n"aspsp_name"\n],\n[\n"aspsp_country"\n],\n[\n"account",\n"account_id",\n"other",\n"scheme_name"\n],\n[\n"account",\n"account_id",\n"other",\n"identification"\n]\n]',
);

function hashOf(paths: string, ...values: string[]): string {
  return `${paths}.${createHash('sha256').update(values.join('\n')).digest('base64')}`;
}

interface Identified {
  identificationHash: string;
  identificationHashes: string[];
}

function ibanHashes(aspsp: string, country: string, ibanValue: string, bban: string): Identified {
  const primary = hashOf(IBAN_PATHS, ibanValue);
  return {
    identificationHash: primary,
    identificationHashes: [primary, hashOf(OTHER_PATHS, aspsp, country, 'BBAN', bban)],
  };
}

function otherHashes(aspsp: string, country: string, scheme: string, identification: string): Identified {
  const primary = hashOf(OTHER_PATHS, aspsp, country, scheme, identification);
  return { identificationHash: primary, identificationHashes: [primary] };
}

/** Every day-of-month `dayOfMonth` between two epoch days, inclusive. */
function monthly(fromDay: number, toDay: number, dayOfMonth: number): number[] {
  const days: number[] = [];
  const start = new Date(fromDay * DAY_MS);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth();
  for (;;) {
    const day = epochDay(Date.UTC(year, month, dayOfMonth));
    if (day > toDay) break;
    if (day >= fromDay) days.push(day);
    month++;
    if (month === 12) {
      month = 0;
      year++;
    }
  }
  return days;
}

interface Window {
  /** First generated day (two years back) and last (one year ahead). */
  first: number;
  last: number;
  anchor: number;
}

function row(
  partial: Omit<RowTemplate, 'appearsDay' | 'bookingDay'> & {
    bookingDay?: number | null;
    appearsDay?: number;
  },
): RowTemplate {
  const bookingDay = partial.bookingDay === undefined ? partial.transactionDay : partial.bookingDay;
  return {
    ...partial,
    bookingDay,
    appearsDay: partial.appearsDay ?? partial.transactionDay ?? bookingDay ?? 0,
  };
}

const CARD_CODE = { code: 'CCRD', sub_code: 'POSD', description: 'Card payment' };
const TRANSFER_IN = { code: 'RCDT', sub_code: 'ESCT', description: 'SEPA credit transfer received' };
const TRANSFER_OUT = { code: 'ICDT', sub_code: 'ESCT', description: 'SEPA credit transfer' };
const DIRECT_DEBIT = { code: 'IDDT', sub_code: 'ESDD', description: 'SEPA direct debit' };

// --- 1. Banco Simulado (ES): the well-behaved bank ---------------------------------------------

function bancoSimulado(w: Window): AspspScenario {
  const aspsp = 'Banco Simulado';
  const country = 'ES';
  const holder = 'María García López';
  const random = rng('banco-simulado');
  const servicer = { bic_fi: 'SIMUESMMXXX', clearing_system_member_id: null, name: aspsp };
  const history = { from: w.anchor - 729, to: w.last };

  // Current account: five movements a month over two years (~120 booked before the anchor), plus
  // two card payments still pending on the anchor day.
  const caccBban = '21000418450200051332';
  const caccIban = iban(country, caccBban);
  const caccRows: RowTemplate[] = [];
  for (const day of monthly(history.from, history.to, 28))
    caccRows.push(
      row({
        key: `salary-${isoDay(day)}`,
        transactionDay: day,
        amountCents: 245_000,
        currency: 'EUR',
        indicator: 'CRDT',
        counterparty: { name: 'EMPRESA SIMULADA SL', iban: iban(country, '00491500051234567892') },
        remittance: [`NOMINA ${isoDay(day).slice(0, 7)}`],
        bankTransactionCode: TRANSFER_IN,
      }),
    );
  for (const day of monthly(history.from, history.to, 1))
    caccRows.push(
      row({
        key: `rent-${isoDay(day)}`,
        transactionDay: day,
        amountCents: 85_000,
        currency: 'EUR',
        indicator: 'DBIT',
        counterparty: { name: 'INMOBILIARIA SOL SA', iban: iban(country, '01822370420201504312') },
        remittance: ['ALQUILER VIVIENDA'],
        bankTransactionCode: TRANSFER_OUT,
      }),
    );
  for (const day of monthly(history.from, history.to, 10))
    caccRows.push(
      row({
        key: `power-${isoDay(day)}`,
        transactionDay: day,
        amountCents: between(random, 3_800, 9_200),
        currency: 'EUR',
        indicator: 'DBIT',
        counterparty: { name: 'ELECTRICA DEL SUR SA' },
        remittance: ['RECIBO LUZ', 'REF 0021-3345'],
        bankTransactionCode: DIRECT_DEBIT,
      }),
    );
  for (const day of monthly(history.from, history.to, 15))
    caccRows.push(
      row({
        key: `phone-${isoDay(day)}`,
        transactionDay: day,
        amountCents: 2_999,
        currency: 'EUR',
        indicator: 'DBIT',
        counterparty: { name: 'TELEFONICA MOVILES' },
        remittance: ['RECIBO MOVIL'],
        bankTransactionCode: DIRECT_DEBIT,
      }),
    );
  for (const day of monthly(history.from, history.to, 20))
    caccRows.push(
      row({
        key: `grocery-${isoDay(day)}`,
        transactionDay: day,
        amountCents: between(random, 2_500, 14_000),
        currency: 'EUR',
        indicator: 'DBIT',
        counterparty: { name: pick(random, ['MERCADONA', 'CARREFOUR', 'DIA']) },
        remittance: ['COMPRA TARJ. 4940********1234'],
        bankTransactionCode: CARD_CODE,
        merchantCategoryCode: '5411',
      }),
    );
  caccRows.push(
    row({
      key: 'pending-fuel',
      transactionDay: w.anchor - 1,
      bookingDay: w.anchor + 1,
      amountCents: 6_050,
      currency: 'EUR',
      indicator: 'DBIT',
      counterparty: { name: 'REPSOL ESTACION 1123' },
      remittance: ['COMPRA TARJ. 4940********1234 REPSOL'],
      bankTransactionCode: CARD_CODE,
      merchantCategoryCode: '5541',
    }),
    row({
      key: 'pending-pharmacy',
      transactionDay: w.anchor,
      bookingDay: w.anchor + 2,
      amountCents: 1_875,
      currency: 'EUR',
      indicator: 'DBIT',
      counterparty: { name: 'FARMACIA CENTRAL' },
      remittance: ['COMPRA TARJ. 4940********1234 FARMACIA'],
      bankTransactionCode: CARD_CODE,
      merchantCategoryCode: '5912',
    }),
  );

  // Savings: quarterly interest and two transfers in (~10 over two years).
  const svgsBban = '21000418450200098765';
  const svgsIban = iban(country, svgsBban);
  const svgsRows: RowTemplate[] = [];
  for (const day of monthly(history.from, history.to, 28).filter((_, i) => i % 3 === 2))
    svgsRows.push(
      row({
        key: `interest-${isoDay(day)}`,
        transactionDay: day,
        amountCents: between(random, 1_200, 2_600),
        currency: 'EUR',
        indicator: 'CRDT',
        counterparty: { name: aspsp },
        remittance: ['LIQUIDACION INTERESES'],
      }),
    );
  for (const [index, offset] of [-600, -200].entries())
    svgsRows.push(
      row({
        key: `deposit-${index}`,
        transactionDay: w.anchor + offset,
        amountCents: 150_000,
        currency: 'EUR',
        indicator: 'CRDT',
        counterparty: { name: holder, iban: caccIban },
        remittance: ['TRASPASO A AHORRO'],
        bankTransactionCode: TRANSFER_IN,
      }),
    );

  // Credit card: a purchase every ~24 days (~30 over two years), booked the next day.
  const cardPan = '4940 19** **** 5678';
  const cardRows: RowTemplate[] = [];
  const merchants = [
    ['AMAZON EU SARL', '5942'],
    ['RENFE VIAJEROS', '4112'],
    ['EL CORTE INGLES', '5311'],
    ['RESTAURANTE LA TASCA', '5812'],
    ['IBERIA', '3005'],
  ] as const;
  for (let day = history.from + 5, i = 0; day <= history.to; day += 24, i++) {
    const [merchant, mcc] = pick(random, merchants);
    cardRows.push(
      row({
        key: `card-${i}`,
        transactionDay: day,
        bookingDay: day + 1,
        amountCents: between(random, 1_500, 18_000),
        currency: 'EUR',
        indicator: 'DBIT',
        counterparty: { name: merchant },
        remittance: [merchant],
        bankTransactionCode: CARD_CODE,
        merchantCategoryCode: mcc,
      }),
    );
  }

  // Loan: monthly instalments since it was granted a year ago (~12).
  const loanNumber = '0049-1500-70-0012345678';
  const loanRows: RowTemplate[] = monthly(w.anchor - 364, history.to, 5).map((day, i) =>
    row({
      key: `instalment-${i + 1}`,
      transactionDay: day,
      amountCents: 41_235,
      currency: 'EUR',
      indicator: 'CRDT',
      counterparty: { name: holder, iban: caccIban },
      remittance: [`CUOTA PRESTAMO ${i + 1}/120`],
      bankTransactionCode: DIRECT_DEBIT,
    }),
  );

  const fiveBalances = (currency: string): BalanceSpec[] => [
    { type: 'ITBD', name: 'Saldo contable intradía', currency },
    { type: 'CLBD', name: 'Saldo contable', currency },
    { type: 'ITAV', name: 'Saldo disponible', currency },
    { type: 'XPCD', name: 'Saldo previsto', currency },
    { type: 'OPAV', name: 'Saldo disponible de apertura', currency },
  ];
  const base = {
    account_servicer: servicer,
    name: holder,
    usage: 'PRIV',
    psu_status: 'Account Holder',
    legal_age: true,
    postal_address: null,
    credit_limit: null,
  };
  return {
    name: aspsp,
    country,
    bic: 'SIMUESMMXXX',
    maximumConsentValidity: 180 * 86_400,
    historyDays: 90,
    fullHistoryDays: 730,
    fullHistoryWindowMs: 3_600_000,
    psuTypes: ['personal', 'business'],
    entryReference: 'stable',
    signedAmounts: true,
    transactionIdPerFetch: false,
    pendingBooksUnderNewId: false,
    balanceAfterTransaction: true,
    holderName: holder,
    accounts: [
      {
        key: 'banco-cacc',
        resource: {
          ...base,
          account_id: { iban: caccIban, other: null },
          all_account_ids: [{ identification: caccBban, scheme_name: 'BBAN', issuer: null }],
          details: 'Cuenta Corriente',
          cash_account_type: 'CACC',
          product: 'Cuenta Online Simulada',
          currency: 'EUR',
        },
        ...ibanHashes(aspsp, country, caccIban, caccBban),
        matchIds: [caccIban, caccBban],
        balanceAtAnchorCents: { EUR: 315_000 },
        balances: fiveBalances('EUR'),
        rows: caccRows,
      },
      {
        key: 'banco-svgs',
        resource: {
          ...base,
          account_id: { iban: svgsIban, other: null },
          all_account_ids: [{ identification: svgsBban, scheme_name: 'BBAN', issuer: null }],
          details: 'Cuenta Ahorro',
          cash_account_type: 'SVGS',
          product: 'Cuenta Ahorro Simulada',
          currency: 'EUR',
        },
        ...ibanHashes(aspsp, country, svgsIban, svgsBban),
        matchIds: [svgsIban, svgsBban],
        balanceAtAnchorCents: { EUR: 1_000_000 },
        balances: fiveBalances('EUR'),
        rows: svgsRows,
      },
      {
        key: 'banco-card',
        resource: {
          ...base,
          account_id: { iban: null, other: { identification: cardPan, scheme_name: 'CPAN', issuer: null } },
          all_account_ids: [{ identification: cardPan, scheme_name: 'CPAN', issuer: null }],
          details: 'Tarjeta de Crédito Visa',
          cash_account_type: 'CARD',
          product: 'Visa Clásica',
          currency: 'EUR',
          credit_limit: { currency: 'EUR', amount: '3000.00' },
        },
        ...otherHashes(aspsp, country, 'CPAN', cardPan),
        matchIds: [cardPan],
        balanceAtAnchorCents: { EUR: -84_250 },
        creditLimitCents: 300_000,
        balances: fiveBalances('EUR'),
        rows: cardRows,
      },
      {
        key: 'banco-loan',
        resource: {
          ...base,
          account_id: {
            iban: null,
            other: { identification: loanNumber, scheme_name: 'BBAN', issuer: null },
          },
          all_account_ids: [{ identification: loanNumber, scheme_name: 'BBAN', issuer: null }],
          details: 'Préstamo Personal',
          cash_account_type: 'LOAN',
          product: 'Préstamo Coche',
          currency: 'EUR',
        },
        ...otherHashes(aspsp, country, 'BBAN', loanNumber),
        matchIds: [loanNumber],
        balanceAtAnchorCents: { EUR: -3_705_180 },
        balances: fiveBalances('EUR'),
        rows: loanRows,
      },
    ],
  };
}

// --- 2. Nordea Simulado (FI): the "no id" bank -------------------------------------------------

function nordeaSimulado(w: Window): AspspScenario {
  const aspsp = 'Nordea Simulado';
  const country = 'FI';
  const holder = 'Aino Virtanen';
  const random = rng('nordea-simulado');
  const servicer = { bic_fi: 'SIMUFIHH', clearing_system_member_id: null, name: aspsp };
  const from = w.anchor - 729;

  // Current account: a card purchase every other day and a salary each month; every third
  // purchase names the shop only in the creditor's address lines.
  const caccBban = '15723500012345';
  const caccIban = iban(country, caccBban);
  const caccRows: RowTemplate[] = [];
  const shops = [
    ['K-Market Kamppi', '00100 Helsinki', '5411'],
    ['Alko Forum', '00100 Helsinki', '5921'],
    ['HSL Mobiili', '00520 Helsinki', '4111'],
    ['S-Market Töölö', '00250 Helsinki', '5411'],
  ] as const;
  for (let day = from, i = 0; day <= w.last; day += 2, i++) {
    const [shop, town, mcc] = pick(random, shops);
    caccRows.push(
      row({
        key: `card-${i}`,
        transactionDay: day,
        amountCents: between(random, 300, 9_000),
        currency: 'EUR',
        indicator: 'DBIT',
        counterparty:
          i % 3 === 0 ? { addressLine: [shop.toUpperCase(), town.toUpperCase()] } : { name: shop },
        remittance: [`${shop} ${isoDay(day)}`],
        bankTransactionCode: CARD_CODE,
        merchantCategoryCode: mcc,
      }),
    );
  }
  for (const day of monthly(from, w.last, 15))
    caccRows.push(
      row({
        key: `salary-${isoDay(day)}`,
        transactionDay: day,
        amountCents: 312_000,
        currency: 'EUR',
        indicator: 'CRDT',
        counterparty: { name: 'Simuloitu Oy', iban: iban(country, '80001700045678') },
        remittance: ['PALKKA'],
        bankTransactionCode: TRANSFER_IN,
      }),
    );
  caccRows.push(
    row({
      key: 'pending-card',
      transactionDay: w.anchor,
      bookingDay: w.anchor + 1,
      amountCents: 1_290,
      currency: 'EUR',
      indicator: 'DBIT',
      counterparty: { addressLine: ['R-KIOSKI RAUTATIEASEMA', '00100 HELSINKI'] },
      remittance: ['R-Kioski Rautatieasema'],
      bankTransactionCode: CARD_CODE,
      merchantCategoryCode: '5994',
    }),
  );

  const svgsBban = '15723500098765';
  const svgsIban = iban(country, svgsBban);
  const svgsRows = monthly(from, w.last, 1).map((day) =>
    row({
      key: `saving-${isoDay(day)}`,
      transactionDay: day,
      amountCents: 20_000,
      currency: 'EUR',
      indicator: 'CRDT',
      counterparty: { name: holder, iban: caccIban },
      remittance: ['Säästö'],
      bankTransactionCode: TRANSFER_IN,
    }),
  );

  const balances: BalanceSpec[] = [
    { type: 'ITAV', name: 'Available balance', currency: 'EUR' },
    { type: 'CLAV', name: 'Closing available balance', currency: 'EUR' },
  ];
  const base = {
    account_servicer: servicer,
    name: holder,
    usage: 'PRIV',
    psu_status: null,
    legal_age: true,
    postal_address: null,
    credit_limit: null,
    currency: 'EUR',
  };
  return {
    name: aspsp,
    country,
    bic: 'SIMUFIHH',
    maximumConsentValidity: 90 * 86_400,
    historyDays: 90,
    fullHistoryDays: 90,
    fullHistoryWindowMs: 3_600_000,
    psuTypes: ['personal'],
    entryReference: 'none',
    signedAmounts: false,
    transactionIdPerFetch: true,
    pendingBooksUnderNewId: false,
    balanceAfterTransaction: false,
    holderName: holder,
    accounts: [
      {
        key: 'nordea-cacc',
        resource: {
          ...base,
          account_id: { iban: caccIban, other: null },
          all_account_ids: [],
          details: 'Käyttötili',
          cash_account_type: 'CACC',
          product: 'Nordea Käyttötili',
        },
        ...ibanHashes(aspsp, country, caccIban, caccBban),
        matchIds: [caccIban],
        balanceAtAnchorCents: { EUR: 520_000 },
        balances,
        rows: caccRows,
      },
      {
        key: 'nordea-svgs',
        resource: {
          ...base,
          account_id: { iban: svgsIban, other: null },
          all_account_ids: [],
          details: 'Säästötili',
          cash_account_type: 'SVGS',
          product: 'Nordea Säästötili',
        },
        ...ibanHashes(aspsp, country, svgsIban, svgsBban),
        matchIds: [svgsIban],
        balanceAtAnchorCents: { EUR: 500_000 },
        balances,
        rows: svgsRows,
      },
    ],
  };
}

// --- 3. Banque Positionnelle (FR): positional ids, churning pending rows, XXX currency ----------

function banquePositionnelle(w: Window): AspspScenario {
  const aspsp = 'Banque Positionnelle';
  const country = 'FR';
  const holder = 'Camille Martin';
  const random = rng('banque-positionnelle');
  const servicer = { bic_fi: 'SIMUFRPPXXX', clearing_system_member_id: null, name: aspsp };
  const from = w.anchor - 729;

  // Current account: two card payments every third day (so positional references reach .2),
  // booked the same day; a monthly salary; two card payments pending on the anchor that book
  // one and two days later under new ids; one pending row with no date that vanishes.
  const caccBban = '30004000030001234567801';
  const caccIban = iban(country, caccBban);
  const caccRows: RowTemplate[] = [];
  const shops = [
    ['CARREFOUR CITY', '5411'],
    ['SNCF CONNECT', '4112'],
    ['BOULANGERIE PAUL', '5462'],
    ['FNAC', '5732'],
  ] as const;
  for (let day = from, i = 0; day <= w.last; day += 3, i++)
    for (const slot of [0, 1]) {
      const [shop, mcc] = pick(random, shops);
      caccRows.push(
        row({
          key: `card-${i}-${slot}`,
          transactionDay: day,
          amountCents: between(random, 250, 8_000),
          currency: 'EUR',
          indicator: 'DBIT',
          counterparty: { name: shop },
          remittance: [`CB ${shop} ${isoDay(day).slice(8, 10)}/${isoDay(day).slice(5, 7)}`],
          bankTransactionCode: CARD_CODE,
          merchantCategoryCode: mcc,
        }),
      );
    }
  for (const day of monthly(from, w.last, 27))
    caccRows.push(
      row({
        key: `salary-${isoDay(day)}`,
        transactionDay: day,
        amountCents: 268_000,
        currency: 'EUR',
        indicator: 'CRDT',
        counterparty: {
          name: 'SIMULATION SAS',
          iban: iban(country, '10278000100002020304006'),
        },
        remittance: ['VIR SALAIRE'],
        bankTransactionCode: TRANSFER_IN,
      }),
    );
  caccRows.push(
    row({
      key: 'pending-1',
      transactionDay: w.anchor - 1,
      bookingDay: w.anchor + 1,
      amountCents: 4_290,
      currency: 'EUR',
      indicator: 'DBIT',
      counterparty: { name: 'TOTALENERGIES' },
      remittance: ['CB TOTALENERGIES'],
      bankTransactionCode: CARD_CODE,
      merchantCategoryCode: '5541',
    }),
    row({
      key: 'pending-2',
      transactionDay: w.anchor,
      bookingDay: w.anchor + 2,
      amountCents: 1_150,
      currency: 'EUR',
      indicator: 'DBIT',
      counterparty: { name: 'MONOPRIX' },
      remittance: ['CB MONOPRIX'],
      bankTransactionCode: CARD_CODE,
      merchantCategoryCode: '5411',
    }),
    row({
      key: 'pending-undated',
      transactionDay: null,
      bookingDay: null,
      appearsDay: w.anchor,
      vanishesDay: w.anchor + 3,
      amountCents: 2_000,
      currency: 'EUR',
      indicator: 'DBIT',
      counterparty: { name: 'PREAUTORISATION HOTEL' },
      remittance: ['PREAUTORISATION CB'],
      bankTransactionCode: CARD_CODE,
    }),
  );

  // Multi-currency account (currency XXX): movements in EUR and USD, balances in both.
  const multiBban = '30004000030009876543202';
  const multiIban = iban(country, multiBban);
  const multiRows: RowTemplate[] = [];
  for (let day = from + 3, i = 0; day <= w.last; day += 9, i++) {
    const usd = i % 2 === 1;
    multiRows.push(
      row({
        key: `fx-${i}`,
        transactionDay: day,
        amountCents: between(random, 1_000, 60_000),
        currency: usd ? 'USD' : 'EUR',
        indicator: i % 5 === 0 ? 'CRDT' : 'DBIT',
        counterparty: { name: usd ? 'STRIPE PAYMENTS US' : 'SIMULATION SAS' },
        remittance: [usd ? 'INVOICE USD' : 'FACTURE EUR'],
        bankTransactionCode: i % 5 === 0 ? TRANSFER_IN : TRANSFER_OUT,
      }),
    );
  }

  const base = {
    account_servicer: servicer,
    name: holder,
    usage: 'PRIV',
    psu_status: 'Titulaire',
    legal_age: null,
    postal_address: null,
    credit_limit: null,
    all_account_ids: [],
  };
  return {
    name: aspsp,
    country,
    bic: 'SIMUFRPPXXX',
    maximumConsentValidity: 180 * 86_400,
    historyDays: 90,
    fullHistoryDays: 90,
    fullHistoryWindowMs: 3_600_000,
    psuTypes: ['personal'],
    entryReference: 'positional',
    signedAmounts: false,
    transactionIdPerFetch: false,
    pendingBooksUnderNewId: true,
    balanceAfterTransaction: false,
    holderName: holder,
    accounts: [
      {
        key: 'positionnelle-cacc',
        resource: {
          ...base,
          account_id: { iban: caccIban, other: null },
          details: 'Compte chèques',
          cash_account_type: 'CACC',
          product: 'Compte de dépôt',
          currency: 'EUR',
        },
        ...ibanHashes(aspsp, country, caccIban, caccBban),
        matchIds: [caccIban],
        balanceAtAnchorCents: { EUR: 180_000 },
        balances: [
          { type: 'CLBD', name: 'Solde comptable', currency: 'EUR' },
          { type: 'XPCD', name: 'Solde prévisionnel', currency: 'EUR' },
        ],
        rows: caccRows,
      },
      {
        key: 'positionnelle-multi',
        resource: {
          ...base,
          account_id: { iban: multiIban, other: null },
          details: 'Compte multidevise',
          cash_account_type: 'CACC',
          product: 'Compte devises',
          currency: 'XXX',
        },
        ...ibanHashes(aspsp, country, multiIban, multiBban),
        matchIds: [multiIban],
        balanceAtAnchorCents: { EUR: 1_200_000, USD: 800_000 },
        balances: [
          { type: 'CLBD', name: 'Solde comptable EUR', currency: 'EUR' },
          { type: 'CLBD', name: 'Solde comptable USD', currency: 'USD' },
          { type: 'XPCD', name: 'Solde prévisionnel EUR', currency: 'EUR' },
          { type: 'XPCD', name: 'Solde prévisionnel USD', currency: 'USD' },
        ],
        rows: multiRows,
      },
    ],
  };
}

/** The ASPSPs of a simulator whose clock started at `anchorMs`. */
export function buildScenarios(anchorMs: number): AspspScenario[] {
  const anchor = epochDay(anchorMs);
  const window: Window = { anchor, first: anchor - 729, last: anchor + 365 };
  return [bancoSimulado(window), nordeaSimulado(window), banquePositionnelle(window)];
}
