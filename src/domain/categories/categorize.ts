// Categorises a cash or card transaction by documented rules, first match wins:
// 1. a known merchant (name patterns) gives the merchant and its category;
// 2. keywords of the description / counterparty, in Spanish and English;
// 3. the card's merchant category code (MCC);
// 4. the Norma 43 concept code;
// otherwise `other / uncategorized`. The sign of the amount splits money in from money out
// (a transfer received is income, a merchant's refund is a refund). Pure: no I/O, no state.
import type { Category } from './taxonomy.ts';

export interface CategoryInput {
  description: string;
  counterparty?: string | null;
  mcc?: string | null;
  norma43?: string | null;
  /** Decimal string; negative = money leaving the account. */
  amount: string;
}

export interface CategoryResult {
  category: Category;
  subcategory: string;
  merchant_name: string | null;
  /** Which rule decided: merchant, keyword, mcc, norma43 or none. */
  rule: 'merchant' | 'keyword' | 'mcc' | 'norma43' | 'none';
}

type Target = readonly [Category, string];

/** Known merchants: canonical name, pattern over the normalised text, category. */
const merchants: ReadonlyArray<readonly [string, RegExp, Target]> = [
  ['Uber Eats', /UBER ?EATS/, ['eating_out', 'delivery']],
  ['Mercadona', /MERCADONA/, ['groceries', 'supermarket']],
  ['Carrefour', /CARREFOUR/, ['groceries', 'supermarket']],
  ['Lidl', /\bLIDL\b/, ['groceries', 'supermarket']],
  ['Aldi', /\bALDI\b/, ['groceries', 'supermarket']],
  ['Dia', /\bDIA\b(?! DE)/, ['groceries', 'supermarket']],
  ['Alcampo', /ALCAMPO/, ['groceries', 'supermarket']],
  ['Eroski', /EROSKI/, ['groceries', 'supermarket']],
  ['Consum', /\bCONSUM\b/, ['groceries', 'supermarket']],
  ['Hipercor', /HIPERCOR/, ['groceries', 'supermarket']],
  ['Tesco', /TESCO/, ['groceries', 'supermarket']],
  ["Sainsbury's", /SAINSBURY/, ['groceries', 'supermarket']],
  ['El Corte Inglés', /CORTE INGLES/, ['shopping', 'department']],
  ['Amazon', /AMAZON|AMZN/, ['shopping', 'online']],
  ['AliExpress', /ALIEXPRESS/, ['shopping', 'online']],
  ['Zalando', /ZALANDO/, ['shopping', 'online']],
  ['Shein', /SHEIN/, ['shopping', 'online']],
  ['Zara', /\bZARA\b/, ['shopping', 'clothing']],
  ['Primark', /PRIMARK/, ['shopping', 'clothing']],
  ['Mango', /\bMANGO\b/, ['shopping', 'clothing']],
  ['H&M', /\bH ?& ?M\b|\bHM\b/, ['shopping', 'clothing']],
  ['Pull&Bear', /PULL ?& ?BEAR/, ['shopping', 'clothing']],
  ['Bershka', /BERSHKA/, ['shopping', 'clothing']],
  ['Uniqlo', /UNIQLO/, ['shopping', 'clothing']],
  ['MediaMarkt', /MEDIA ?MARKT/, ['shopping', 'electronics']],
  ['Fnac', /\bFNAC\b/, ['shopping', 'electronics']],
  ['PcComponentes', /PC ?COMPONENTES/, ['shopping', 'electronics']],
  ['Worten', /WORTEN/, ['shopping', 'electronics']],
  ['IKEA', /\bIKEA\b/, ['shopping', 'home']],
  ['Leroy Merlin', /LEROY MERLIN/, ['shopping', 'home']],
  ['Repsol', /REPSOL/, ['transport', 'fuel']],
  ['Cepsa', /CEPSA/, ['transport', 'fuel']],
  ['Shell', /\bSHELL\b/, ['transport', 'fuel']],
  ['Galp', /\bGALP\b/, ['transport', 'fuel']],
  ['BP', /\bBP\b/, ['transport', 'fuel']],
  ['Renfe', /RENFE|\bAVE\b/, ['transport', 'public']],
  ['Metro de Madrid', /METRO DE MADRID/, ['transport', 'public']],
  ['Cabify', /CABIFY/, ['transport', 'taxi']],
  ['Uber', /\bUBER\b/, ['transport', 'taxi']],
  ['Bolt', /\bBOLT\b/, ['transport', 'taxi']],
  ['FreeNow', /FREE ?NOW/, ['transport', 'taxi']],
  ['Glovo', /GLOVO/, ['eating_out', 'delivery']],
  ['Just Eat', /JUST ?EAT/, ['eating_out', 'delivery']],
  ['Deliveroo', /DELIVEROO/, ['eating_out', 'delivery']],
  ['Telepizza', /TELEPIZZA/, ['eating_out', 'delivery']],
  ['Starbucks', /STARBUCKS/, ['eating_out', 'coffee']],
  ["McDonald's", /MC ?DONALD/, ['eating_out', 'restaurant']],
  ['Burger King', /BURGER KING/, ['eating_out', 'restaurant']],
  ['VIPS', /\bVIPS\b/, ['eating_out', 'restaurant']],
  ['100 Montaditos', /100 MONTADITOS/, ['eating_out', 'restaurant']],
  ['Netflix', /NETFLIX/, ['leisure', 'subscriptions']],
  ['Spotify', /SPOTIFY/, ['leisure', 'subscriptions']],
  ['HBO Max', /\bHBO\b/, ['leisure', 'subscriptions']],
  ['Disney+', /DISNEY/, ['leisure', 'subscriptions']],
  ['Apple', /APPLE\.COM|ITUNES/, ['leisure', 'subscriptions']],
  ['YouTube', /YOUTUBE/, ['leisure', 'subscriptions']],
  ['Yelmo Cines', /YELMO/, ['leisure', 'events']],
  ['Cinesa', /CINESA/, ['leisure', 'events']],
  ['Ticketmaster', /TICKETMASTER/, ['leisure', 'events']],
  ['Decathlon', /DECATHLON/, ['leisure', 'sports']],
  ['Basic-Fit', /BASIC ?FIT/, ['leisure', 'sports']],
  ['Steam', /\bSTEAM\b/, ['leisure', 'books']],
  ['Casa del Libro', /CASA DEL LIBRO/, ['leisure', 'books']],
  // Utilities before travel: 'NATURGY IBERIA' is the gas company, not the airline.
  ['Iberdrola', /IBERDROLA/, ['utilities', 'electricity']],
  ['Endesa', /ENDESA/, ['utilities', 'electricity']],
  ['Naturgy', /NATURGY|GAS NATURAL/, ['utilities', 'gas']],
  ['Canal de Isabel II', /CANAL DE ISABEL/, ['utilities', 'water']],
  ['Movistar', /MOVISTAR|TELEFONICA/, ['utilities', 'telecom']],
  ['Vodafone', /VODAFONE/, ['utilities', 'telecom']],
  ['Orange', /\bORANGE\b/, ['utilities', 'telecom']],
  ['Digi', /\bDIGI\b/, ['utilities', 'telecom']],
  ['Iberia', /IBERIA/, ['travel', 'flights']],
  ['Vueling', /VUELING/, ['travel', 'flights']],
  ['Ryanair', /RYANAIR/, ['travel', 'flights']],
  ['easyJet', /EASYJET/, ['travel', 'flights']],
  ['Air Europa', /AIR EUROPA/, ['travel', 'flights']],
  ['Booking.com', /BOOKING/, ['travel', 'lodging']],
  ['Airbnb', /AIRBNB/, ['travel', 'lodging']],
  ['Hertz', /HERTZ/, ['travel', 'car_rental']],
  ['Europcar', /EUROPCAR/, ['travel', 'car_rental']],
  ['Sixt', /\bSIXT\b/, ['travel', 'car_rental']],
  ['Mapfre', /MAPFRE/, ['financial', 'insurance']],
  ['Mutua Madrileña', /MUTUA/, ['financial', 'insurance']],
  ['Sanitas', /SANITAS/, ['financial', 'insurance']],
  ['Adeslas', /ADESLAS/, ['financial', 'insurance']],
  ['Indexa Capital', /INDEXA/, ['financial', 'investment']],
  ['MyInvestor', /MYINVESTOR/, ['financial', 'investment']],
  ['Trade Republic', /TRADE REPUBLIC/, ['financial', 'investment']],
  ['DEGIRO', /DEGIRO/, ['financial', 'investment']],
  ['Udemy', /UDEMY/, ['education', 'courses']],
  ['Coursera', /COURSERA/, ['education', 'courses']],
];

