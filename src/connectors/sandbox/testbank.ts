// TestBank (Flanks test values): a sandbox institution for customers who test with Flanks' TestBank,
// whose behaviour is chosen by special passwords and special SCA values typed as the one-time code.
// The end user types them on Tesoro's own Connect page, so the sandbox itself reads them: each word
// is translated into the magic username (README.md, "Magic credentials") that behaves the same way,
// and the ordinary login machinery does the rest. Nothing here leaves the sandbox.
import type { ChallengeRequest } from '../connector.ts';

export const TESTBANK_ID = 'ins_sandbox_testbank';

/** TestBank's words for a one-time code challenge (answer 123456, like user_otp). */
export const testBankCodeWords = [
  'SCA_SMS',
  'SCA_CODE',
  'SCA_CODE_DEVICE',
  'SCA_APP_CODE',
  'SCA_EMAIL',
  'SCA_CODE_FROM_APP',
  'SCA_GOOGLE_AUTHENTICATOR',
] as const;
/** An approval in the bank's app, nothing typed (like user_decoupled). */
export const testBankAppWords = ['SCA_APP', 'SCA_EXTERNAL_WAIT', 'SCA_QR_ACCEPT'] as const;
/** A coordinate-card value asked as a question (answer tesoro, like user_question). */
export const testBankCoordinateWords = ['SCA_COORDINATE', 'SCA_COORDINATE_CARD'] as const;

/**
 * Every TestBank password word and the magic username it logs in as; `null` is a wrong password.
 * Any other password is an ordinary one: user_good. ALREADY_EXISTS is ordinary too, since Tesoro
 * refuses duplicate credentials only when the client asks it to.
 */
export const testBankPasswords: Readonly<Record<string, string | null>> = {
  ...Object.fromEntries(testBankCodeWords.map((word) => [word, 'user_otp'])),
  ...Object.fromEntries(testBankAppWords.map((word) => [word, 'user_decoupled'])),
  ...Object.fromEntries(testBankCoordinateWords.map((word) => [word, 'user_question'])),
  DATA_ERROR_PRODUCT_ACCOUNT: 'user_partial_accounts',
  INVALID_CREDENTIALS: null,
  INTERNAL_ERROR: 'user_down',
  USER_INTERACTION_NEEDED: 'user_action',
  SCA_TYPE_NOT_ALLOWED: 'user_sca_unsupported',
  ALREADY_EXISTS: 'user_good',
};

/**
 * SCA values typed as the answer to a TestBank challenge that end the refresh as the magic username
 * would (case-insensitive). INVALID_SCA, like any other wrong value, is simply a wrong answer.
 */
export const testBankScaValues: Readonly<Record<string, string>> = {
  INTERNAL_ERROR: 'user_down',
  USER_INTERACTION_NEEDED: 'user_action',
};

/** The magic username a TestBank login behaves as, from its password; null: a wrong password. */
export function testBankPersona(password: string): string | null {
  return Object.hasOwn(testBankPasswords, password) ? testBankPasswords[password]! : 'user_good';
}

/** TestBank's challenges, in its own words: the code field takes SCA values as well as digits. */
export const testBankChallenges: {
  otp: ChallengeRequest;
  question: ChallengeRequest;
  decoupled: ChallengeRequest;
} = {
  otp: {
    type: 'otp',
    prompt: {
      en: 'Enter the one-time code TestBank sent you.',
      es: 'Introduce el código de un solo uso que te ha enviado TestBank.',
    },
    fields: [
      {
        name: 'code',
        label: { en: 'Code', es: 'Código' },
        // Text, not a numeric keypad: the SCA values are words.
        type: 'text',
        required: true,
        validation: '^[A-Za-z0-9_]{1,32}$',
      },
    ],
    expiresInSeconds: 300,
  },
  question: {
    type: 'question',
    prompt: {
      en: 'Enter the value of coordinate B4 on your coordinates card.',
      es: 'Introduce el valor de la coordenada B4 de tu tarjeta de coordenadas.',
    },
    fields: [
      {
        name: 'answer',
        label: { en: 'Coordinate B4', es: 'Coordenada B4' },
        type: 'text',
        required: true,
      },
    ],
    expiresInSeconds: 600,
  },
  decoupled: {
    type: 'decoupled',
    prompt: {
      en: 'Approve the access in your TestBank app.',
      es: 'Autoriza el acceso en la app de TestBank.',
    },
    fields: [],
    pollAfterMs: 1_000,
    expiresInSeconds: 300,
  },
};
