import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertTransition,
  canTransition,
  connectionStatuses,
  IllegalTransitionError,
  institutionSaid,
  loginErrorDetail,
  statusDetails,
  statusForError,
} from './connection-status.ts';

test('a first load ends ok, needing the user, or in an error', () => {
  for (const to of [
    'ok',
    'challenge_required',
    'credentials_invalid',
    'institution_down',
    'disabled',
  ] as const) {
    assert.ok(canTransition('pending', to), to);
  }
});

test('pending is only re-entered from a problem or from disabled, never from ok', () => {
  assert.ok(!canTransition('ok', 'pending'));
  assert.ok(canTransition('credentials_invalid', 'pending'));
  assert.ok(canTransition('challenge_required', 'pending'));
  assert.ok(canTransition('disabled', 'pending'));
});

test('a disabled connection only leaves through enable (pending)', () => {
  for (const to of connectionStatuses) assert.equal(canTransition('disabled', to), to === 'pending', to);
  assert.throws(() => assertTransition('disabled', 'ok'), IllegalTransitionError);
});

test('every status can be disabled except disabled itself, and every status has plain words', () => {
  for (const from of connectionStatuses) {
    assert.equal(canTransition(from, 'disabled'), from !== 'disabled', from);
    assert.ok(statusDetails[from].length > 10);
  }
});

test('connector errors map onto statuses', () => {
  assert.equal(statusForError('locked'), 'locked');
  assert.equal(statusForError('challenge_failed'), 'challenge_required');
  assert.equal(statusForError('unknown'), 'institution_down');
});

test('what the institution said is read back from a login error detail, and nothing from the plain words', () => {
  const said = 'The SimpleFIN Setup Token was already claimed (HTTP 403).';
  assert.equal(institutionSaid('credentials_invalid', loginErrorDetail('credentials_invalid', said)), said);
  assert.equal(institutionSaid('locked', statusDetails.locked), null);
  assert.equal(institutionSaid('locked', null), null);
  assert.equal(
    institutionSaid('rate_limited', 'Banco may be read 4 times a day.'),
    'Banco may be read 4 times a day.',
  );
});
