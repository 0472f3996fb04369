// The sandbox connector: the product's demo, test bed and benchmark load. Behaviour is chosen by
// magic usernames (README.md in this folder), or on TestBank by the password words that stand for
// them, or on FlinksCapital and FlinksInvestment by Flinks' test users; data is deterministic from
// the username.
import type { Product } from '../../domain/products.ts';
import type { NormalizedRecord } from '../../domain/records.ts';
import {
  type ChallengeRequest,
  type Connector,
  ConnectorError,
  type ExtractInput,
  type InstitutionDefinition,
  type LoginInput,
  type LoginResult,
  type SessionState,
} from '../connector.ts';
import { bankWorld, currentAccountTransactions } from './bank-data.ts';
import {
  accounts,
  bankHolders,
  cards,
  cardTransactions,
  identity,
  liabilities,
  liabilityTransactions,
} from './bank-products.ts';
import { brokerRecords } from './broker-data.ts';
import {
  flinksAnswers,
  flinksInstitutionIds,
  flinksPersona,
  flinksQuestionChallenge,
} from './flinks-capital.ts';
import { sandboxInstitutions } from './institutions.ts';
import { HISTORY_DAYS, type SandboxProfile, transactionCountFor } from './profile.ts';
import { seedFrom } from './random.ts';
import { TESTBANK_ID, testBankChallenges, testBankPersona, testBankScaValues } from './testbank.ts';

export const SANDBOX_PASSWORD = 'pass_good';
export const SANDBOX_OTP = '123456';
export const SANDBOX_ANSWER = 'tesoro';
const DECOUPLED_APPROVAL_MS = 3_000;
const BATCH_SIZE = 5_000;

const otpChallenge: ChallengeRequest = {
  type: 'otp',
  prompt: {
    en: 'Enter the 6-digit code we sent to your phone ending in 42.',
    es: 'Introduce el código de 6 dígitos enviado a tu móvil acabado en 42.',
  },
  fields: [
    {
      name: 'code',
      label: { en: 'Code', es: 'Código' },
      type: 'otp',
      required: true,
      validation: '^\\d{6}$',
    },
  ],
  expiresInSeconds: 300,
};

const questionChallenge: ChallengeRequest = {
  type: 'question',
  prompt: { en: 'What was the name of your first pet?', es: '¿Cómo se llamaba tu primera mascota?' },
  fields: [{ name: 'answer', label: { en: 'Answer', es: 'Respuesta' }, type: 'text', required: true }],
  expiresInSeconds: 600,
};

const decoupledChallenge: ChallengeRequest = {
  type: 'decoupled',
  prompt: {
    en: 'Approve the access in your Banco Sandbox app.',
    es: 'Autoriza el acceso en la app de Banco Sandbox.',
  },
  fields: [],
  pollAfterMs: 1_000,
  expiresInSeconds: 300,
};

const failures: Record<string, () => ConnectorError> = {
  user_locked: () =>
    new ConnectorError('locked', 'The online banking access is locked after too many attempts.'),
  user_expired: () =>
    new ConnectorError(
      'password_expired',
      'The password has expired; the user must set a new one at the bank.',
    ),
  user_action: () =>
    new ConnectorError('action_needed', 'The bank asks the user to accept new terms in its website.'),
  user_down: () => new ConnectorError('institution_down', 'The bank website is not answering.'),
  user_ratelimited: () =>
    new ConnectorError('rate_limited', 'The bank refuses more logins for now.', { retryAfterSeconds: 60 }),
  user_consent_expired: () =>
    new ConnectorError('consent_expired', 'The 180-day consent to read these accounts has ended.'),
  // The closest status to "this authentication method cannot be done here" (as a redirect
  // consent without a callback): the end user has to sort it out with the bank.
  user_sca_unsupported: () =>
    new ConnectorError(
      'action_needed',
      'The bank asks for an authentication method that is not allowed for this access.',
    ),
};

/** The product a persona's bank cannot give: that section of its website is down. */
const failingProduct: Readonly<Record<string, Product>> = {
  user_partial: 'cards',
  user_partial_accounts: 'accounts',
};

/** The challenges an institution asks, in its words, and the typed answers that end the refresh. */
interface Challenges {
  otp: ChallengeRequest;
  question: ChallengeRequest;
  decoupled: ChallengeRequest;
  /** The answers (lower case) the question accepts. */
  questionAnswers: readonly string[];
  /** Answer (upper case) → the magic username whose failure it raises. */
  endings: Readonly<Record<string, string>>;
}

const sandboxChallenges: Challenges = {
  otp: otpChallenge,
  question: questionChallenge,
  decoupled: decoupledChallenge,
  questionAnswers: [SANDBOX_ANSWER],
  endings: {},
};

const testBank: Challenges = {
  ...testBankChallenges,
  questionAnswers: [SANDBOX_ANSWER],
  endings: testBankScaValues,
};