/** Keyword rules, in order; `sign` limits a rule to money in (+) or out (-). */
const keywords: ReadonlyArray<readonly [RegExp, Target, ('+' | '-')?]> = [
  [/DEVOLUCION|REFUND|REEMBOLSO|ABONO COMPRA/, ['income', 'refund'], '+'],
  [/NOMINA|SALARY|PAYROLL|SUELDO|SALARIO|WAGES/, ['income', 'salary'], '+'],
  [/PENSION/, ['income', 'pension'], '+'],
  [/INTERESES?|INTEREST|DIVIDENDO|DIVIDEND|CUPON/, ['income', 'interest'], '+'],
  [/BIZUM/, ['transfers', 'p2p']],
  [/TRASPASO|ENTRE CUENTAS|OWN ACCOUNT|TRANSFER TO SAVINGS/, ['transfers', 'own_accounts']],
  [/ALQUILER|\bRENT\b|ARRENDAMIENTO/, ['housing', 'rent'], '-'],
  [/HIPOTEC|MORTGAGE/, ['housing', 'mortgage'], '-'],
  [/PRESTAMO|\bLOAN\b|AMORTIZACION|FINANCIACION/, ['financial', 'loan'], '-'],
  [/COMUNIDAD (DE )?PROPIETARIOS|CDAD PROP|HOMEOWNERS/, ['housing', 'community'], '-'],
  [/FONTANER|ELECTRICISTA|CERRAJER|REFORMAS|PLUMBER|REPAIR/, ['housing', 'maintenance'], '-'],
  [/LIQUIDACION TARJETA|PAGO TARJETA|CREDIT CARD PAYMENT|CARD BALANCE/, ['financial', 'card_payment'], '-'],
  [/CAJERO|\bATM\b|REINTEGRO|CASH WITHDRAWAL|RETIRADA EFECTIVO/, ['cash', 'atm'], '-'],
  [/INGRESO (EN )?EFECTIVO|CASH DEPOSIT|INGRESO CAJERO/, ['cash', 'deposit'], '+'],
  [/AEAT|HACIENDA|AGENCIA TRIBUTARIA|IMPUESTO|\bIBI\b|IRPF|\bTAX\b|TAXES|IVTM/, ['taxes', 'tax'], '-'],
  [/TGSS|SEGURIDAD SOCIAL|AUTONOMOS|RETA/, ['taxes', 'social_security'], '-'],
  [/MULTA|\bDGT\b|SANCION|\bFINE\b|TASA/, ['taxes', 'fines'], '-'],
  [/LUZ|ELECTRICIDAD|ELECTRICITY|ENERGIA|ENERGY/, ['utilities', 'electricity'], '-'],
  [/\bGAS\b|BUTANO/, ['utilities', 'gas'], '-'],
  [/AGUA|WATER|AGUAS DE/, ['utilities', 'water'], '-'],
  [/TELEFON|MOVIL|FIBRA|INTERNET|MOBILE|BROADBAND/, ['utilities', 'telecom'], '-'],
  [/SEGURO|INSURANCE|POLIZA/, ['financial', 'insurance'], '-'],
  [/FARMACIA|PHARMACY|CHEMIST|PARAFARMACIA/, ['health', 'pharmacy']],
  [/DENTIST|DENTAL|CLINICA|MEDICO|HOSPITAL|FISIOTERAP|DOCTOR|PHYSIO/, ['health', 'medical']],
  [/OPTICA|OPTICIAN|GAFAS|GLASSES/, ['health', 'optics']],
  [/GASOLINERA|ESTACION DE SERVICIO|CARBURANTE|\bFUEL\b|PETROL|GASOIL/, ['transport', 'fuel']],
  [
    /\bMETRO\b|\bEMT\b|AUTOBUS|\bBUS\b|TRANVIA|CERCANIAS|ABONO TRANSPORTE|TRANSPORT FOR|\bTMB\b|TRAM/,
    ['transport', 'public'],
  ],
  [/\bTAXI\b/, ['transport', 'taxi']],
  [/PARKING|APARCAMIENTO|PEAJE|TOLL|AUTOPISTA|\bORA\b|ESTACIONAMIENTO/, ['transport', 'parking']],
  [/SUPERMERCADO|SUPERMARKET|HIPERMERCADO|GROCER/, ['groceries', 'supermarket']],
  [/PANADERIA|FRUTERIA|CARNICERIA|PESCADERIA|MERCADO|BAKERY|BUTCHER/, ['groceries', 'market']],
  [/CAFETERIA|\bCAFE\b|COFFEE/, ['eating_out', 'coffee']],
  [
    /RESTAURANTE|RESTAURANT|\bBAR\b|TABERNA|CERVECERIA|PIZZERIA|ASADOR|SUSHI|BRASSERIE|BISTRO|PUB\b/,
    ['eating_out', 'restaurant'],
  ],
  [/GIMNASIO|\bGYM\b|FITNESS|PADEL|CLUB DEPORTIVO|PISCINA/, ['leisure', 'sports']],
  [
    /CINE|CINEMA|TEATRO|THEATRE|THEATER|CONCIERTO|CONCERT|ENTRADAS|TICKETS|MUSEO|MUSEUM/,
    ['leisure', 'events'],
  ],
  [/LIBRERIA|BOOKSHOP|BOOKSTORE|PLAYSTATION|NINTENDO|XBOX/, ['leisure', 'books']],
  [/HOTEL|HOSTAL|APARTAMENTOS TURISTICOS|HOSTEL/, ['travel', 'lodging']],
  [/AIRLINES|AEROLINEAS|VUELO|FLIGHT|AIRWAYS/, ['travel', 'flights']],
  [/RENT A CAR|ALQUILER DE COCHES|CAR HIRE|CAR RENTAL/, ['travel', 'car_rental']],
  [/COLEGIO|UNIVERSIDAD|UNIVERSITY|ESCUELA|SCHOOL|MATRICULA|TUITION|GUARDERIA/, ['education', 'school']],
  [/ACADEMIA|CURSO|COURSE|CLASES|AUTOESCUELA/, ['education', 'courses']],
  [/ROPA|ZAPATERIA|CLOTHING|FASHION|MODA/, ['shopping', 'clothing']],
  [/MUEBLES|FURNITURE|FERRETERIA|BRICO|HARDWARE STORE/, ['shopping', 'home']],
  // Late: 'fee' also ends descriptions of tuition, doctors and homeowners' associations.
  [
    /COMISION|COMMISSION|\bFEE\b|FEES|MANTENIMIENTO CUENTA|ACCOUNT MAINTENANCE|CUSTODIA/,
    ['financial', 'fees'],
    '-',
  ],
  [
    /COMPRA VALORES|SUSCRIPCION FONDO|FONDO DE INVERSION|BROKER|ACCIONES|INVESTMENT/,
    ['financial', 'investment'],
    '-',
  ],
  [/TRANSFERENCIA|TRANSFER|TRANSF\b|\bSEPA\b|GIRO/, ['transfers', 'transfer_out'], '-'],
  [/TRANSFERENCIA|TRANSFER|TRANSF\b|\bSEPA\b|ABONO/, ['income', 'transfer_in'], '+'],
];

