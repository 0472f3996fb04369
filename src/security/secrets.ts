// Client secrets: random, shown once, stored only as keyed hashes.
//
// A secret is 256 random bits, so nobody can guess it or search for it from a stolen hash: a slow
// password hash (scrypt) protects nothing here and only makes every wrong guess cost ~190 ms of
// CPU, which let an unauthenticated caller slow token issuance for every tenant. A secret is
// stored as HMAC-SHA-256 keyed by a random salt of its own (microseconds to check) and compared in
// constant time. Hashes written by earlier versions (scrypt) still verify, and are replaced by
// the new form the first time their secret is used.
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const SCHEME = 'hmac-sha256';
const LEGACY_SCHEME = 'scrypt';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** A new client secret: 256 random bits, prefixed so it is recognisable in a leaked file. */
export function generateClientSecret(): string {
  return `tsk_${randomBytes(32).toString('base64url')}`;
}

const mac = (secret: string, salt: Buffer) => createHmac('sha256', salt).update(secret).digest();

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  return [SCHEME, salt.toString('base64url'), mac(secret, salt).toString('base64url')].join('$');
}

/** Whether a stored hash is of an earlier form and should be written again once its secret is known. */
export const needsRehash = (stored: string) => !stored.startsWith(`${SCHEME}$`);

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts[0] === SCHEME && parts.length === 3) {
    const expected = Buffer.from(parts[2]!, 'base64url');
    const actual = mac(secret, Buffer.from(parts[1]!, 'base64url'));
    return expected.length === actual.length && timingSafeEqual(actual, expected);
  }
  if (parts[0] === LEGACY_SCHEME && parts.length === 6) {
    const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
    const expected = Buffer.from(hash, 'base64url');
    const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: 64 * 1024 * 1024,
    });
    return timingSafeEqual(actual, expected);
  }
  return false;
}

/** A hash to compare against when the client does not exist, so timing does not reveal which ids exist. */
export const DUMMY_SECRET_HASH = hashSecret(generateClientSecret());