/** Flinks' test users only ever meet the question (Greatday); no answer ends the refresh. */
const flinks: Challenges = {
  ...sandboxChallenges,
  question: flinksQuestionChallenge,
  questionAnswers: flinksAnswers.map((answer) => answer.toLowerCase()),
};

const isFlinks = (institutionId: string) => flinksInstitutionIds.includes(institutionId);

const challengesOf = (institutionId: string): Challenges =>
  institutionId === TESTBANK_ID ? testBank : isFlinks(institutionId) ? flinks : sandboxChallenges;

const invalidCredentials = () =>
  new ConnectorError('credentials_invalid', 'The username or password is not correct.');

/**
 * The magic username a login behaves as: the username itself with the sandbox password; on
 * TestBank, the one its password word stands for (any username); on the Flinks institutions, the
 * one the Flinks test user stands for. Throws for wrong credentials.
 */
function personaOf(input: LoginInput): string {
  const { username = '', password = '' } = input.credentials;
  if (input.institutionId === TESTBANK_ID) return testBankPersona(password) ?? throwInvalid();
  if (isFlinks(input.institutionId)) return flinksPersona(username, password) ?? throwInvalid();
  return password === SANDBOX_PASSWORD ? username : throwInvalid();
}

function throwInvalid(): never {
  throw invalidCredentials();
}

/**
 * The username the data is derived from: the one typed, except on the Flinks institutions, whose
 * few test users are the magic usernames they stand for (test_pending has user_good_<N>'s N
 * movements; Greatday and greatday have the same data).
 */
const dataUsername = (input: LoginInput, persona: string) =>
  isFlinks(input.institutionId) ? persona : (input.credentials.username ?? '');

/** What Banco Sandbox's consent page sends back when the end user grants access. */
export const SANDBOX_CONSENT_CODE = 'sandbox-consent-granted';

/**
 * A redirect consent (PSD2 style): the end user leaves for the bank and comes back to Tesoro's
 * callback. Banco Sandbox grants at once, so its "consent page" is the callback itself, with a code.
 */
function redirectConsent(input: LoginInput, session: SessionState): LoginResult | undefined {
  if (input.answers) {
    if (input.answers.code === SANDBOX_CONSENT_CODE) return undefined;
    throw new ConnectorError(
      'challenge_failed',
      input.answers.error
        ? `The consent was refused (${input.answers.error}).`
        : 'The consent code is not valid.',
    );
  }
  if (!input.redirect)
    throw new ConnectorError('action_needed', 'This login needs the end user to consent at the bank.');
  const url = new URL(input.redirect.callbackUrl);
  url.searchParams.set('state', input.redirect.state);
  url.searchParams.set('code', SANDBOX_CONSENT_CODE);
  return {
    status: 'challenge',
    challenge: {
      type: 'redirect',
      prompt: {
        en: 'Give Tesoro access to your accounts on Banco Sandbox’s website.',
        es: 'Autoriza a Tesoro a leer tus cuentas en la web de Banco Sandbox.',
      },
      fields: [],
      redirectUrl: url.toString(),
      expiresInSeconds: 600,
    },
    session,
  };
}

/**
 * Raises the challenge, or checks its answer against the `accepted` ones (lower case; the engine
 * counts attempts); an answer among `endings` ends the refresh with that magic username's failure.
 */
function answerChallenge(
  session: SessionState,
  challenge: ChallengeRequest,
  accepted: readonly string[],
  answers: Readonly<Record<string, string>> | undefined,
  endings: Challenges['endings'],
): LoginResult | undefined {
  if (!answers) return { status: 'challenge', challenge, session };
  const answer = (answers[challenge.fields[0]!.name] ?? '').trim();
  if (accepted.includes(answer.toLowerCase())) return undefined;
  const word = answer.toUpperCase();
  if (Object.hasOwn(endings, word)) throw failures[endings[word]!]!();
  throw new ConnectorError('challenge_failed', 'The answer is not correct.');
}