const mccCategories: Record<string, Target> = {
  '5411': ['groceries', 'supermarket'],
  '5422': ['groceries', 'market'],
  '5462': ['groceries', 'market'],
  '5812': ['eating_out', 'restaurant'],
  '5813': ['eating_out', 'restaurant'],
  '5814': ['eating_out', 'restaurant'],
  '5541': ['transport', 'fuel'],
  '5542': ['transport', 'fuel'],
  '4111': ['transport', 'public'],
  '4112': ['travel', 'trains'],
  '4121': ['transport', 'taxi'],
  '7523': ['transport', 'parking'],
  '5912': ['health', 'pharmacy'],
  '8011': ['health', 'medical'],
  '8021': ['health', 'medical'],
  '4511': ['travel', 'flights'],
  '7011': ['travel', 'lodging'],
  '7512': ['travel', 'car_rental'],
  '5651': ['shopping', 'clothing'],
  '5691': ['shopping', 'clothing'],
  '5732': ['shopping', 'electronics'],
  '5311': ['shopping', 'department'],
  '5712': ['shopping', 'home'],
  '5200': ['shopping', 'home'],
  '5942': ['leisure', 'books'],
  '4899': ['leisure', 'subscriptions'],
  '7832': ['leisure', 'events'],
  '7997': ['leisure', 'sports'],
  '5941': ['leisure', 'sports'],
  '8220': ['education', 'school'],
  '4722': ['travel', 'lodging'],
};

