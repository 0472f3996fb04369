// The sandbox institutions: the product's demo, test bed and benchmark load. Their behaviour is
// driven by magic usernames (see README.md in this folder), TestBank's by password words, the Flinks
// institutions' by Flinks' test users; here they declare who they are and what their login form
// looks like.
import type { Product } from '../../domain/products.ts';
import type { InstitutionDefinition, LoginField } from '../connector.ts';
import {
  FLINKS_CAPITAL_ID,
  FLINKS_INVESTMENT_ID,
  FLINKS_PASSWORD,
  FLINKS_QUESTION_PROMPT,
  flinksAnswers,
} from './flinks-capital.ts';
import { TESTBANK_ID, testBankAppWords, testBankCodeWords, testBankCoordinateWords } from './testbank.ts';

const USERNAME_PATTERN = '^[A-Za-z0-9_.@-]{3,64}$';

const username: LoginField = {
  name: 'username',
  label: { en: 'Username', es: 'Usuario' },
  type: 'text',
  required: true,
  validation: USERNAME_PATTERN,
  placeholder: { en: 'user_good', es: 'user_good' },
};

const password: LoginField = {
  name: 'password',
  label: { en: 'Password', es: 'Contraseña' },
  type: 'password',
  required: true,
  validation: '^.{1,128}$',
};

const documentType: LoginField = {
  name: 'document_type',
  label: { en: 'Document type', es: 'Tipo de documento' },
  type: 'select',
  required: true,
  options: [
    { value: 'nif', label: { en: 'NIF / DNI', es: 'NIF / DNI' } },
    { value: 'nie', label: { en: 'NIE', es: 'NIE' } },
    { value: 'passport', label: { en: 'Passport', es: 'Pasaporte' } },
  ],
};

const magicCredentials = {
  en:
    'Sandbox: password pass_good with user_good (about 2 years of history), user_good_<N> (N transactions), ' +
    'user_otp (code 123456), user_question (answer tesoro), user_decoupled (approved after ~3 s), ' +
    'user_dynamic (new data every refresh), user_locked, user_expired, user_action, user_down, ' +
    'user_ratelimited. Any other password fails with invalid credentials.',
  es:
    'Sandbox: contraseña pass_good con user_good (unos 2 años de historial), user_good_<N> (N movimientos), ' +
    'user_otp (código 123456), user_question (respuesta tesoro), user_decoupled (aprobado a los ~3 s), ' +
    'user_dynamic (datos nuevos en cada actualización), user_locked, user_expired, user_action, user_down, ' +
    'user_ratelimited. Cualquier otra contraseña da credenciales no válidas.',
};

function describe(en: string, es: string) {
  return { en: `${en} ${magicCredentials.en}`, es: `${es} ${magicCredentials.es}` };
}

/** TestBank lists its own words (testbank.ts): the magic usernames do not apply there. */
const words = (list: readonly string[]) => list.join(', ');
const testBankDescription = {
  en:
    'Flanks TestBank test values, every product on one bank: accounts, cards, loans and investments. ' +
    'Any username; the password chooses the behaviour: ' +
    `${words(testBankCodeWords)} ask a one-time code (123456; the SCA value INVALID_SCA is a wrong code, ` +
    'INTERNAL_ERROR and USER_INTERACTION_NEEDED end the login); ' +
    `${words(testBankAppWords)} ask an approval in the app (given after ~3 s); ` +
    `${words(testBankCoordinateWords)} ask a coordinate-card value (answer tesoro); ` +
    'DATA_ERROR_PRODUCT_ACCOUNT fails the accounts only; INVALID_CREDENTIALS, INTERNAL_ERROR, ' +
    'USER_INTERACTION_NEEDED and SCA_TYPE_NOT_ALLOWED fail the login; any other password, ' +
    'ALREADY_EXISTS included, logs in.',
  es:
    'Valores de prueba de TestBank de Flanks, todos los productos en un banco: cuentas, tarjetas, préstamos e inversiones. ' +
    'Cualquier usuario; la contraseña elige el comportamiento: ' +
    `${words(testBankCodeWords)} piden un código de un solo uso (123456; el valor SCA INVALID_SCA es un código erróneo, ` +
    'INTERNAL_ERROR y USER_INTERACTION_NEEDED terminan el acceso); ' +
    `${words(testBankAppWords)} piden autorizar en la app (concedido a los ~3 s); ` +
    `${words(testBankCoordinateWords)} piden una coordenada de la tarjeta (respuesta tesoro); ` +
    'DATA_ERROR_PRODUCT_ACCOUNT hace fallar solo las cuentas; INVALID_CREDENTIALS, INTERNAL_ERROR, ' +
    'USER_INTERACTION_NEEDED y SCA_TYPE_NOT_ALLOWED hacen fallar el acceso; cualquier otra contraseña, ' +
    'ALREADY_EXISTS incluida, entra.',
};