async function login(input: LoginInput): Promise<LoginResult> {
  const persona = personaOf(input);
  const username = dataUsername(input, persona);
  // Own keys only: a username such as `toString` is an ordinary one.
  if (Object.hasOwn(failures, persona)) throw failures[persona]!();
  if (
    input.institutionId === 'ins_sandbox_flaky_bank' &&
    seedFrom('flaky', username, String(input.refreshNumber)) % 3 === 0
  ) {
    throw new ConnectorError('institution_down', 'Caja Sandbox Inestable is not answering; try again later.');
  }
  let session: SessionState = {
    ...input.session,
    username,
    persona,
    anchor: input.session.anchor ?? input.now.toISOString().slice(0, 10),
  };
  const challenges = challengesOf(input.institutionId);
  const everyLogin = input.institutionId === 'ins_sandbox_otp_bank';
  if (persona === 'user_redirect' && !session.authenticated) {
    const pending = redirectConsent(input, session);
    if (pending) return pending;
  } else if (
    everyLogin ||
    (!session.authenticated && ['user_otp', 'user_question', 'user_decoupled'].includes(persona))
  ) {
    if (persona === 'user_decoupled' && !everyLogin) {
      const started = Number(session.decoupledStartedAt ?? 0);
      if (!started)
        return {
          status: 'challenge',
          challenge: challenges.decoupled,
          session: { ...session, decoupledStartedAt: input.now.getTime() },
        };
      if (input.now.getTime() - started < DECOUPLED_APPROVAL_MS)
        return { status: 'challenge', challenge: challenges.decoupled, session };
    } else {
      const isQuestion = persona === 'user_question' && !everyLogin;
      const pending = answerChallenge(
        session,
        isQuestion ? challenges.question : challenges.otp,
        isQuestion ? challenges.questionAnswers : [SANDBOX_OTP],
        input.answers,
        challenges.endings,
      );
      if (pending) return pending;
    }
  }
  session = { ...session, authenticated: true, decoupledStartedAt: undefined };
  return { status: 'ok', session };
}

/** The magic username the session's login behaved as (sessions from before TestBank: the username). */
const personaOfSession = (session: SessionState) => String(session.persona ?? session.username);

function profileOf(input: ExtractInput): SandboxProfile {
  const username = String(input.session.username);
  return {
    username,
    transactionCount: transactionCountFor(username),
    historyDays: HISTORY_DAYS,
    anchor: String(input.session.anchor),
    round: personaOfSession(input.session) === 'user_dynamic' ? input.refreshNumber : 0,
  };
}

/** The records of a world's products, each read only when asked for. */
type World = Partial<Record<Product, () => Iterable<NormalizedRecord>>>;

/** Banco Sandbox's world: accounts, cards, loans and their movements. */
function bankProducts(profile: SandboxProfile): World {
  const world = bankWorld(profile);
  return {
    accounts: () => accounts(profile, world),
    transactions: () => currentAccountTransactions(profile, world),
    cards: () => cards(profile, world),
    card_transactions: () => cardTransactions(profile, world),
    liabilities: () => liabilities(profile),
    liability_transactions: () => liabilityTransactions(profile, world),
    identity: () => [identity(world.person)],
    holders: () => bankHolders(profile, world),
  };
}

/** Sandbox Valores' world: the cash account, portfolios, investments, trades and MiFID. */
function brokerProducts(profile: SandboxProfile): World {
  let data: ReturnType<typeof brokerRecords> | undefined;
  const broker = () => (data ??= brokerRecords(profile));
  return {
    accounts: () => broker().accounts,
    transactions: () => broker().transactions,
    portfolios: () => broker().portfolios,
    investments: () => broker().investments,
    investment_transactions: () => broker().investmentTransactions,
    identity: () => [identity(broker().person)],
    holders: () => broker().holders,
    mifid: () => broker().mifid,
  };
}

/**
 * Where an institution's records come from. TestBank has both worlds, so every product can be
 * tried on one institution: their records never share a natural key (other bank code, other
 * prefixes), and both are the same person, so its identity is the first world's alone.
 */
function worldsOf(institution: InstitutionDefinition, profile: SandboxProfile): World[] {
  if (institution.id === TESTBANK_ID) return [bankProducts(profile), brokerProducts(profile)];
  return [institution.kind === 'broker' ? brokerProducts(profile) : bankProducts(profile)];
}

function* records(input: ExtractInput): Iterable<NormalizedRecord> {
  const profile = profileOf(input);
  const institution = sandboxInstitutions.find((i) => i.id === input.institutionId)!;
  if (!institution.products.includes(input.product)) {
    throw new ConnectorError('product_unavailable', `${institution.name} does not offer ${input.product}.`);
  }
  const persona = personaOfSession(input.session);
  if (Object.hasOwn(failingProduct, persona) && failingProduct[persona] === input.product) {
    // That section of the online bank is down while the rest of the site works.
    throw new ConnectorError(
      'product_unavailable',
      `The ${input.product} section of the online bank is not available.`,
    );
  }
  const sources = worldsOf(institution, profile).flatMap((world) => world[input.product] ?? []);
  for (const source of input.product === 'identity' ? sources.slice(0, 1) : sources) yield* source();
}

async function* extract(input: ExtractInput): AsyncIterable<readonly NormalizedRecord[]> {
  let batch: NormalizedRecord[] = [];
  const sinceDate = input.since.toISOString().slice(0, 10);
  for (const record of records(input)) {
    const date = record.data.operation_date;
    if (typeof date === 'string' && date < sinceDate) continue;
    batch.push(record);
    if (batch.length === BATCH_SIZE) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

export const sandboxConnector: Connector = {
  id: 'sandbox',
  institutions: sandboxInstitutions,
  login,
  extract,
};

/** Its registration: no settings, always available (the demo and the test bed). */
export const sandboxModule = { id: sandboxConnector.id, create: () => sandboxConnector };