/** Norma 43 common concept codes, by sign where it matters. */
function byNorma43(code: string, incoming: boolean): Target | undefined {
  switch (code) {
    case '01':
    case '11':
      return incoming ? undefined : ['cash', 'atm'];
    case '02':
      return incoming ? ['cash', 'deposit'] : undefined;
    case '04':
      return incoming ? ['income', 'transfer_in'] : ['transfers', 'transfer_out'];
    case '05':
      return ['financial', 'loan'];
    case '07':
    case '08':
    case '09':
      return ['financial', 'investment'];
    case '15':
      return incoming ? ['income', 'salary'] : ['taxes', 'social_security'];
    case '16':
    case '17':
      return incoming ? ['income', 'interest'] : ['financial', 'fees'];
    default:
      return undefined;
  }
}

/** Upper case, no accents, single spaces: "Compra Tarj. Cafetería" → "COMPRA TARJ. CAFETERIA". */
export function normalizeText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .trim();
}

export function categorize(input: CategoryInput): CategoryResult {
  const text = normalizeText(`${input.description} ${input.counterparty ?? ''}`);
  const incoming = !input.amount.trim().startsWith('-') && Number(input.amount) !== 0;
  for (const [name, pattern, target] of merchants) {
    if (pattern.test(text)) {
      // Money back from a merchant is a refund, whatever the merchant sells.
      const [category, subcategory] = incoming ? (['income', 'refund'] as const) : target;
      return { category, subcategory, merchant_name: name, rule: 'merchant' };
    }
  }
  const merchant = input.mcc && input.counterparty ? titleCase(input.counterparty) : null;
  for (const [pattern, [category, subcategory], sign] of keywords) {
    if (sign === '+' && !incoming) continue;
    if (sign === '-' && incoming) continue;
    if (pattern.test(text)) return { category, subcategory, merchant_name: merchant, rule: 'keyword' };
  }
  const mcc = input.mcc ? mccCategories[input.mcc] : undefined;
  if (mcc)
    return {
      category: incoming ? 'income' : mcc[0],
      subcategory: incoming ? 'refund' : mcc[1],
      merchant_name: merchant,
      rule: 'mcc',
    };
  const n43 = input.norma43 ? byNorma43(input.norma43, incoming) : undefined;
  if (n43) return { category: n43[0], subcategory: n43[1], merchant_name: merchant, rule: 'norma43' };
  return { category: 'other', subcategory: 'uncategorized', merchant_name: merchant, rule: 'none' };
}

function titleCase(text: string): string {
  return text
    .toLowerCase()
    .replace(/(^|[\s.-])(\p{L})/gu, (_, space: string, letter: string) => space + letter.toUpperCase());
}
