// Prefixed ids. The prefix says what an id is (DESIGN.md's noun table); the brand makes the type
// checker refuse a connection id where an account id is expected.
import { randomBytes } from 'node:crypto';

export const idPrefixes = {
  client: 'cli',
  institution: 'ins',
  connection: 'con',
  refresh: 'ref',
  challenge: 'chl',
  request: 'req',
  key: 'key',
  event: 'evt',
  webhookEndpoint: 'whe',
  delivery: 'dlv',
  connectSession: 'cs',
  import: 'imp',
  document: 'doc',
} as const;

export type IdKind = keyof typeof idPrefixes;
export type Id<K extends IdKind> = string & { readonly __id: K };

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** 16 random base-36 characters (~82 bits) after the prefix: `cli_3k9x…`. */
export function newId<K extends IdKind>(kind: K): Id<K> {
  const bytes = randomBytes(16);
  let body = '';
  for (const byte of bytes) body += ALPHABET[byte % 36];
  return `${idPrefixes[kind]}_${body}` as Id<K>;
}
