// The vocabulary of the sandbox bank: merchants with their bank category, card MCC and Norma 43
// concept code, the fixed monthly movements, and the people who hold the accounts.

/** AEB Cuaderno 43 common concept codes used by the sandbox. */
export const norma43 = {
  withdrawal: '01',
  deposit: '02',
  directDebit: '03',
  transfer: '04',
  loanRepayment: '05',
  atm: '11',
  card: '12',
  payroll: '15',
  feesAndInterest: '17',
  other: '99',
} as const;

export interface Merchant {
  name: string;
  bankCategory: string;
  mcc: string;
  /** Typical ticket in euros: [min, max]. */
  ticket: [number, number];
}

export const merchants: readonly Merchant[] = [
  { name: 'MERCADONA', bankCategory: 'Supermercados', mcc: '5411', ticket: [12, 95] },
  { name: 'CARREFOUR EXPRESS', bankCategory: 'Supermercados', mcc: '5411', ticket: [6, 60] },
  { name: 'LIDL', bankCategory: 'Supermercados', mcc: '5411', ticket: [10, 80] },
  { name: 'DIA', bankCategory: 'Supermercados', mcc: '5411', ticket: [4, 40] },
  { name: 'EL CORTE INGLES', bankCategory: 'Compras', mcc: '5311', ticket: [20, 180] },
  { name: 'ZARA', bankCategory: 'Ropa y complementos', mcc: '5651', ticket: [19, 120] },
  { name: 'PRIMARK', bankCategory: 'Ropa y complementos', mcc: '5651', ticket: [8, 60] },
  { name: 'AMAZON EU SARL', bankCategory: 'Compras online', mcc: '5942', ticket: [9, 150] },
  { name: 'REPSOL ESTACION', bankCategory: 'Gasolineras', mcc: '5541', ticket: [30, 85] },
  { name: 'CEPSA', bankCategory: 'Gasolineras', mcc: '5541', ticket: [30, 80] },
  { name: 'RENFE VIAJEROS', bankCategory: 'Transporte', mcc: '4112', ticket: [9, 75] },
  { name: 'METRO DE MADRID', bankCategory: 'Transporte', mcc: '4111', ticket: [2, 25] },
  { name: 'CABIFY', bankCategory: 'Transporte', mcc: '4121', ticket: [7, 30] },
  { name: 'GLOVO', bankCategory: 'Restaurantes', mcc: '5814', ticket: [12, 38] },
  { name: 'TELEPIZZA', bankCategory: 'Restaurantes', mcc: '5814', ticket: [14, 32] },
  { name: 'VIPS', bankCategory: 'Restaurantes', mcc: '5812', ticket: [15, 55] },
  { name: 'STARBUCKS', bankCategory: 'Restaurantes', mcc: '5814', ticket: [3, 12] },
  { name: 'BAR LA ESQUINA', bankCategory: 'Restaurantes', mcc: '5812', ticket: [2, 25] },
  { name: 'FARMACIA LDA. GARCIA', bankCategory: 'Salud', mcc: '5912', ticket: [4, 45] },
  { name: 'DECATHLON', bankCategory: 'Deporte', mcc: '5941', ticket: [10, 120] },
  { name: 'IKEA', bankCategory: 'Hogar', mcc: '5712', ticket: [15, 250] },
  { name: 'MEDIA MARKT', bankCategory: 'Tecnología', mcc: '5732', ticket: [15, 400] },
  { name: 'NETFLIX.COM', bankCategory: 'Ocio', mcc: '4899', ticket: [13, 18] },
  { name: 'SPOTIFY', bankCategory: 'Ocio', mcc: '4899', ticket: [11, 11] },
  { name: 'CINES YELMO', bankCategory: 'Ocio', mcc: '7832', ticket: [8, 30] },
  { name: 'BOOKING.COM', bankCategory: 'Viajes', mcc: '4722', ticket: [60, 400] },
  { name: 'VUELING AIRLINES', bankCategory: 'Viajes', mcc: '4511', ticket: [40, 250] },
];

export interface FixedMovement {
  key: string;
  day: number;
  description: string;
  bankCategory: string;
  concept: string;
  /** Cents; negative leaves the account. */
  amount: (random: () => number) => number;
  counterparty: string;
}

export const fixedMovements: readonly FixedMovement[] = [
  {
    key: 'rent',
    day: 1,
    description: 'TRANSFERENCIA A FAVOR DE INMOBILIARIA SOL SL ALQUILER VIVIENDA',
    bankCategory: 'Alquiler',
    concept: norma43.transfer,
    amount: () => -85_000,
    counterparty: 'INMOBILIARIA SOL SL',
  },
  {
    key: 'electricity',
    day: 6,
    description: 'RECIBO IBERDROLA CLIENTES SAU',
    bankCategory: 'Suministros',
    concept: norma43.directDebit,
    amount: (random) => -Math.round(4_500 + random() * 5_500),
    counterparty: 'IBERDROLA CLIENTES SAU',
  },
  {
    key: 'phone',
    day: 12,
    description: 'RECIBO TELEFONICA DE ESPAÑA SAU MOVISTAR',
    bankCategory: 'Telefonía',
    concept: norma43.directDebit,
    amount: () => -5_490,
    counterparty: 'TELEFONICA DE ESPAÑA SAU',
  },
  {
    key: 'water',
    day: 20,
    description: 'RECIBO CANAL DE ISABEL II',
    bankCategory: 'Suministros',
    concept: norma43.directDebit,
    amount: (random) => -Math.round(1_800 + random() * 1_400),
    counterparty: 'CANAL DE ISABEL II',
  },
  {
    key: 'salary',
    day: 28,
    description: 'NOMINA TECNOLOGIAS DEL MEDITERRANEO SA',
    bankCategory: 'Nómina',
    concept: norma43.payroll,
    amount: () => 245_000,
    counterparty: 'TECNOLOGIAS DEL MEDITERRANEO SA',
  },
];

export const firstNames = [
  'Lucía',
  'Martín',
  'Sofía',
  'Hugo',
  'Paula',
  'Daniel',
  'Carmen',
  'Javier',
  'Elena',
  'Pablo',
];
export const surnames = [
  'García',
  'Fernández',
  'López',
  'Martínez',
  'Sánchez',
  'Pérez',
  'Gómez',
  'Ruiz',
  'Díaz',
  'Moreno',
];
export const streets = [
  'Calle Mayor',
  'Avenida de América',
  'Calle de Alcalá',
  'Paseo de Gracia',
  'Calle Colón',
];
export const cities: ReadonlyArray<[string, string, string]> = [
  ['Madrid', '28013', 'Madrid'],
  ['Barcelona', '08007', 'Barcelona'],
  ['Valencia', '46002', 'Valencia'],
  ['Sevilla', '41004', 'Sevilla'],
];
