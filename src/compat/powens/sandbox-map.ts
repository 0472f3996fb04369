// Powens connectors ↔ Tesoro institutions. Powens names a connector by an integer `id` and a
// `uuid`; its demo API uses connector 59 and its test connector has a published UUID, so those two
// name Banco Sandbox, and the other sandbox institutions take the integers after it: a Powens
// client's test values work unchanged. Every other institution's integer is derived from its
// native id (the first 31 bits of its SHA-256, kept at 1000 or above so it never meets a pinned
// one) and its UUID is a UUIDv5 of the native id: stable across releases and deployments, with no
// table, and the same for every client (the connector list is public, before any token exists).
import { createHash } from 'node:crypto';

export interface ConnectorIdentity {
  id: number;
  uuid: string;
}

/** Powens' test connector UUID (its "validating your implementation" guide). */
export const POWENS_TEST_CONNECTOR_UUID = '338178e6-3d01-564f-9a7b-52ca442459bf';

const pinned: ReadonlyArray<readonly [string, number]> = [
  ['ins_sandbox_bank', 59],
  ['ins_sandbox_broker', 60],
  ['ins_sandbox_otp_bank', 61],
  ['ins_sandbox_flaky_bank', 62],
];
const pinnedIds = new Map(pinned);

/** The RFC 4122 URL namespace; the name is `tesoro:institution:<native id>`. */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/** A UUIDv5 (RFC 4122 §4.3, SHA-1) of a name in a namespace. */
export function uuidV5(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const DERIVED_FLOOR = 1000;
const DERIVED_SPAN = 0x7fffffff - DERIVED_FLOOR;

function derivedId(institutionId: string): number {
  const head = createHash('sha256').update(institutionId, 'utf8').digest().readUInt32BE(0) & 0x7fffffff;
  return DERIVED_FLOOR + (head % DERIVED_SPAN);
}

/** The Powens `id` and `uuid` of a native institution. */
export function connectorIdentityOf(institutionId: string): ConnectorIdentity {
  const id = pinnedIds.get(institutionId) ?? derivedId(institutionId);
  const uuid =
    institutionId === 'ins_sandbox_bank'
      ? POWENS_TEST_CONNECTOR_UUID
      : uuidV5(URL_NAMESPACE, `tesoro:institution:${institutionId}`);
  return { id, uuid };
}

/**
 * The native institution a Powens client names, among `institutionIds`: by integer id (a number or
 * its digits) or by UUID (any case). Undefined when none matches. On the (unlikely) collision of
 * two derived integers the first institution in the list keeps it.
 */
export function institutionOfConnector(
  value: string | number,
  institutionIds: readonly string[],
): string | undefined {
  const text = String(value).trim().toLowerCase();
  if (/^\d{1,10}$/.test(text)) {
    const wanted = Number(text);
    return institutionIds.find((id) => connectorIdentityOf(id).id === wanted);
  }
  return institutionIds.find((id) => connectorIdentityOf(id).uuid === text);
}
