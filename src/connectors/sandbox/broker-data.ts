// Sandbox Valores' data: a securities portfolio and a pension plan account holding funds, stocks,
// ETFs, a bond and a pension plan (valid ISINs, Flanks' investment types and fields), their
// transactions with fees and FX, and the MiFID questionnaire.
import { makeIban, makeIsin, spanishBban } from '../../domain/identifiers.ts';
import { centsToDecimal } from '../../domain/money.ts';
import type { NormalizedRecord } from '../../domain/records.ts';
import { holdersOf } from './bank-products.ts';
import { makePerson } from './people.ts';
import { addDays, type SandboxProfile } from './profile.ts';
import { createRandom, seedFrom } from './random.ts';

interface Security {
  name: string;
  isin: string;
  symbol: string | null;
  /** Flanks' investment type: F fund, VI stock, ETF, FI fixed income, PP pension plan. */
  type: 'F' | 'VI' | 'ETF' | 'FI' | 'PP';
  currency: 'EUR' | 'USD';
  /** Price in cents of the security's currency at the anchor. */
  price: number;
  market: string | null;
  portfolio: 'securities' | 'pension';
  manager?: { name: string; cif: string; registry: string };
}

const securities: Security[] = [
  {
    name: 'Sandbox Renta Variable Europa FI',
    isin: makeIsin('ES', '0SBX00001'),
    symbol: null,
    type: 'F',
    currency: 'EUR',
    price: 14_382,
    market: null,
    portfolio: 'securities',
    manager: { name: 'Sandbox Gestión SGIIC', cif: 'A00000001', registry: '999' },
  },
  {
    name: 'Sandbox Monetario FI',
    isin: makeIsin('ES', '0SBX00002'),
    symbol: null,
    type: 'F',
    currency: 'EUR',
    price: 1_021,
    market: null,
    portfolio: 'securities',
    manager: { name: 'Sandbox Gestión SGIIC', cif: 'A00000001', registry: '999' },
  },
  {
    name: 'Iberdrola SA',
    isin: makeIsin('ES', '014444303'),
    symbol: 'IBE',
    type: 'VI',
    currency: 'EUR',
    price: 1_268,
    market: 'XMAD',
    portfolio: 'securities',
  },
  {
    name: 'Apple Inc',
    isin: makeIsin('US', '037833100'),
    symbol: 'AAPL',
    type: 'VI',
    currency: 'USD',
    price: 22_750,
    market: 'XNAS',
    portfolio: 'securities',
  },
  {
    name: 'iShares Core MSCI World UCITS ETF',
    isin: makeIsin('IE', '00B4L5Y98'),
    symbol: 'IWDA',
    type: 'ETF',
    currency: 'EUR',
    price: 9_412,
    market: 'XAMS',
    portfolio: 'securities',
  },
  {
    name: 'Bono Estado 3,45% 2034',
    isin: makeIsin('ES', '000012N43'),
    symbol: null,
    type: 'FI',
    currency: 'EUR',
    price: 10_120,
    market: 'XMAD',
    portfolio: 'securities',
  },
  {
    name: 'Sandbox Pensiones Mixto PP',
    isin: 'N5431',
    symbol: null,
    type: 'PP',
    currency: 'EUR',
    price: 2_187,
    market: null,
    portfolio: 'pension',
    manager: { name: 'Sandbox Pensiones EGFP', cif: 'A00000002', registry: 'G0999' },
  },
];

const USD_EUR = 0.92;

interface Trade {
  security: Security;
  date: string;
  kind: 'buy' | 'sell' | 'dividend';
  units: number;
  priceCents: number;
}

function trades(profile: SandboxProfile): Trade[] {
  const random = createRandom(seedFrom('broker', profile.username));
  const result: Trade[] = [];
  for (const security of securities) {
    let day = random.int(20, 120);
    let held = 0;
    while (day < profile.historyDays) {
      const date = addDays(profile.anchor, -(profile.historyDays - day));
      const drift = 0.75 + (day / profile.historyDays) * 0.25;
      const priceCents = Math.round(security.price * drift * (0.95 + random.next() * 0.1));
      if (held > 0 && security.type === 'VI' && random.chance(0.3)) {
        result.push({
          security,
          date,
          kind: 'dividend',
          units: held,
          priceCents: Math.round(security.price * 0.012),
        });
      } else if (held > 20 && random.chance(0.2)) {
        const units = Math.floor(held / 4);
        held -= units;
        result.push({ security, date, kind: 'sell', units, priceCents });
      } else {
        const units = security.type === 'FI' ? 10 : random.int(5, 60);
        held += units;
        result.push({ security, date, kind: 'buy', units, priceCents });
      }
      day += random.int(45, 160);
    }
  }
  return result.sort(
    (a, b) => a.date.localeCompare(b.date) || a.security.isin.localeCompare(b.security.isin),
  );
}

