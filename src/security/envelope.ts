// Envelope encryption for secrets at rest (signing keys now, bank credentials later).
// Each secret is encrypted with AES-256-GCM under a fresh data key; the data key is itself
// encrypted (wrapped) under a versioned master key. Rotating the master key re-wraps data keys
// without touching the secrets, and an old version keeps opening what it sealed.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface MasterKeyring {
  /** The version new secrets are sealed with. */
  readonly current: number;
  readonly keys: ReadonlyMap<number, Buffer>;
}

export class MasterKeyError extends Error {}

function decodeKey(text: string, label: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32)
    throw new MasterKeyError(`${label} must be 32 bytes in base64 (got ${key.length} bytes)`);
  return key;
}

/**
 * Parses `BASE64` (version 1) or `v3:BASE64,v2:BASE64,…` (the first is current; older ones only
 * open what they sealed).
 */
export function parseMasterKeyring(text: string): MasterKeyring {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const keys = new Map<number, Buffer>();
  let current: number | undefined;
  for (const part of parts) {
    const match = /^v(\d+):(.+)$/.exec(part);
    const version = match ? Number(match[1]) : 1;
    if (keys.has(version)) throw new MasterKeyError(`TESORO_MASTER_KEY has version v${version} twice`);
    keys.set(version, decodeKey(match ? match[2]! : part, `TESORO_MASTER_KEY v${version}`));
    current ??= version;
  }
  if (current === undefined) throw new MasterKeyError('TESORO_MASTER_KEY is empty');
  return { current, keys };
}

export function generateMasterKeyText(version = 1): string {
  return `v${version}:${randomBytes(32).toString('base64')}`;
}

/**
 * The configured keyring, or for the embedded default a key generated once into the data
 * directory (mode 600). `generated` tells the caller to warn: that key sits beside the data.
 */
export function loadMasterKeyring(
  configured: string | undefined,
  dataDir: string,
): { keyring: MasterKeyring; generated: boolean; file?: string } {
  if (configured) return { keyring: parseMasterKeyring(configured), generated: false };
  const file = path.join(dataDir, 'master.key');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, `${generateMasterKeyText()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { keyring: parseMasterKeyring(fs.readFileSync(file, 'utf8')), generated: true, file };
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

function aesGcmEncrypt(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function aesGcmDecrypt(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

export function generateDataKey(): Buffer {
  return randomBytes(32);
}

/** `v<version>.<base64url>`: the data key encrypted under the current master key. */
export function wrapDataKey(keyring: MasterKeyring, dataKey: Buffer, context: string): string {
  const master = keyring.keys.get(keyring.current)!;
  return `v${keyring.current}.${aesGcmEncrypt(master, dataKey, `dek:${context}`).toString('base64url')}`;
}

export function unwrapDataKey(keyring: MasterKeyring, wrapped: string, context: string): Buffer {
  const match = /^v(\d+)\.([A-Za-z0-9_-]+)$/.exec(wrapped);
  if (!match) throw new MasterKeyError('Malformed wrapped data key');
  const master = keyring.keys.get(Number(match[1]));
  if (!master) throw new MasterKeyError(`Master key v${match[1]} is not configured`);
  try {
    return aesGcmDecrypt(master, Buffer.from(match[2]!, 'base64url'), `dek:${context}`);
  } catch {
    throw new MasterKeyError(
      `Master key v${match[1]} does not open a value sealed with v${match[1]}: is TESORO_MASTER_KEY the key this database was created with?`,
    );
  }
}

export function encryptWithDataKey(dataKey: Buffer, plaintext: string, context: string): string {
  return aesGcmEncrypt(dataKey, Buffer.from(plaintext, 'utf8'), context).toString('base64url');
}

export function decryptWithDataKey(dataKey: Buffer, sealed: string, context: string): string {
  return aesGcmDecrypt(dataKey, Buffer.from(sealed, 'base64url'), context).toString('utf8');
}

/**
 * Seals one secret with its own data key: `<wrapped data key>~<ciphertext>`. `context` (for example
 * `crypto_keys:kid_x`) is bound as additional data, so a sealed value copied to another row fails.
 */
export function seal(keyring: MasterKeyring, plaintext: string, context: string): string {
  const dataKey = generateDataKey();
  return `${wrapDataKey(keyring, dataKey, context)}~${encryptWithDataKey(dataKey, plaintext, context)}`;
}

export function open(keyring: MasterKeyring, sealed: string, context: string): string {
  const [wrapped, body] = sealed.split('~');
  if (!wrapped || !body) throw new MasterKeyError('Malformed sealed value');
  return decryptWithDataKey(unwrapDataKey(keyring, wrapped, context), body, context);
}
