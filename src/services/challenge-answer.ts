// Answering a challenge and waiting for the institution's verdict: the answer resumes the
// extraction (services/connections.ts answerChallenge), and the caller is told within a few
// seconds whether it was accepted, wrong (CHALLENGE_FAILED with the attempts left), or is still
// being decided.
import { AppError } from '../domain/errors.ts';
import { findChallengeState } from '../store/challenges.ts';
import { answerChallenge, type Presence } from './connections.ts';
import type { ServiceDeps } from './deps.ts';

/** How long an answer waits for the institution's verdict before saying it is still deciding. */
export const ANSWER_WAIT_MS = 10_000;
/** How often the challenge is read while waiting. */
const POLL_MS = 50;

/**
 * Sends the answers and waits until the challenge settles: resolves once it is completed (or
 * expired, or gone) with `deciding: false`, or after `waitMs` with `deciding: true`; throws
 * CHALLENGE_FAILED (with `attempts_left`) when the answer was wrong or the attempts are used up.
 */
export async function answerChallengeAndWait(
  deps: ServiceDeps,
  clientId: string,
  connectionId: string,
  answers: Record<string, string>,
  options: { waitMs?: number; present?: Presence } = {},
): Promise<{ deciding: boolean }> {
  const { challengeId } = await answerChallenge(deps, clientId, connectionId, answers, options.present);
  const deadline = Date.now() + (options.waitMs ?? ANSWER_WAIT_MS);
  for (;;) {
    const challenge = await findChallengeState(deps.db, challengeId);
    if (!challenge || challenge.status === 'completed' || challenge.status === 'expired')
      return { deciding: false };
    if (challenge.status === 'open' || challenge.status === 'failed') {
      throw new AppError(
        'CHALLENGE_FAILED',
        challenge.status === 'open'
          ? 'The answer is not correct; try again.'
          : 'Too many wrong answers; refresh the connection to start again.',
        { extensions: { attempts_left: challenge.attempts_left ?? 0 } },
      );
    }
    if (Date.now() > deadline) return { deciding: true };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
