// Banco Sandbox's other products: accounts, cards and their transactions, loans and their
// instalments, the identity of the user and the holders of each product.
import { maskPan } from '../../domain/identifiers.ts';
import { centsToDecimal, centsToSpanish } from '../../domain/money.ts';
import type { NormalizedRecord } from '../../domain/records.ts';
import { type BankWorld, currentAccountMovements, currentAccountTotals } from './bank-data.ts';
import type { Person } from './people.ts';
import { addDays, type SandboxProfile } from './profile.ts';
import { createRandom, seedFrom } from './random.ts';

export function accounts(profile: SandboxProfile, world: BankWorld): NormalizedRecord[] {
  const totals = currentAccountTotals(profile, world);
  const owner = world.person.fullName.toUpperCase();
  const account = (
    iban: string,
    type: string,
    name: string,
    cents: number,
    owners: string[],
    availableCents = cents,
  ) => ({
    product: 'accounts' as const,
    naturalKey: iban,
    data: {
      iban,
      name,
      alias: name,
      type,
      balance: centsToDecimal(cents),
      available_balance: centsToDecimal(availableCents),
      currency: 'EUR',
      description: name,
      is_owner: true,
      num_owners: owners.length,
      owners,
    },
    raw: {
      codigoIBAN: iban,
      denominacion: name.toUpperCase(),
      saldoContable: centsToSpanish(cents),
      divisa: 'EUR',
      titulares: owners,
    },
  });
  return [
    account(
      world.currentIban,
      'current',
      'Cuenta Sandbox Nómina',
      totals.bookedCents,
      [owner],
      totals.bookedCents + totals.pendingCents,
    ),
    account(
      world.savingsIban,
      'savings',
      'Cuenta Ahorro Plus',
      1_250_000 + (profile.username.length % 7) * 10_000,
      [owner],
    ),
    account(world.jointIban, 'current', 'Cuenta Hogar Compartida', 184_233, [
      owner,
      world.coHolder.fullName.toUpperCase(),
    ]),
  ];
}

export function cards(profile: SandboxProfile, world: BankWorld): NormalizedRecord[] {
  const expiry = `${Number(profile.anchor.slice(0, 4)) + 3}-${profile.anchor.slice(5, 7)}-28`;
  return [
    {
      product: 'cards',
      naturalKey: `card-${world.debitPan.slice(-4)}`,
      data: {
        product: 'Tarjeta Débito Sandbox',
        contract_number: `D${world.debitPan.slice(-8)}`,
        pan: maskPan(world.debitPan),
        emission_date: addDays(profile.anchor, -400),
        expiration_date: expiry,
        available_balance: null,
        card_type: 'debit',
        account_iban: world.currentIban,
        currency: 'EUR',
      },
      raw: { numeroTarjeta: maskPan(world.debitPan), tipo: 'DEBITO', cuentaAsociada: world.currentIban },
    },
    {
      product: 'cards',
      naturalKey: `card-${world.creditPan.slice(-4)}`,
      data: {
        product: 'Tarjeta Crédito Oro',
        contract_number: `C${world.creditPan.slice(-8)}`,
        pan: maskPan(world.creditPan),
        emission_date: addDays(profile.anchor, -900),
        expiration_date: expiry,
        available_balance: '2350.00',
        credit_limit: '3000.00',
        card_type: 'credit',
        account_iban: world.currentIban,
        currency: 'EUR',
      },
      raw: {
        numeroTarjeta: maskPan(world.creditPan),
        tipo: 'CREDITO',
        limite: '3.000,00',
        disponible: '2.350,00',
      },
    },
  ];
}

