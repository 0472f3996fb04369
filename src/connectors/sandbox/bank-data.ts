// Banco Sandbox's data: a current account with a realistic history (salary on the 28th, rent on
// the 1st, utilities, card purchases at real merchants with bank categories and Norma 43 codes,
// running balances that add up), a savings account, a joint account, a debit and a credit card,
// a mortgage and a personal loan. Pure functions of the profile; nothing here is random at run time.
import { makeIban, makePan, maskPan, spanishBban } from '../../domain/identifiers.ts';
import { centsToDecimal, centsToSpanish } from '../../domain/money.ts';
import type { NormalizedRecord } from '../../domain/records.ts';
import { fixedMovements, type Merchant, merchants, norma43 } from './catalog.ts';
import { makePerson, type Person } from './people.ts';
import { addDays, type SandboxProfile } from './profile.ts';
import { createRandom, type Random, seedFrom } from './random.ts';

export const BANK_CODE = '9999';
const OPENING_BALANCE_CENTS = 312_045;

export interface Movement {
  key: string;
  date: string;
  cents: number;
  description: string;
  bankCategory: string;
  concept: string;
  merchant?: Merchant;
  counterparty?: string;
  card: boolean;
  pending: boolean;
  /** Natural key of the pending movement this posted one settles. */
  settles?: string;
}

export interface BankWorld {
  person: Person;
  coHolder: Person;
  currentIban: string;
  savingsIban: string;
  jointIban: string;
  debitPan: string;
  creditPan: string;
}

export function bankWorld(profile: SandboxProfile): BankWorld {
  const random = createRandom(seedFrom('bank', profile.username));
  const person = makePerson(random, profile.username);
  const coHolder = makePerson(
    createRandom(seedFrom('co-holder', profile.username)),
    `${profile.username}.partner`,
  );
  const account = () => String(random.int(0, 9_999_999_999)).padStart(10, '0');
  return {
    person,
    coHolder,
    currentIban: makeIban('ES', spanishBban(BANK_CODE, '0001', account())),
    savingsIban: makeIban('ES', spanishBban(BANK_CODE, '0001', account())),
    jointIban: makeIban('ES', spanishBban(BANK_CODE, '0002', account())),
    debitPan: makePan('454881', String(random.int(100_000_000, 999_999_999))),
    creditPan: makePan('522436', String(random.int(100_000_000, 999_999_999))),
  };
}

/** Fixed monthly movements that fall inside [from, to]. */
function fixedDates(
  from: string,
  to: string,
): Array<{ date: string; movement: (typeof fixedMovements)[number] }> {
  const result: Array<{ date: string; movement: (typeof fixedMovements)[number] }> = [];
  const start = new Date(`${from.slice(0, 7)}-01T00:00:00Z`);
  for (
    let month = new Date(start);
    month.toISOString().slice(0, 10) <= to;
    month.setUTCMonth(month.getUTCMonth() + 1)
  ) {
    for (const movement of fixedMovements) {
      const date = `${month.toISOString().slice(0, 7)}-${String(movement.day).padStart(2, '0')}`;
      if (date >= from && date <= to) result.push({ date, movement });
    }
  }
  return result;
}

function randomMovement(
  random: Random,
  key: string,
  date: string,
  scale: number,
  debitPan: string,
): Movement {
  const roll = random.next();
  if (roll < 0.82) {
    const merchant = random.pick(merchants);
    const euros = merchant.ticket[0] + random.next() * (merchant.ticket[1] - merchant.ticket[0]);
    return {
      key,
      date,
      cents: -Math.max(1, Math.round(euros * 100 * scale)),
      description: `COMPRA TARJ. ${maskPan(debitPan).slice(-8)} ${merchant.name}`,
      bankCategory: merchant.bankCategory,
      concept: norma43.card,
      merchant,
      card: true,
      pending: false,
    };
  }
  if (roll < 0.9) {
    return {
      key,
      date,
      cents: -Math.max(1, Math.round(random.pick([20, 40, 50, 60, 100]) * 100 * scale)),
      description: 'REINTEGRO CAJERO AUTOMATICO',
      bankCategory: 'Cajeros',
      concept: norma43.atm,
      card: true,
      pending: false,
    };
  }
  const incoming = roll < 0.95;
  const counterparty = random.pick([
    'MARIA LOPEZ RUIZ',
    'JORGE DIAZ GOMEZ',
    'ANA PEREZ MORENO',
    'COMUNIDAD PROPIETARIOS',
  ]);
  return {
    key,
    date,
    cents: Math.round((incoming ? 1 : -1) * random.int(10, 120) * 100 * scale) || (incoming ? 1 : -1),
    description: incoming ? `TRANSFERENCIA DE ${counterparty}` : `TRANSFERENCIA A ${counterparty}`,
    bankCategory: 'Transferencias',
    concept: norma43.transfer,
    counterparty,
    card: false,
    pending: false,
  };
}

/**
 * The current account's movements in date order, exactly `transactionCount` of them, plus what
 * user_dynamic's later rounds add. Card purchases of the last two days are still pending.
 */
