import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  generateMasterKeyText,
  loadMasterKeyring,
  MasterKeyError,
  open,
  parseMasterKeyring,
  seal,
} from './envelope.ts';

test('seal and open round-trip; the sealed text does not contain the secret', () => {
  const keyring = parseMasterKeyring(generateMasterKeyText());
  const sealed = seal(keyring, 'pass_good', 'connections:con_1');
  assert.ok(!sealed.includes('pass_good'));
  assert.equal(open(keyring, sealed, 'connections:con_1'), 'pass_good');
});

test('a sealed value moved to another row (context) does not open', () => {
  const keyring = parseMasterKeyring(generateMasterKeyText());
  const sealed = seal(keyring, 'secret', 'row:a');
  assert.throws(() => open(keyring, sealed, 'row:b'));
});

test('a tampered ciphertext does not open', () => {
  const keyring = parseMasterKeyring(generateMasterKeyText());
  const sealed = seal(keyring, 'secret', 'row:a');
  const last = sealed.at(-2) === 'A' ? 'B' : 'A';
  assert.throws(() => open(keyring, `${sealed.slice(0, -2)}${last}${sealed.at(-1)}`, 'row:a'));
});

test('after rotation the new key seals and the old one still opens what it sealed', () => {
  const v1 = generateMasterKeyText(1);
  const old = parseMasterKeyring(v1);
  const sealedBefore = seal(old, 'before', 'ctx');
  const rotated = parseMasterKeyring(`${generateMasterKeyText(2)},${v1}`);
  assert.equal(rotated.current, 2);
  const sealedAfter = seal(rotated, 'after', 'ctx');
  assert.match(sealedAfter, /^v2\./);
  assert.equal(open(rotated, sealedBefore, 'ctx'), 'before');
  assert.equal(open(rotated, sealedAfter, 'ctx'), 'after');
  assert.throws(() => open(old, sealedAfter, 'ctx'), MasterKeyError);
});

test('a bare base64 key is version 1; wrong lengths and duplicates are refused', () => {
  const bare = Buffer.alloc(32, 7).toString('base64');
  assert.equal(parseMasterKeyring(bare).current, 1);
  assert.throws(() => parseMasterKeyring(Buffer.alloc(16).toString('base64')), /32 bytes/);
  assert.throws(() => parseMasterKeyring(`v1:${bare},v1:${bare}`), /twice/);
  assert.throws(() => parseMasterKeyring(' , '), /empty/);
});

test('without TESORO_MASTER_KEY a key is generated once into the data dir, mode 600', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-key-'));
  const first = loadMasterKeyring(undefined, dir);
  const second = loadMasterKeyring(undefined, dir);
  assert.equal(first.generated, true);
  assert.deepEqual(first.keyring.keys.get(1), second.keyring.keys.get(1));
  assert.equal(fs.statSync(path.join(dir, 'master.key')).mode & 0o777, 0o600);
  const configured = loadMasterKeyring(generateMasterKeyText(), dir);
  assert.equal(configured.generated, false);
  fs.rmSync(dir, { recursive: true });
});

test('the wrong master key gives a clear error, not a cipher error', () => {
  const sealed = seal(parseMasterKeyring(generateMasterKeyText()), 'secret', 'ctx');
  assert.throws(
    () => open(parseMasterKeyring(generateMasterKeyText()), sealed, 'ctx'),
    /is TESORO_MASTER_KEY the key/,
  );
});