/** Debit card purchases of the last 90 days (as the card view shows them), and credit card purchases. */
export function* cardTransactions(profile: SandboxProfile, world: BankWorld): Generator<NormalizedRecord> {
  const since = addDays(profile.anchor, -90);
  const debitKey = `card-${world.debitPan.slice(-4)}`;
  for (const m of currentAccountMovements(profile, world)) {
    if (!m.merchant || m.date < since) continue;
    yield {
      product: 'card_transactions',
      naturalKey: `debit-${m.key}`,
      parentKey: debitKey,
      data: {
        operation_date: m.date,
        value_date: m.pending ? null : m.date,
        amount: centsToDecimal(m.cents),
        commission: '0.00',
        currency: 'EUR',
        shop: m.merchant.name,
        bank_category: m.merchant.bankCategory,
        mcc: m.merchant.mcc,
        pending: m.pending,
        pending_natural_key: m.settles ? `debit-${m.settles}` : null,
      },
      raw: {
        fecha: m.date,
        comercio: m.merchant.name,
        importe: centsToSpanish(m.cents),
        estado: m.pending ? 'PENDIENTE' : 'LIQUIDADO',
      },
    };
  }
  const random = createRandom(seedFrom('credit-card', profile.username));
  const creditKey = `card-${world.creditPan.slice(-4)}`;
  const merchantsAbroad = [
    { shop: 'AMAZON EU SARL', category: 'Compras online', currency: 'EUR', fx: 1 },
    { shop: 'BOOKING.COM', category: 'Viajes', currency: 'EUR', fx: 1 },
    { shop: 'APPLE.COM/BILL', category: 'Tecnología', currency: 'EUR', fx: 1 },
    { shop: 'UBER *TRIP LONDON', category: 'Transporte', currency: 'GBP', fx: 1.17 },
  ];
  for (let day = profile.historyDays - 1; day >= 0; day -= random.int(3, 9)) {
    const date = addDays(profile.anchor, -day);
    const merchant = random.pick(merchantsAbroad);
    const cents = -random.int(800, 18_000);
    yield {
      product: 'card_transactions',
      naturalKey: `credit-${date}-${Math.abs(cents)}`,
      parentKey: creditKey,
      data: {
        operation_date: date,
        value_date: date,
        amount: centsToDecimal(cents),
        commission:
          merchant.currency === 'EUR' ? '0.00' : centsToDecimal(-Math.round(Math.abs(cents) * 0.03)),
        currency: 'EUR',
        original_currency: merchant.currency,
        shop: merchant.shop,
        bank_category: merchant.category,
        pending: false,
        pending_natural_key: null,
      },
      raw: {
        fecha: date,
        comercio: merchant.shop,
        importe: centsToSpanish(cents),
        divisaOrigen: merchant.currency,
      },
    };
  }
}

interface Loan {
  key: string;
  name: string;
  subtype: string;
  principalCents: number;
  annualRate: number;
  months: number;
  openedMonthsAgo: number;
  benchmark: string | null;
  spread: string | null;
}

function loans(profile: SandboxProfile): Loan[] {
  return [
    {
      key: `HIP-${profile.username.length}0042`,
      name: 'Hipoteca Vivienda Habitual',
      subtype: 'mortgage',
      principalCents: 18_000_000,
      annualRate: 0.0329,
      months: 300,
      openedMonthsAgo: 52,
      benchmark: 'EURIBOR 12M',
      spread: '0.89',
    },
    {
      key: `PRE-${profile.username.length}0077`,
      name: 'Préstamo Personal Coche',
      subtype: 'personal_loan',
      principalCents: 1_500_000,
      annualRate: 0.0695,
      months: 60,
      openedMonthsAgo: 14,
      benchmark: null,
      spread: null,
    },
  ];
}

/** French amortisation: the fixed monthly instalment, in cents. */
function instalment(loan: Loan): number {
  const r = loan.annualRate / 12;
  return Math.round((loan.principalCents * r) / (1 - (1 + r) ** -loan.months));
}

function* schedule(loan: Loan, anchor: string) {
  const payment = instalment(loan);
  let outstanding = loan.principalCents;
  const first = new Date(`${anchor.slice(0, 7)}-02T00:00:00Z`);
  first.setUTCMonth(first.getUTCMonth() - loan.openedMonthsAgo + 1);
  for (let n = 1; n <= loan.openedMonthsAgo; n++) {
    const date = new Date(first);
    date.setUTCMonth(first.getUTCMonth() + n - 1);
    const interest = Math.round(outstanding * (loan.annualRate / 12));
    const principal = payment - interest;
    outstanding -= principal;
    yield { n, date: date.toISOString().slice(0, 10), payment, interest, principal, outstanding };
  }
}

export function liabilities(profile: SandboxProfile): NormalizedRecord[] {
  return loans(profile).map((loan) => {
    let outstanding = loan.principalCents;
    for (const row of schedule(loan, profile.anchor)) outstanding = row.outstanding;
    const opened = addDays(profile.anchor, -Math.round(loan.openedMonthsAgo * 30.4));
    return {
      product: 'liabilities',
      naturalKey: loan.key,
      data: {
        name: loan.name,
        type: 'Loan',
        subtype: loan.subtype,
        balance: centsToDecimal(outstanding),
        currency: 'EUR',
        initial_capital: centsToDecimal(loan.principalCents),
        initial_capital_currency: 'EUR',
        opening_date: opened,
        expiration_date: addDays(opened, Math.round(loan.months * 30.44)),
        periodicity: 'monthly',
        interest: {
          rate: Number((loan.annualRate * 100).toFixed(2)),
          benchmark: loan.benchmark,
          spread: loan.spread,
          type: loan.benchmark ? 'variable' : 'fixed',
        },
        contract_number: loan.key,
        monthly_payment: centsToDecimal(instalment(loan)),
      },
      raw: {
        numeroContrato: loan.key,
        capitalPendiente: centsToSpanish(outstanding),
        tipoInteres: `${(loan.annualRate * 100).toFixed(2)}%`,
      },
    };
  });
}

