import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateClientSecret, hashSecret, verifySecret } from './secrets.ts';

test('a secret verifies against its hash and nothing else does', async () => {
  const secret = generateClientSecret();
  assert.match(secret, /^tsk_[A-Za-z0-9_-]{43}$/);
  const hash = await hashSecret(secret);
  assert.ok(hash.startsWith('scrypt$'));
  assert.ok(!hash.includes(secret));
  assert.equal(await verifySecret(secret, hash), true);
  assert.equal(await verifySecret(`${secret}x`, hash), false);
  assert.equal(await verifySecret(secret, 'plain-text'), false);
});

test('two hashes of one secret differ (salted)', async () => {
  const secret = generateClientSecret();
  assert.notEqual(await hashSecret(secret), await hashSecret(secret));
});