function holdings(profile: SandboxProfile) {
  const units = new Map<string, { units: number; costCents: number; first: string }>();
  for (const t of trades(profile)) {
    const h = units.get(t.security.isin) ?? { units: 0, costCents: 0, first: t.date };
    if (t.kind === 'buy') {
      h.costCents += t.units * t.priceCents;
      h.units += t.units;
    } else if (t.kind === 'sell') {
      h.costCents -= Math.round((h.costCents / h.units) * t.units);
      h.units -= t.units;
    }
    units.set(t.security.isin, h);
  }
  return units;
}

const toEur = (cents: number, currency: string) => (currency === 'USD' ? Math.round(cents * USD_EUR) : cents);

export function brokerRecords(profile: SandboxProfile) {
  const person = makePerson(createRandom(seedFrom('bank', profile.username)), profile.username);
  const random = createRandom(seedFrom('broker-accounts', profile.username));
  const cashIban = makeIban(
    'ES',
    spanishBban('9998', '0001', String(random.int(0, 9_999_999_999)).padStart(10, '0')),
  );
  const portfolioKeys = {
    securities: `VAL-${String(random.int(100_000, 999_999))}`,
    pension: `PP-${String(random.int(100_000, 999_999))}`,
  };
  const held = holdings(profile);
  const owner = person.fullName.toUpperCase();

  const investments: NormalizedRecord[] = securities
    .filter((s) => (held.get(s.isin)?.units ?? 0) > 0)
    .map((s) => {
      const h = held.get(s.isin)!;
      const value = h.units * s.price;
      return {
        product: 'investments',
        naturalKey: `${portfolioKeys[s.portfolio]}:${s.isin}`,
        parentKey: portfolioKeys[s.portfolio],
        data: {
          name: s.name,
          isin: s.isin,
          symbol: s.symbol,
          type: s.type,
          amount: h.units,
          balance: centsToDecimal(value),
          currency: s.currency,
          cost: centsToDecimal(h.costCents),
          is_nominal: s.type === 'FI',
          initial_date: h.first,
          valuation_date: profile.anchor,
          performance: Number(((value - h.costCents) / h.costCents).toFixed(4)),
          market: s.market,
          cnmv:
            s.type === 'F' && s.manager
              ? {
                  isin: s.isin,
                  gestora: s.manager.name,
                  cif_gestora: s.manager.cif,
                  num_registro_gestora: s.manager.registry,
                  depositaria: 'Sandbox Depositaria SA',
                  cif_depositaria: 'A00000003',
                  num_registro_depositaria: '888',
                }
              : null,
          dgs: s.type === 'PP' && s.manager ? { gestora: s.manager.name, cif_gestora: s.manager.cif } : null,
          expiration_date: s.type === 'FI' ? '2034-10-31' : null,
          interest: s.type === 'FI' ? { rate: 3.45, benchmark: null } : null,
          capital_gain: centsToDecimal(value - h.costCents),
        },
        raw: {
          codigoIsin: s.isin,
          descripcion: s.name,
          titulos: h.units,
          valoracion: centsToDecimal(value),
          divisa: s.currency,
        },
      };
    });

  const portfolioValue = (kind: 'securities' | 'pension') =>
    securities
      .filter((s) => s.portfolio === kind)
      .reduce((sum, s) => sum + toEur((held.get(s.isin)?.units ?? 0) * s.price, s.currency), 0);
  const portfolios: NormalizedRecord[] = (['securities', 'pension'] as const).map((kind) => ({
    product: 'portfolios',
    naturalKey: portfolioKeys[kind],
    data: {
      name: kind === 'securities' ? 'Cartera de Valores' : 'Plan de Pensiones Individual',
      type: kind === 'securities' ? 'securities' : 'pension_plan',
      currency: 'EUR',
      ref_valores: portfolioKeys[kind],
      ref_account: cashIban,
      ref_accounts: [cashIban],
      owners: [owner],
      balance: centsToDecimal(portfolioValue(kind)),
    },
    raw: { contrato: portfolioKeys[kind], valoracionTotal: centsToDecimal(portfolioValue(kind)) },
  }));

  const balances = new Map<string, number>();
  const investmentTransactions: NormalizedRecord[] = trades(profile).map((t, index) => {
    const units = t.kind === 'sell' ? -t.units : t.kind === 'buy' ? t.units : 0;
    balances.set(t.security.isin, (balances.get(t.security.isin) ?? 0) + units);
    const gross = t.kind === 'dividend' ? t.units * t.priceCents : t.units * t.priceCents;
    const commission =
      t.security.type === 'VI' || t.security.type === 'ETF' ? Math.max(500, Math.round(gross * 0.002)) : 0;
    const fx = t.security.currency === 'USD' ? Math.round(gross * 0.005) : 0;
    const retention = t.kind === 'dividend' ? Math.round(gross * 0.19) : 0;
    const net = t.kind === 'buy' ? -(gross + commission + fx) : gross - commission - fx - retention;
    return {
      product: 'investment_transactions',
      naturalKey: `${t.date}-${t.security.isin}-${index}`,
      parentKey: `${portfolioKeys[t.security.portfolio]}:${t.security.isin}`,
      data: {
        isin: t.security.isin,
        description: `${t.kind === 'buy' ? 'COMPRA' : t.kind === 'sell' ? 'VENTA' : 'DIVIDENDO'} ${t.security.name.toUpperCase()}`,
        type: t.kind === 'buy' ? '1' : t.kind === 'sell' ? '2' : '7',
        symb: t.kind === 'sell' ? '-' : '+',
        operation_date: t.date,
        value_date: addDays(t.date, 2),
        amount: units,
        unit_price: centsToDecimal(t.priceCents),
        balance: balances.get(t.security.isin),
        net_cash: centsToDecimal(net),
        commission: centsToDecimal(commission + fx),
        commission_detail: {
          entity: centsToDecimal(commission),
          broker: '0.00',
          canon: '0.00',
          ITF: '0.00',
          fx: centsToDecimal(fx),
        },
        retention: centsToDecimal(retention),
        currency: t.security.currency,
        exchange: t.security.currency === 'USD' ? USD_EUR : 1,
        reference_currency: 'EUR',
        ref_valos: portfolioKeys[t.security.portfolio],
        ref_account_iban: cashIban,
        transaction_id: `OP${String(index).padStart(6, '0')}`,
      },
      raw: {
        fechaOperacion: t.date,
        isin: t.security.isin,
        tipoOperacion: t.kind.toUpperCase(),
        titulos: t.units,
        precio: centsToDecimal(t.priceCents),
        divisa: t.security.currency,
      },
    };
  });

  const mifid: NormalizedRecord[] = [
    ['¿Cuál es su nivel de estudios?', ['Universitarios']],
    ['¿Ha trabajado en el sector financiero?', ['No']],
    ['¿Con qué productos ha operado en los últimos 3 años?', ['Fondos de inversión', 'Acciones', 'ETF']],
    ['¿Cuál es su horizonte de inversión?', ['Más de 5 años']],
    ['Si su inversión cayera un 20%, ¿qué haría?', ['Mantendría la inversión']],
    ['¿Qué porcentaje de su patrimonio representa esta inversión?', ['Entre el 10% y el 25%']],
  ].map(([question, answer], index) => ({
    product: 'mifid',
    naturalKey: `q${index + 1}`,
    data: { question_id: index + 1, question, answer },
    raw: { _id: index + 1, question, answer },
  }));

  const holders = holdersOf([
    {
      product: 'portfolios',
      key: portfolioKeys.securities,
      name: 'Cartera de Valores',
      holders: [{ person, rel: 'titular' }],
    },
    {
      product: 'portfolios',
      key: portfolioKeys.pension,
      name: 'Plan de Pensiones Individual',
      holders: [{ person, rel: 'titular' }],
    },
    {
      product: 'accounts',
      key: cashIban,
      name: 'Cuenta de Liquidación',
      holders: [{ person, rel: 'titular' }],
    },
  ]);

  const cashAccount: NormalizedRecord = {
    product: 'accounts',
    naturalKey: cashIban,
    data: {
      iban: cashIban,
      name: 'Cuenta de Liquidación',
      alias: 'Cuenta de Liquidación',
      type: 'brokerage_cash',
      balance: '4210.55',
      available_balance: '4210.55',
      currency: 'EUR',
      description: 'Cuenta de Liquidación',
      is_owner: true,
      num_owners: 1,
      owners: [owner],
    },
    raw: { iban: cashIban, saldo: '4.210,55' },
  };
  const cashTransactions: NormalizedRecord[] = investmentTransactions.map((t) => ({
    product: 'transactions',
    naturalKey: `liq-${t.naturalKey}`,
    parentKey: cashIban,
    data: {
      amount: t.data.net_cash,
      currency: 'EUR',
      balance: null,
      operation_date: t.data.value_date,
      value_date: t.data.value_date,
      description: `LIQUIDACION ${t.data.description}`,
      bank_category: 'Inversiones',
      norma43: '09',
      counterparty: null,
      transfer: null,
      card_number: null,
      mcc: null,
      transaction_id: `L${t.data.transaction_id}`,
      pending: false,
      pending_natural_key: null,
    },
    raw: { concepto: `LIQUIDACION ${t.data.description}` },
  }));

  return {
    person,
    portfolios,
    investments,
    investmentTransactions,
    mifid,
    holders,
    accounts: [cashAccount],
    transactions: cashTransactions,
  };
}
