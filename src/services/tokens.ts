// OAuth2 client-credentials access tokens: short-lived ES256 JWTs naming the client and its scopes.
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../domain/errors.ts';
import type { Scope } from '../domain/scopes.ts';
import { ACCESS_TOKEN_TTL_SECONDS, type KeyStore, SIGNING_ALG } from './keys.ts';

export const TOKEN_AUDIENCE = 'tesoro-api';
/** The rotation of the client secret a token was issued under (epoch ms), when there was one. */
const SECRET_ROTATION_CLAIM = 'srt';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface VerifiedToken {
  /** The signing key's id: a token stays valid only while its key does. */
  kid: string;
  clientId: string;
  scopes: Scope[];
  expiresAt: Date;
  /** The client's secret rotation the token was issued under (epoch ms); 0 before any. */
  secretRotatedAt: number;
}

export async function issueAccessToken(
  keys: KeyStore,
  issuer: string,
  clientId: string,
  scopes: readonly Scope[],
  options: {
    ttlSeconds?: number;
    now?: Date;
    /** The client's `secret_rotated_at`: a token issued before a later rotation stops working. */
    secretRotatedAt?: string | null;
  } = {},
): Promise<TokenResponse> {
  const ttl = options.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS;
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const { kid, privateKey } = keys.signingKey();
  const scope = scopes.join(' ');
  const claims: Record<string, unknown> = { scope };
  if (options.secretRotatedAt) claims[SECRET_ROTATION_CLAIM] = Date.parse(options.secretRotatedAt);
  const accessToken = await new SignJWT(claims)
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(clientId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttl)
    .setJti(randomBytes(12).toString('base64url'))
    .sign(privateKey);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope };
}

/** Verifies signature, issuer, audience and expiry; throws AUTH_TOKEN_EXPIRED or AUTH_TOKEN_INVALID. */
export async function verifyAccessToken(
  keys: KeyStore,
  issuer: string,
  token: string,
): Promise<VerifiedToken> {
  try {
    const { payload, protectedHeader } = await jwtVerify(
      token,
      async (header) => {
        const key = await keys.find(header.kid, 'sig');
        if (!key) throw new errors.JWKSNoMatchingKey();
        return key.publicKey;
      },
      {
        issuer,
        audience: TOKEN_AUDIENCE,
        algorithms: [SIGNING_ALG],
        typ: 'at+jwt',
        requiredClaims: ['sub', 'exp'],
      },
    );
    const scopes = (
      typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []
    ) as Scope[];
    return {
      kid: protectedHeader.kid!,
      clientId: payload.sub!,
      scopes,
      expiresAt: new Date(payload.exp! * 1000),
      secretRotatedAt:
        typeof payload[SECRET_ROTATION_CLAIM] === 'number' ? (payload[SECRET_ROTATION_CLAIM] as number) : 0,
    };
  } catch (error) {
    if (error instanceof errors.JWTExpired)
      throw new AppError('AUTH_TOKEN_EXPIRED', 'The access token has expired; request a new one.');
    throw new AppError(
      'AUTH_TOKEN_INVALID',
      'The access token is malformed, forged or signed by an unknown key.',
    );
  }
}