export function* currentAccountMovements(profile: SandboxProfile, world: BankWorld): Generator<Movement> {
  const random = createRandom(seedFrom('movements', profile.username));
  const from = addDays(profile.anchor, -(profile.historyDays - 1));
  let fixed = fixedDates(from, profile.anchor);
  if (fixed.length > profile.transactionCount) fixed = fixed.slice(fixed.length - profile.transactionCount);
  const randomCount = profile.transactionCount - fixed.length;
  const months = profile.historyDays / 30.4;
  const expectedSpend = (randomCount / months) * 45;
  const scale = expectedSpend > 120_000 / 100 ? 120_000 / 100 / expectedSpend : 1;
  const pendingFrom = addDays(profile.anchor, -1);

  let fixedIndex = 0;
  let j = 0;
  for (let day = 0; day < profile.historyDays; day++) {
    const date = addDays(from, day);
    while (fixedIndex < fixed.length && fixed[fixedIndex]!.date === date) {
      const { movement } = fixed[fixedIndex++]!;
      yield {
        key: `F-${movement.key}-${date.slice(0, 7)}`,
        date,
        cents: movement.amount(random.next),
        description: movement.description,
        bankCategory: movement.bankCategory,
        concept: movement.concept,
        counterparty: movement.counterparty,
        card: false,
        pending: false,
      };
    }
    // Random movement j falls on day floor(j * days / count): spread evenly, exact in number.
    while (j < randomCount && Math.floor((j * profile.historyDays) / randomCount) === day) {
      const movement = randomMovement(random, `R${j}`, date, scale, world.debitPan);
      j++;
      if (movement.card && date >= pendingFrom) {
        yield* settleOrHold(
          { ...movement, key: `P-${movement.key}` },
          profile.round >= 1,
          movement.key === firstPendingKey(profile, randomCount),
        );
      } else {
        yield movement;
      }
    }
  }
  yield* dynamicRounds(profile, world);
}

/** The first pending purchase of the base history: the hold that vanishes on the first refresh. */
function firstPendingKey(profile: SandboxProfile, randomCount: number): string | undefined {
  const pendingFromDay = profile.historyDays - 2;
  for (let j = 0; j < randomCount; j++) {
    if (Math.floor((j * profile.historyDays) / randomCount) >= pendingFromDay) return `R${j}`;
  }
  return undefined;
}

/** A pending movement: still pending, posted under a new key that links back, or a dropped hold. */
function* settleOrHold(pending: Movement, settled: boolean, isHold: boolean): Generator<Movement> {
  if (!settled) {
    yield { ...pending, pending: true };
  } else if (!isHold) {
    yield { ...pending, key: pending.key.replace(/^P-/, ''), pending: false, settles: pending.key };
  }
}

/** user_dynamic: every refresh (round k ≥ 1) brings three new purchases, pending until the next round. */
function* dynamicRounds(profile: SandboxProfile, world: BankWorld): Generator<Movement> {
  for (let round = 1; round <= profile.round; round++) {
    const random = createRandom(seedFrom('dynamic', profile.username, String(round)));
    const date = addDays(profile.anchor, round);
    for (let i = 0; i < 3; i++) {
      const movement = randomMovement(random, `D${round}-${i}`, date, 1, world.debitPan);
      const card = { ...movement, card: true, key: `P-D${round}-${i}` };
      yield* settleOrHold(card, round < profile.round, i === 0);
    }
  }
}

export interface AccountTotals {
  bookedCents: number;
  pendingCents: number;
  lastDate: string;
}

export function currentAccountTotals(profile: SandboxProfile, world: BankWorld): AccountTotals {
  let bookedCents = OPENING_BALANCE_CENTS;
  let pendingCents = 0;
  let lastDate = profile.anchor;
  for (const movement of currentAccountMovements(profile, world)) {
    if (movement.pending) pendingCents += movement.cents;
    else bookedCents += movement.cents;
    if (movement.date > lastDate) lastDate = movement.date;
  }
  return { bookedCents, pendingCents, lastDate };
}

const ddmmyyyy = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

/** The current account's transactions as normalised records, with running balances. */
export function* currentAccountTransactions(
  profile: SandboxProfile,
  world: BankWorld,
): Generator<NormalizedRecord> {
  let balance = OPENING_BALANCE_CENTS;
  for (const m of currentAccountMovements(profile, world)) {
    if (!m.pending) balance += m.cents;
    const transfer =
      m.concept === norma43.transfer || m.concept === norma43.payroll
        ? m.cents > 0
          ? {
              beneficiary: world.person.fullName.toUpperCase(),
              iban_beneficiary: world.currentIban,
              ordenant: m.counterparty ?? null,
              iban_ordenant: null,
            }
          : {
              beneficiary: m.counterparty ?? null,
              iban_beneficiary: null,
              ordenant: world.person.fullName.toUpperCase(),
              iban_ordenant: world.currentIban,
            }
        : null;
    yield {
      product: 'transactions',
      naturalKey: m.key,
      parentKey: world.currentIban,
      data: {
        amount: centsToDecimal(m.cents),
        currency: 'EUR',
        balance: m.pending ? null : centsToDecimal(balance),
        operation_date: m.date,
        value_date: m.pending ? null : m.date,
        description: m.description,
        product_description: 'Cuenta Sandbox Nómina',
        transaction_id: m.key,
        card_number: m.card ? maskPan(world.debitPan) : null,
        bank_category: m.bankCategory,
        norma43: m.concept,
        mcc: m.merchant?.mcc ?? null,
        counterparty: m.merchant?.name ?? m.counterparty ?? null,
        transfer,
        pending: m.pending,
        pending_natural_key: m.settles ?? null,
      },
      raw: {
        numMovimiento: m.key,
        fechaOperacion: ddmmyyyy(m.date),
        fechaValor: m.pending ? null : ddmmyyyy(m.date),
        concepto: m.description,
        importe: centsToSpanish(m.cents),
        saldo: m.pending ? null : centsToSpanish(balance),
        codConceptoComun: m.concept,
        estado: m.pending ? 'RETENIDO' : 'CONTABILIZADO',
      },
    };
  }
}

export { OPENING_BALANCE_CENTS };
