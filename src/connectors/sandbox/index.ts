// The sandbox connector: the product's demo, test bed and benchmark load. Behaviour is chosen by
// magic usernames (README.md in this folder); data is deterministic from the username.
import type { NormalizedRecord } from '../../domain/records.ts';
import {
  type ChallengeRequest,
  type Connector,
  ConnectorError,
  type ExtractInput,
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
import { sandboxInstitutions } from './institutions.ts';
import { HISTORY_DAYS, type SandboxProfile, transactionCountFor } from './profile.ts';
import { seedFrom } from './random.ts';

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
};

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

/** Raises the challenge, or checks its answer (the engine counts attempts). */
function answerChallenge(
  session: SessionState,
  challenge: ChallengeRequest,
  expected: string,
  answers: Readonly<Record<string, string>> | undefined,
): LoginResult | undefined {
  if (!answers) return { status: 'challenge', challenge, session };
  const field = challenge.fields[0]!.name;
  if ((answers[field] ?? '').trim().toLowerCase() === expected) return undefined;
  throw new ConnectorError('challenge_failed', 'The answer is not correct.');
}

async function login(input: LoginInput): Promise<LoginResult> {
  const username = input.credentials.username ?? '';
  if (input.credentials.password !== SANDBOX_PASSWORD) {
    throw new ConnectorError('credentials_invalid', 'The username or password is not correct.');
  }
  const failure = failures[username];
  if (failure) throw failure();
  if (
    input.institutionId === 'ins_sandbox_flaky_bank' &&
    seedFrom('flaky', username, String(input.refreshNumber)) % 3 === 0
  ) {
    throw new ConnectorError('institution_down', 'Caja Sandbox Inestable is not answering; try again later.');
  }
  let session: SessionState = {
    ...input.session,
    username,
    anchor: input.session.anchor ?? input.now.toISOString().slice(0, 10),
  };
  const everyLogin = input.institutionId === 'ins_sandbox_otp_bank';
  if (username === 'user_redirect' && !session.authenticated) {
    const pending = redirectConsent(input, session);
    if (pending) return pending;
  } else if (
    everyLogin ||
    (!session.authenticated && ['user_otp', 'user_question', 'user_decoupled'].includes(username))
  ) {
    if (username === 'user_decoupled' && !everyLogin) {
      const started = Number(session.decoupledStartedAt ?? 0);
      if (!started)
        return {
          status: 'challenge',
          challenge: decoupledChallenge,
          session: { ...session, decoupledStartedAt: input.now.getTime() },
        };
      if (input.now.getTime() - started < DECOUPLED_APPROVAL_MS)
        return { status: 'challenge', challenge: decoupledChallenge, session };
    } else {
      const isQuestion = username === 'user_question' && !everyLogin;
      const pending = answerChallenge(
        session,
        isQuestion ? questionChallenge : otpChallenge,
        isQuestion ? SANDBOX_ANSWER : SANDBOX_OTP,
        input.answers,
      );
      if (pending) return pending;
    }
  }
  session = { ...session, authenticated: true, decoupledStartedAt: undefined };
  return { status: 'ok', session };
}

function profileOf(input: ExtractInput): SandboxProfile {
  const username = String(input.session.username);
  return {
    username,
    transactionCount: transactionCountFor(username),
    historyDays: HISTORY_DAYS,
    anchor: String(input.session.anchor),
    round: username === 'user_dynamic' ? input.refreshNumber : 0,
  };
}

function records(input: ExtractInput): Iterable<NormalizedRecord> {
  const profile = profileOf(input);
  const institution = sandboxInstitutions.find((i) => i.id === input.institutionId)!;
  if (!institution.products.includes(input.product)) {
    throw new ConnectorError('product_unavailable', `${institution.name} does not offer ${input.product}.`);
  }
  if (profile.username === 'user_partial' && input.product === 'cards') {
    // The bank's card section is down while the rest of the site works.
    throw new ConnectorError('product_unavailable', 'The card section of the online bank is not available.');
  }
  if (institution.kind === 'broker') {
    const broker = brokerRecords(profile);
    const byProduct: Record<string, NormalizedRecord[]> = {
      accounts: broker.accounts,
      transactions: broker.transactions,
      portfolios: broker.portfolios,
      investments: broker.investments,
      investment_transactions: broker.investmentTransactions,
      identity: [identity(broker.person)],
      holders: broker.holders,
      mifid: broker.mifid,
    };
    return byProduct[input.product] ?? [];
  }
  const world = bankWorld(profile);
  switch (input.product) {
    case 'accounts':
      return accounts(profile, world);
    case 'transactions':
      return currentAccountTransactions(profile, world);
    case 'cards':
      return cards(profile, world);
    case 'card_transactions':
      return cardTransactions(profile, world);
    case 'liabilities':
      return liabilities(profile);
    case 'liability_transactions':
      return liabilityTransactions(profile, world);
    case 'identity':
      return [identity(world.person)];
    case 'holders':
      return bankHolders(profile, world);
    default:
      return [];
  }
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
