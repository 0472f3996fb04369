// A redirect consent coming back: the institution sends the end user's browser to
// GET /connect/callback/{connector}?state=…&code=… (or &error=…). The state names the open redirect
// challenge (only its hash is stored); its query parameters become the challenge's answers, the
// refresh resumes with the end user present, and the end user is sent on to the developer's
// redirect_uri with a one-use code, as the Connect page would have done.
import type { UserPresent } from '../connectors/connector.ts';
import { AppError } from '../domain/errors.ts';
import { REFRESH_CONNECTION } from '../jobs/definitions.ts';
import { seal } from '../security/envelope.ts';
import { claimOpenChallenge, findChallengeState } from '../store/challenges.ts';
import { findChallengeByCallbackState, findConnectionById } from '../store/connections.ts';
import { updateRefresh } from '../store/refreshes.ts';
import { findOpenSessionOf, handOver, redirectWithError } from './connect.ts';
import { type ServiceDeps, sealContext } from './deps.ts';
import { callbackStateHash } from './refresh/challenge.ts';

/** How long the callback waits for the institution to accept the consent before handing over. */
const CONSENT_WAIT_MS = 15_000;

export type CallbackOutcome =
  /** Send the end user on (to the developer's redirect_uri, with a code or an error). */
  | { redirectTo: string }
  /** No Connect session (the connection was made through the API): a page saying what happened. */
  | { page: 'accepted' | 'refused' | 'pending' };

export async function receiveConsentCallback(
  deps: ServiceDeps,
  connectorId: string,
  query: Readonly<Record<string, string>>,
  userPresent: UserPresent,
): Promise<CallbackOutcome> {
  const { state, ...answers } = query;
  const challenge = state ? await findChallengeByCallbackState(deps.db, callbackStateHash(state)) : undefined;
  const connection = challenge && (await findConnectionById(deps.db, challenge.connection_id));
  if (!challenge || !connection || connection.connector !== connectorId || challenge.status !== 'open')
    throw new AppError('CONSENT_CALLBACK_INVALID', 'This consent link is not valid, or was already used.');
  if (challenge.expires_at.getTime() <= deps.now().getTime())
    throw new AppError('CONSENT_CALLBACK_INVALID', 'This consent took too long; start again.');
  await deps.db.transaction().execute(async (trx) => {
    // The state change is the guard: a callback followed twice resumes the refresh once.
    if (!(await claimOpenChallenge(trx, challenge.id)))
      throw new AppError('CONSENT_CALLBACK_INVALID', 'This consent link was already used.');
    await updateRefresh(trx, challenge.refresh_id, {
      answers_sealed: seal(deps.keyring, JSON.stringify(answers), sealContext.answers(challenge.refresh_id)),
      user_present: JSON.stringify(userPresent),
    });
    await deps.jobs.send(REFRESH_CONNECTION, { refreshId: challenge.refresh_id }, { trx });
  });
  const outcome = await consentOutcome(deps, challenge.id);
  const session = await findOpenSessionOf(deps, connection.id);
  if (!session) return { page: outcome };
  if (outcome === 'refused') return { redirectTo: redirectWithError(session, 'consent_refused') };
  return { redirectTo: (await handOver(deps, session)).redirect_url };
}

/** Waits for the resumed login: the institution accepted the consent, refused it, or is still at it. */
async function consentOutcome(
  deps: ServiceDeps,
  challengeId: string,
): Promise<'accepted' | 'refused' | 'pending'> {
  const deadline = Date.now() + CONSENT_WAIT_MS;
  while (Date.now() < deadline) {
    const row = await findChallengeState(deps.db, challengeId);
    if (row?.status === 'completed') return 'accepted';
    if (row?.status !== 'answered') return 'refused';
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 'pending';
}
