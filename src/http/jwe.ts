// Encrypted request bodies (Flanks, "REQUEST ENCRYPTION"): a client may send any body as a
// compact JWE (`Content-Type: application/jose`, RSA-OAEP-256 + A256CBC-HS512) encrypted to an
// `enc` key from /.well-known/jwks.json. It is decrypted here, while the body is parsed, so every
// route validates and handles it exactly like the JSON it contains.

import type { FastifyInstance } from 'fastify';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import secureJson from 'secure-json-parse';
import { AppError } from '../domain/errors.ts';
import type { KeyStore } from '../services/keys.ts';
import { ENCRYPTION_ALG, ENCRYPTION_ENC } from '../services/keys.ts';

export async function decryptJweBody(keys: KeyStore, body: string): Promise<unknown> {
  const compact = body.trim();
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(compact);
    kid = typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    throw new AppError('JWE_INVALID', 'The body is not a compact JWE.');
  }
  const key = await keys.find(kid ?? keys.activeEncryptionKid(), 'enc');
  if (!key)
    throw new AppError(
      'JWE_INVALID',
      `No encryption key with kid ${kid}; fetch /.well-known/jwks.json again.`,
    );
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(compact, key.privateKey, {
      keyManagementAlgorithms: [ENCRYPTION_ALG],
      contentEncryptionAlgorithms: [ENCRYPTION_ENC],
    }));
  } catch {
    throw new AppError(
      'JWE_INVALID',
      `The JWE could not be decrypted; use alg ${ENCRYPTION_ALG}, enc ${ENCRYPTION_ENC} and a key from /.well-known/jwks.json.`,
    );
  }
  const text = new TextDecoder().decode(plaintext);
  if (text.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('MALFORMED_BODY', 'The decrypted JWE payload is not JSON.');
  }
  // The same refusal as for plain JSON bodies (Fastify's parser): no prototype-poisoning keys.
  try {
    if (value !== null && typeof value === 'object')
      secureJson.scan(value, { protoAction: 'error', constructorAction: 'error' });
    return value;
  } catch {
    throw new AppError(
      'MALFORMED_BODY',
      'The decrypted JWE payload has a __proto__ or constructor.prototype key.',
    );
  }
}

export function registerJweBodies(app: FastifyInstance, keys: KeyStore): void {
  app.addContentTypeParser('application/jose', { parseAs: 'string' }, (_request, body, done) => {
    decryptJweBody(keys, body as string).then(
      (value) => done(null, value),
      (error: Error) => done(error, undefined),
    );
  });
}
