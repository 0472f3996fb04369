// The server's own keys: an ES256 key that signs access tokens and an RSA key that clients
// encrypt request bodies to (JWE, Flanks). Generated on first start, kept in the database with
// the private half sealed under the master key, published at /.well-known/jwks.json, rotatable
// with `tesoro keys rotate`: a retired key keeps verifying (or decrypting) until its grace ends.
import { randomBytes } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import { type MasterKeyring, open, seal } from '../security/envelope.ts';
import {
  activeKeyUses,
  allKeyIds,
  insertActiveKey,
  retireActiveKey,
  validKeys,
} from '../store/crypto-keys.ts';
import type { Schema } from '../store/schema.ts';

export const SIGNING_ALG = 'ES256';
export const ENCRYPTION_ALG = 'RSA-OAEP-256';
export const ENCRYPTION_ENC = 'A256CBC-HS512';
export const ACCESS_TOKEN_TTL_SECONDS = 3600;

/** How long a retired key stays usable: every token it signed must have expired (plus skew). */
const GRACE_SECONDS = { sig: ACCESS_TOKEN_TTL_SECONDS + 300, enc: 24 * 3600 } as const;
const RELOAD_INTERVAL_MS = 60_000;
const MIN_RELOAD_GAP_MS = 2_000;

type KeyUse = 'sig' | 'enc';

interface LoadedKey {
  kid: string;
  use: KeyUse;
  alg: string;
  publicJwk: JWK;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  active: boolean;
  expiresAt: Date | null;
}

const context = (kid: string) => `crypto_keys:${kid}`;

async function createKey(db: Kysely<Schema>, keyring: MasterKeyring, use: KeyUse): Promise<void> {
  const alg = use === 'sig' ? SIGNING_ALG : ENCRYPTION_ALG;
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const kid = `${use}_${new Date().toISOString().slice(0, 10).replaceAll('-', '')}_${randomBytes(6).toString('hex')}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use, alg };
  const privateJwk = await exportJWK(privateKey);
  // Another process may have created the active key first: then theirs is kept.
  await insertActiveKey(db, {
    kid,
    use,
    alg,
    public_jwk: JSON.stringify(publicJwk),
    private_jwk_sealed: seal(keyring, JSON.stringify(privateJwk), context(kid)),
  });
}

export class KeyStore {
  readonly #db: Kysely<Schema>;
  readonly #keyring: MasterKeyring;
  #keys = new Map<string, LoadedKey>();
  #lastLoad = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(db: Kysely<Schema>, keyring: MasterKeyring) {
    this.#db = db;
    this.#keyring = keyring;
  }

  /** Makes sure an active key of each use exists, loads them, and reloads every minute. */
  async start(): Promise<void> {
    await this.ensureActiveKeys();
    await this.reload();
    this.#timer = setInterval(() => void this.reload().catch(() => {}), RELOAD_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async ensureActiveKeys(): Promise<void> {
    const active = await activeKeyUses(this.#db);
    for (const use of ['sig', 'enc'] as const) {
      if (!active.includes(use)) await createKey(this.#db, this.#keyring, use);
    }
  }

  async reload(): Promise<void> {
    const rows = await validKeys(this.#db, new Date());
    const next = new Map<string, LoadedKey>();
    for (const row of rows) {
      const cached = this.#keys.get(row.kid);
      const publicJwk = row.public_jwk as JWK;
      const privateJwk = cached
        ? undefined
        : (JSON.parse(open(this.#keyring, row.private_jwk_sealed, context(row.kid))) as JWK);
      next.set(row.kid, {
        kid: row.kid,
        use: row.use,
        alg: row.alg,
        publicJwk,
        privateKey: cached?.privateKey ?? ((await importJWK(privateJwk!, row.alg)) as CryptoKey),
        publicKey: cached?.publicKey ?? ((await importJWK(publicJwk, row.alg)) as CryptoKey),
        active: row.retired_at === null,
        expiresAt: row.expires_at,
      });
    }
    this.#keys = next;
    this.#lastLoad = Date.now();
  }

  /** Retires the active keys (they stay usable through their grace period) and creates new ones. */
  async rotate(): Promise<{ retired: string[]; created: string[] }> {
    const before = await allKeyIds(this.#db);
    const retired: string[] = [];
    for (const use of ['sig', 'enc'] as const) {
      const now = new Date();
      retired.push(
        ...(await retireActiveKey(this.#db, use, now, new Date(now.getTime() + GRACE_SECONDS[use] * 1000))),
      );
      await createKey(this.#db, this.#keyring, use);
    }
    await this.reload();
    const created = [...this.#keys.keys()].filter((kid) => !before.includes(kid));
    return { retired, created };
  }

  #active(use: KeyUse): LoadedKey {
    const key = [...this.#keys.values()].find((k) => k.use === use && k.active);
    if (!key) throw new Error(`No active ${use} key loaded`);
    return key;
  }

  signingKey(): { kid: string; privateKey: CryptoKey } {
    return this.#active('sig');
  }

  /** Finds a usable key by kid; an unknown kid triggers one reload (another process may have rotated). */
  async find(kid: string | undefined, use: KeyUse): Promise<LoadedKey | undefined> {
    if (!kid) return undefined;
    let key = this.#keys.get(kid);
    if (!key && Date.now() - this.#lastLoad > MIN_RELOAD_GAP_MS) {
      await this.reload();
      key = this.#keys.get(kid);
    }
    if (!key || key.use !== use) return undefined;
    if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return undefined;
    return key;
  }

  /** The public keys, as published at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    const keys = [...this.#keys.values()].filter((k) => !k.expiresAt || k.expiresAt.getTime() > Date.now());
    // Active keys first: clients that pick "the first enc key" pick the current one.
    keys.sort((a, b) => Number(b.active) - Number(a.active));
    return { keys: keys.map((k) => k.publicJwk) };
  }

  activeEncryptionKid(): string {
    return this.#active('enc').kid;
  }
}
