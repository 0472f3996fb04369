import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { test } from 'node:test';
import { generateClientSecret, hashSecret, needsRehash, verifySecret } from './secrets.ts';

test('a secret verifies against its hash and nothing else does', async () => {
  const secret = generateClientSecret();
  assert.match(secret, /^tsk_[A-Za-z0-9_-]{43}$/);
  const hash = hashSecret(secret);
  assert.ok(hash.startsWith('hmac-sha256$'));
  assert.ok(!hash.includes(secret));
  assert.equal(needsRehash(hash), false);
  assert.equal(await verifySecret(secret, hash), true);
  assert.equal(await verifySecret(`${secret}x`, hash), false);
  assert.equal(await verifySecret(secret, 'plain-text'), false);
  assert.equal(await verifySecret(secret, 'hmac-sha256$AAAA$AAAA'), false);
});

test('two hashes of one secret differ (salted)', () => {
  const secret = generateClientSecret();
  assert.notEqual(hashSecret(secret), hashSecret(secret));
});

test('a scrypt hash written by an earlier version still verifies, and asks to be rewritten', async () => {
  const secret = generateClientSecret();
  const salt = randomBytes(16);
  const key = scryptSync(secret, salt, 32, { N: 2 ** 10, r: 8, p: 1 });
  const legacy = ['scrypt', 2 ** 10, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
  assert.equal(needsRehash(legacy), true);
  assert.equal(await verifySecret(secret, legacy), true);
  assert.equal(await verifySecret(`${secret}x`, legacy), false);
});