export function* liabilityTransactions(
  profile: SandboxProfile,
  world: BankWorld,
): Generator<NormalizedRecord> {
  for (const loan of loans(profile)) {
    for (const row of schedule(loan, profile.anchor)) {
      yield {
        product: 'liability_transactions',
        naturalKey: `${loan.key}-${String(row.n).padStart(3, '0')}`,
        parentKey: loan.key,
        data: {
          amount: centsToDecimal(-row.payment),
          currency_amount: 'EUR',
          balance: centsToDecimal(row.outstanding),
          currency_balance: 'EUR',
          description: `CUOTA ${row.n}/${loan.months} ${loan.name.toUpperCase()}`,
          operation_date: row.date,
          value_date: row.date,
          credit_account: world.currentIban,
          interest: centsToDecimal(row.interest),
          principal: centsToDecimal(row.principal),
          commission: '0.00',
          type: 'instalment',
        },
        raw: {
          cuota: row.n,
          fecha: row.date,
          importeCuota: centsToSpanish(row.payment),
          intereses: centsToSpanish(row.interest),
        },
      };
    }
  }
}

export function identity(person: Person, naturalKey = 'identity'): NormalizedRecord {
  return {
    product: 'identity',
    naturalKey,
    data: {
      name: person.name,
      surname1: person.surname1,
      surname2: person.surname2,
      full_name: person.fullName,
      birth_date: person.birthDate,
      address: {
        street_type: person.address.streetType,
        street_name: person.address.streetName,
        street_number: person.address.streetNumber,
        city: person.address.city,
        zip_code: person.address.zipCode,
        state: person.address.state,
        country: 'ES',
      },
      contact_info: [
        { type: 'email', value: person.email },
        { type: 'phone', value: person.phone },
      ],
      identity_document: person.dni,
      gender: person.gender,
      occupation: 'Ingeniera de software',
      sector: 'Tecnología',
    },
    raw: {
      nombre: person.name,
      apellidos: `${person.surname1} ${person.surname2}`,
      nif: person.dni,
      fechaNacimiento: person.birthDate,
    },
  };
}

export function holdersOf(
  products: Array<{
    product: string;
    key: string;
    name: string;
    holders: Array<{ person: Person; rel: string }>;
  }>,
): NormalizedRecord[] {
  return products.flatMap((p) =>
    p.holders.map((h) => ({
      product: 'holders' as const,
      naturalKey: `${p.product}:${p.key}:${h.person.dni}`,
      data: {
        product_type: p.product,
        product_natural_key: p.key,
        product_name: p.name,
        name: h.person.fullName.toUpperCase(),
        rel: h.rel,
        identity_document: h.person.dni,
      },
      raw: { producto: p.key, titular: h.person.fullName.toUpperCase(), relacion: h.rel.toUpperCase() },
    })),
  );
}

export function bankHolders(profile: SandboxProfile, world: BankWorld): NormalizedRecord[] {
  const me = { person: world.person, rel: 'titular' };
  return holdersOf([
    { product: 'accounts', key: world.currentIban, name: 'Cuenta Sandbox Nómina', holders: [me] },
    { product: 'accounts', key: world.savingsIban, name: 'Cuenta Ahorro Plus', holders: [me] },
    {
      product: 'accounts',
      key: world.jointIban,
      name: 'Cuenta Hogar Compartida',
      holders: [me, { person: world.coHolder, rel: 'cotitular' }],
    },
    {
      product: 'cards',
      key: `card-${world.debitPan.slice(-4)}`,
      name: 'Tarjeta Débito Sandbox',
      holders: [me],
    },
    {
      product: 'cards',
      key: `card-${world.creditPan.slice(-4)}`,
      name: 'Tarjeta Crédito Oro',
      holders: [me],
    },
    ...liabilities(profile).map((l) => ({
      product: 'liabilities',
      key: l.naturalKey,
      name: String(l.data.name),
      holders: [me, ...(l.data.subtype === 'mortgage' ? [{ person: world.coHolder, rel: 'cotitular' }] : [])],
    })),
  ]);
}
