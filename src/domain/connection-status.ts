// A connection's status is a typed state machine (DESIGN.md), not a boolean. Every transition is
// checked here and recorded with a timestamp by the service that makes it.
import type { ConnectorErrorCode } from './vocabulary.ts';

export const connectionStatuses = [
  'pending',
  'ok',
  'challenge_required',
  'credentials_invalid',
  'password_expired',
  'action_needed',
  'locked',
  'rate_limited',
  'institution_down',
  'consent_expired',
  'disabled',
] as const;

export type ConnectionStatus = (typeof connectionStatuses)[number];

/** Statuses that end an extraction attempt with an error the connection keeps until fixed or retried. */
export const errorStatuses: readonly ConnectionStatus[] = [
  'credentials_invalid',
  'password_expired',
  'action_needed',
  'locked',
  'rate_limited',
  'institution_down',
  'consent_expired',
];

const allowed: Record<ConnectionStatus, readonly ConnectionStatus[]> = {
  // The first extraction is running: it ends well, asks the user, or fails.
  pending: ['ok', 'challenge_required', ...errorStatuses, 'disabled'],
  // A refresh of a working connection can need the user or fail; `pending` is only for first loads.
  ok: ['ok', 'challenge_required', ...errorStatuses, 'disabled'],
  challenge_required: ['pending', 'ok', 'challenge_required', ...errorStatuses, 'disabled'],
  credentials_invalid: ['pending', 'ok', 'challenge_required', ...errorStatuses, 'disabled'],
  password_expired: ['pending', 'ok', 'challenge_required', ...errorStatuses, 'disabled'],
  action_needed: ['pending', 'ok', 'challenge_required', ...errorStatuses, 'disabled'],
  locked: ['pending', 'ok', 'challenge_required', ...errorStatuses, 'disabled'],
  rate_limited: ['pending', 'ok', 'challenge_required', ...errorStatuses, 'disabled'],
  institution_down: ['pending', 'ok', 'challenge_required', ...errorStatuses, 'disabled'],
  consent_expired: ['pending', 'ok', 'challenge_required', ...errorStatuses, 'disabled'],
  // A disabled connection does nothing until enabled again, which starts a fresh load.
  disabled: ['pending'],
};

export function canTransition(from: ConnectionStatus, to: ConnectionStatus): boolean {
  return allowed[from].includes(to);
}

export class IllegalTransitionError extends Error {}

export function assertTransition(from: ConnectionStatus, to: ConnectionStatus): void {
  if (!canTransition(from, to))
    throw new IllegalTransitionError(`A connection cannot go from ${from} to ${to}`);
}

/** The status a connector error leaves the connection in. */
export function statusForError(code: ConnectorErrorCode): ConnectionStatus {
  switch (code) {
    case 'credentials_invalid':
    case 'password_expired':
    case 'action_needed':
    case 'locked':
    case 'rate_limited':
    case 'institution_down':
    case 'consent_expired':
      return code;
    case 'challenge_required':
    case 'challenge_failed':
      return 'challenge_required';
    default:
      return 'institution_down';
  }
}

/**
 * A login error's status_detail: the status's plain words, then what the institution said
 * (institutionSaid reads it back).
 */
export const loginErrorDetail = (status: ConnectionStatus, said: string) =>
  `${statusDetails[status]} (${said})`;

/** What the institution said in a status_detail written by loginErrorDetail; null if nothing. */
export function institutionSaid(status: ConnectionStatus, detail: string | null): string | null {
  if (!detail || detail === statusDetails[status]) return null;
  const prefix = `${statusDetails[status]} (`;
  return detail.startsWith(prefix) && detail.endsWith(')') ? detail.slice(prefix.length, -1) : detail;
}

/** What each status means, in plain words for status_detail. */
export const statusDetails: Record<ConnectionStatus, string> = {
  pending: 'The first extraction is running.',
  ok: 'The connection works and its data is up to date.',
  challenge_required: 'The institution needs the end user to complete a verification step.',
  credentials_invalid: 'The institution rejected the username or password; update the credentials.',
  password_expired:
    'The password has expired at the institution; the end user must change it there and update it here.',
  action_needed:
    'The institution asks the end user to do something on its website (accept terms, confirm details).',
  locked: 'The online banking access is locked; the end user must unlock it with the institution.',
  rate_limited: 'The institution is refusing logins for now; Tesoro will retry later.',
  institution_down: 'The institution is not answering; Tesoro will retry later.',
  consent_expired: 'Access has ended (one-shot connection or expired consent); reconnect to refresh.',
  disabled: 'The connection is disabled; enable it to refresh again.',
};
