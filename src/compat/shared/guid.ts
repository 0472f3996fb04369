// Reversible GUIDs for native ids. Flinks' clients expect GUIDs where Tesoro has prefixed ids
// (LoginId, RequestId, the `Id` of accounts and transactions), and may validate them as such, so
// each native id is encoded, with no table, into an RFC 9562 UUIDv8 (version nibble 8, variant
// 10) and decoded back when the client sends it. Unguessable because what is encoded is: a
// connection id's body is random, a record id's a hash, a handle 112 random bits.
//
// The 122 payload bits, most significant first:
//   6 bits   kind tag (1…13; 0 is never issued, so the all-zero GUID names nothing)
//   n bits   the id's body as a number: connection 83 (16 base-36 chars), record 100 (20 base-32
//            chars), handle 112 (14 bytes)
//   116 − n  check: the first bits of SHA-256(tag, body); a GUID altered or made up elsewhere
//            almost never passes, and the GUIDs look as random as Flinks' own
// The tags and the layout are part of every GUID already handed out: never change them.
import { createHash } from 'node:crypto';
import { idPrefixes } from '../../domain/ids.ts';
import { productIdPrefix } from '../../domain/product-catalog.ts';

export type GuidKind =
  | 'connection'
  | 'account'
  | 'transaction'
  | 'card'
  | 'card_transaction'
  | 'portfolio'
  | 'investment'
  | 'investment_transaction'
  | 'liability'
  | 'liability_transaction'
  | 'identity'
  | 'holder'
  | 'handle';

type Shape = 'connection' | 'record' | 'handle';

interface KindSpec {
  tag: number;
  shape: Shape;
  /** The native id's prefix (none for a handle). */
  prefix: string | null;
}

const kinds: Readonly<Record<GuidKind, KindSpec>> = {
  connection: { tag: 1, shape: 'connection', prefix: idPrefixes.connection },
  account: { tag: 2, shape: 'record', prefix: productIdPrefix.accounts },
  transaction: { tag: 3, shape: 'record', prefix: productIdPrefix.transactions },
  card: { tag: 4, shape: 'record', prefix: productIdPrefix.cards },
  card_transaction: { tag: 5, shape: 'record', prefix: productIdPrefix.card_transactions },
  portfolio: { tag: 6, shape: 'record', prefix: productIdPrefix.portfolios },
  investment: { tag: 7, shape: 'record', prefix: productIdPrefix.investments },
  investment_transaction: { tag: 8, shape: 'record', prefix: productIdPrefix.investment_transactions },
  liability: { tag: 9, shape: 'record', prefix: productIdPrefix.liabilities },
  liability_transaction: { tag: 10, shape: 'record', prefix: productIdPrefix.liability_transactions },
  identity: { tag: 11, shape: 'record', prefix: productIdPrefix.identity },
  holder: { tag: 12, shape: 'record', prefix: productIdPrefix.holders },
  handle: { tag: 13, shape: 'handle', prefix: null },
};

const kindOfTag = new Map<number, GuidKind>(
  Object.entries(kinds).map(([kind, spec]) => [spec.tag, kind as GuidKind]),
);
const kindOfPrefix = new Map<string, GuidKind>(
  Object.entries(kinds)
    .filter(([, spec]) => spec.prefix !== null)
    .map(([kind, spec]) => [spec.prefix!, kind as GuidKind]),
);

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';
// src/store/record-rows.ts recordId: 20 characters of this alphabet, 5 bits each.
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const CONNECTION_LENGTH = 16;
const RECORD_LENGTH = 20;
const HANDLE_BYTES = 14;
const CONNECTION_LIMIT = 36n ** BigInt(CONNECTION_LENGTH);

const bodyBits: Readonly<Record<Shape, number>> = {
  // 36^16 < 2^83
  connection: 83,
  record: RECORD_LENGTH * 5,
  handle: HANDLE_BYTES * 8,
};

const TAG_BITS = 6;
const PAYLOAD_BITS = 122;
const BODY_AND_CHECK_BITS = PAYLOAD_BITS - TAG_BITS;

const mask = (bits: number) => (1n << BigInt(bits)) - 1n;

const CONNECTION_BODY = /^[0-9a-z]{16}$/;
const RECORD_BODY = /^[a-z2-7]{20}$/;
const HANDLE_TEXT = /^[A-Za-z0-9_-]{19}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function check(tag: number, body: bigint, bits: number): bigint {
  const digest = createHash('sha256')
    .update(`${tag}:${body.toString(16)}`)
    .digest();
  return digest.readBigUInt64BE(0) & mask(bits);
}