/** Flinks' test users (flinks-capital.ts): the magic usernames do not apply there either. */
const flinksUsersText = {
  en:
    `Flinks test users, password ${FLINKS_PASSWORD}: Greatday (security question "${FLINKS_QUESTION_PROMPT}", ` +
    `answer ${words(flinksAnswers)}), greatday_nomfa (no question), test_disabled_account (locked), ` +
    'test_service_unavailable (institution down), test_pending and test_dispatched (a long first ' +
    'extraction: the data answers 202 OPERATION_PENDING until it is loaded). Usernames are ' +
    'case-insensitive; any other username or password fails with invalid credentials.',
  es:
    `Usuarios de prueba de Flinks, contraseña ${FLINKS_PASSWORD}: Greatday (pregunta de seguridad "¿En qué ciudad naciste?", ` +
    `respuesta ${words(flinksAnswers)}), greatday_nomfa (sin pregunta), test_disabled_account (bloqueado), ` +
    'test_service_unavailable (entidad caída), test_pending y test_dispatched (una primera extracción ' +
    'larga: los datos responden 202 OPERATION_PENDING hasta que se cargan). El usuario no distingue ' +
    'mayúsculas; cualquier otro usuario o contraseña da credenciales no válidas.',
};

/** Banco Sandbox's products, which FlinksCapital shares. */
const bankProducts: readonly Product[] = [
  'accounts',
  'transactions',
  'cards',
  'card_transactions',
  'liabilities',
  'liability_transactions',
  'identity',
  'holders',
];

/** Sandbox Valores' products, which FlinksInvestment shares. */
const brokerProducts: readonly Product[] = [
  'accounts',
  'transactions',
  'portfolios',
  'investments',
  'investment_transactions',
  'identity',
  'holders',
  'mifid',
];

const flinksUsername: LoginField = { ...username, placeholder: { en: 'Greatday', es: 'Greatday' } };

