// FlinksCapital and FlinksInvestment (Flinks test institutions): sandbox institutions for customers
// who test with Flinks' dummy institutions and their documented test users. The end user types them
// on Tesoro's own Connect page, and a Flinks facade creates connections with them through the API,
// so the sandbox itself reads them: each test user is translated into the magic username (README.md,
// "Magic credentials") that behaves the same way, and the ordinary login machinery does the rest.
// Nothing here leaves the sandbox.
import type { ChallengeRequest } from '../connector.ts';

export const FLINKS_CAPITAL_ID = 'ins_sandbox_flinks_capital';
export const FLINKS_INVESTMENT_ID = 'ins_sandbox_flinks_investment';
export const flinksInstitutionIds: readonly string[] = [FLINKS_CAPITAL_ID, FLINKS_INVESTMENT_ID];

/** The one password of every Flinks test user (exact, case-sensitive). */
export const FLINKS_PASSWORD = 'Everyday';

/** The security question Flinks asks `Greatday`, in its own words. */
export const FLINKS_QUESTION_PROMPT = 'What city were you born in?';
/** Its accepted answers (trimmed, case-insensitive); anything else is a wrong answer. */
export const flinksAnswers: readonly string[] = ['Montreal', 'Canada', 'Triangle', '4'];

/**
 * Flinks' test usernames (lower case: Flinks reads them case-insensitively) and the magic username
 * each logs in as. test_pending and test_dispatched are successes whose first extraction takes a
 * while: N and M current-account movements, so a first read answers 202 OPERATION_PENDING for a few
 * seconds (test_pending) or longer (test_dispatched) before the data is there.
 */
export const FLINKS_PENDING_TRANSACTIONS = 40_000;
export const FLINKS_DISPATCHED_TRANSACTIONS = 200_000;
export const flinksUsers: Readonly<Record<string, string>> = {
  greatday: 'user_question',
  greatday_nomfa: 'user_good',
  test_disabled_account: 'user_locked',
  test_service_unavailable: 'user_down',
  test_pending: `user_good_${FLINKS_PENDING_TRANSACTIONS}`,
  test_dispatched: `user_good_${FLINKS_DISPATCHED_TRANSACTIONS}`,
};

/**
 * The magic username a Flinks test login behaves as; null (invalid credentials, like a wrong
 * sandbox password) for any other username or any other password.
 */
export function flinksPersona(username: string, password: string): string | null {
  const user = username.toLowerCase();
  if (password !== FLINKS_PASSWORD || !Object.hasOwn(flinksUsers, user)) return null;
  return flinksUsers[user]!;
}

/** The question challenge `Greatday` gets (user_question's, in Flinks' words; same field name). */
export const flinksQuestionChallenge: ChallengeRequest = {
  type: 'question',
  prompt: { en: FLINKS_QUESTION_PROMPT, es: '¿En qué ciudad naciste?' },
  fields: [{ name: 'answer', label: { en: 'Answer', es: 'Respuesta' }, type: 'text', required: true }],
  expiresInSeconds: 600,
};