function fromAlphabet(text: string, alphabet: string, base: bigint): bigint {
  let value = 0n;
  for (const char of text) value = value * base + BigInt(alphabet.indexOf(char));
  return value;
}

function toAlphabet(value: bigint, alphabet: string, base: bigint, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    text = alphabet[Number(value % base)]! + text;
    value /= base;
  }
  return text;
}

function encode(kind: GuidKind, body: bigint): string {
  const spec = kinds[kind];
  const checkBits = BODY_AND_CHECK_BITS - bodyBits[spec.shape];
  const payload =
    (BigInt(spec.tag) << BigInt(BODY_AND_CHECK_BITS)) |
    (body << BigInt(checkBits)) |
    check(spec.tag, body, checkBits);
  // 48 payload bits, version 8, 12 bits, variant 0b10, 62 bits.
  const uuid =
    ((payload >> 74n) << 80n) |
    (8n << 76n) |
    (((payload >> 62n) & 0xfffn) << 64n) |
    (2n << 62n) |
    (payload & mask(62));
  const hex = uuid.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The GUID of a native prefixed id (`con_…`, `acc_…`, `txn_…`, `crd_…`, `ctx_…`, `pfl_…`,
 * `inv_…`, `itx_…`, `lia_…`, `ltx_…`, `idn_…`, `hld_…`), lower case. Throws on an id of no known
 * shape: an id that cannot come back is a bug of the caller, never something to hand out.
 */
export function guidOf(id: string): string {
  const separator = id.indexOf('_');
  const kind = separator > 0 ? kindOfPrefix.get(id.slice(0, separator)) : undefined;
  const body = id.slice(separator + 1);
  if (kind === 'connection' && CONNECTION_BODY.test(body))
    return encode(kind, fromAlphabet(body, BASE36, 36n));
  if (kind !== undefined && kind !== 'connection' && RECORD_BODY.test(body))
    return encode(kind, fromAlphabet(body, BASE32, 32n));
  throw new Error(`No GUID for ${JSON.stringify(id)}: not a native connection or record id.`);
}

/** The GUID of a compat handle's text (base64url of 14 random bytes, no prefix). */
export function guidOfHandle(text: string): string {
  const bytes = HANDLE_TEXT.test(text) ? Buffer.from(text, 'base64url') : null;
  // Base64url's last character carries 2 spare bits: only the canonical text comes back the same.
  if (!bytes || bytes.length !== HANDLE_BYTES || bytes.toString('base64url') !== text)
    throw new Error('No GUID for this handle: not 14 bytes in base64url.');
  return encode('handle', BigInt(`0x${bytes.toString('hex')}`));
}

/**
 * The native id (or the handle's text) a GUID of this codec stands for, whatever its case; null for
 * anything else (not a GUID, another version or variant, an unknown tag, a body out of range, a
 * wrong check). Never throws: what a client sends is only ever looked up.
 */
export function decodeGuid(guid: string): { kind: GuidKind; id: string } | null {
  if (typeof guid !== 'string') return null;
  const text = guid.toLowerCase();
  if (!GUID.test(text)) return null;
  const uuid = BigInt(`0x${text.replaceAll('-', '')}`);
  const payload = ((uuid >> 80n) << 74n) | (((uuid >> 64n) & 0xfffn) << 62n) | (uuid & mask(62));
  const tag = Number(payload >> BigInt(BODY_AND_CHECK_BITS));
  const kind = kindOfTag.get(tag);
  if (kind === undefined) return null;
  const spec = kinds[kind];
  const bits = bodyBits[spec.shape];
  const checkBits = BODY_AND_CHECK_BITS - bits;
  const body = (payload >> BigInt(checkBits)) & mask(bits);
  if ((payload & mask(checkBits)) !== check(tag, body, checkBits)) return null;
  switch (spec.shape) {
    case 'connection':
      if (body >= CONNECTION_LIMIT) return null;
      return { kind, id: `${spec.prefix}_${toAlphabet(body, BASE36, 36n, CONNECTION_LENGTH)}` };
    case 'record':
      return { kind, id: `${spec.prefix}_${toAlphabet(body, BASE32, 32n, RECORD_LENGTH)}` };
    case 'handle':
      return {
        kind,
        id: Buffer.from(body.toString(16).padStart(HANDLE_BYTES * 2, '0'), 'hex').toString('base64url'),
      };
  }
}