export const sandboxInstitutions: readonly InstitutionDefinition[] = [
  {
    id: 'ins_sandbox_bank',
    name: 'Banco Sandbox',
    country: 'ES',
    kind: 'bank',
    products: bankProducts,
    fields: [username, password],
    mfa: ['otp', 'question', 'decoupled'],
    alwaysManualRefresh: false,
    description: describe(
      'A Spanish retail bank: current and savings accounts (one joint), debit and credit cards, a mortgage and a personal loan.',
      'Un banco minorista español: cuentas corrientes y de ahorro (una compartida), tarjetas de débito y crédito, una hipoteca y un préstamo personal.',
    ),
    cif: null,
    url: null,
    primaryColor: '#0b5cab',
  },
  {
    id: 'ins_sandbox_broker',
    name: 'Sandbox Valores',
    country: 'ES',
    kind: 'broker',
    products: brokerProducts,
    fields: [documentType, username, password],
    mfa: ['otp'],
    alwaysManualRefresh: false,
    description: describe(
      'A broker: portfolios of funds, stocks, ETFs, bonds and pension plans, their transactions with fees and FX, and MiFID answers.',
      'Un bróker: carteras de fondos, acciones, ETF, bonos y planes de pensiones, sus operaciones con comisiones y divisa, y respuestas MiFID.',
    ),
    cif: null,
    url: null,
    primaryColor: '#1f7a4d',
  },
  {
    id: 'ins_sandbox_otp_bank',
    name: 'Banco Sandbox Firma',
    country: 'ES',
    kind: 'bank',
    products: ['accounts', 'transactions', 'cards', 'card_transactions', 'identity', 'holders'],
    fields: [username, password],
    mfa: ['otp'],
    alwaysManualRefresh: true,
    description: describe(
      'A bank that asks a one-time code (123456) on every login, so it is never refreshed without the end user.',
      'Un banco que pide un código de un solo uso (123456) en cada acceso, así que nunca se actualiza sin el usuario.',
    ),
    cif: null,
    url: null,
    primaryColor: '#8a3ffc',
  },
  {
    id: 'ins_sandbox_flaky_bank',
    name: 'Caja Sandbox Inestable',
    country: 'ES',
    kind: 'bank',
    products: ['accounts', 'transactions', 'identity'],
    fields: [username, password],
    mfa: [],
    alwaysManualRefresh: false,
    description: describe(
      'A savings bank whose website is often down: about one login in three fails with institution_down.',
      'Una caja cuya web se cae a menudo: uno de cada tres accesos falla con institution_down.',
    ),
    cif: null,
    url: null,
    primaryColor: '#c2410c',
  },
  {
    id: TESTBANK_ID,
    name: 'TestBank (Flanks test values)',
    country: 'ES',
    kind: 'bank',
    // Banco Sandbox's products and Sandbox Valores' together (index.ts worldsOf).
    products: [
      'accounts',
      'transactions',
      'cards',
      'card_transactions',
      'liabilities',
      'liability_transactions',
      'portfolios',
      'investments',
      'investment_transactions',
      'identity',
      'holders',
      'mifid',
    ],
    fields: [username, password],
    mfa: ['otp', 'question', 'decoupled'],
    alwaysManualRefresh: false,
    description: testBankDescription,
    cif: null,
    url: null,
    primaryColor: '#4b5563',
  },
  {
    id: FLINKS_CAPITAL_ID,
    name: 'FlinksCapital',
    country: 'CA',
    kind: 'bank',
    // Banco Sandbox's products and data (index.ts worldsOf, by kind).
    products: bankProducts,
    fields: [flinksUsername, password],
    mfa: ['question'],
    alwaysManualRefresh: false,
    description: {
      en: `Flinks' test bank: a retail bank with accounts, cards and loans (Banco Sandbox's data). ${flinksUsersText.en}`,
      es: `El banco de prueba de Flinks: un banco minorista con cuentas, tarjetas y préstamos (los datos de Banco Sandbox). ${flinksUsersText.es}`,
    },
    cif: null,
    url: null,
    primaryColor: '#0e7490',
  },
  {
    id: FLINKS_INVESTMENT_ID,
    name: 'FlinksInvestment',
    country: 'CA',
    kind: 'broker',
    // Sandbox Valores' products and data; its login form without the document type, which the
    // sandbox never reads (Flinks asks a username and a password).
    products: brokerProducts,
    fields: [flinksUsername, password],
    mfa: ['question'],
    alwaysManualRefresh: false,
    description: {
      en: `Flinks' test investment institution: portfolios, funds, stocks, ETFs, bonds and their transactions (Sandbox Valores' data). ${flinksUsersText.en}`,
      es: `La entidad de inversión de prueba de Flinks: carteras, fondos, acciones, ETF, bonos y sus operaciones (los datos de Sandbox Valores). ${flinksUsersText.es}`,
    },
    cif: null,
    url: null,
    primaryColor: '#0f766e',
  },
];
