import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { readFileSync } from 'node:fs';
import { ErrorCode } from '../../protocol/errors.ts';
import { err, type Result } from '../../protocol/result.ts';
import { identityFromClaims } from './claims.ts';
import type { AuthFailure, Identity } from './identity.ts';

export type JwksSource = { kind: 'file'; path: string } | { kind: 'url'; url: string } | { kind: 'keys'; jwks: JSONWebKeySet };

export interface VerifierOptions {
  jwks: JwksSource;
  issuer: string;
  audience: string;
  clockToleranceSec: number;
  now?: () => number;
}

export interface TokenVerifier {
  verify(token: string): Promise<Result<Identity, AuthFailure>>;
}

/** Only asymmetric algorithms: an HS256 token "signed" with our public key must fail. */
const ALGORITHMS = ['ES256', 'EdDSA'];
/** Headers that would let a token choose its own key; jose ignores them, we refuse them outright. */
const KEY_CARRYING_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'];
const KID = /^[A-Za-z0-9_-]{1,128}$/;

const invalid = (message: string): AuthFailure => ({ code: ErrorCode.TOKEN_INVALID, message });

function keySet(source: JwksSource) {
  switch (source.kind) {
    case 'file':
      return createLocalJWKSet(JSON.parse(readFileSync(source.path, 'utf8')) as JSONWebKeySet);
    case 'keys':
      return createLocalJWKSet(source.jwks);
    case 'url':
      return createRemoteJWKSet(new URL(source.url), { timeoutDuration: 3000, cooldownDuration: 30_000 });
  }
}

/**
 * Verifies a bearer token: header shape, signature against the configured JWKS with pinned
 * algorithms, `typ`, issuer, audience, expiry (with a small tolerance), then the claims.
 * Every refusal is a value with a 2xxx code; nothing here throws for a bad token.
 */
export function createVerifier(options: VerifierOptions): TokenVerifier {
  const keys = keySet(options.jwks);
  const now = options.now ?? Date.now;
  return {
    async verify(token) {
      let header;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        return err(invalid('token is not a JWS'));
      }
      if (KEY_CARRYING_HEADERS.some((h) => h in header)) return err(invalid('token may not carry or point to its own key'));
      if (header.kid !== undefined && (typeof header.kid !== 'string' || !KID.test(header.kid))) return err(invalid('malformed kid'));
      try {
        const { payload } = await jwtVerify(token, keys, {
          algorithms: ALGORITHMS,
          issuer: options.issuer,
          audience: options.audience,
          typ: 'JWT',
          requiredClaims: ['exp', 'sub', 'iat'],
          clockTolerance: options.clockToleranceSec,
          currentDate: new Date(now()),
        });
        return identityFromClaims(payload, now());
      } catch (e) {
        const failure = failureFrom(e);
        if (failure) return err(failure);
        // Not a verdict on the token: the provider's key endpoint could not be reached.
        if (options.jwks.kind === 'url') return err({ code: ErrorCode.IDENTITY_UNAVAILABLE, message: 'identity provider unreachable, retry' });
        throw e;
      }
    },
  };
}

/**
 * Who a token says it is, unverified: for the log of a refused hello (who is being tried),
 * never for a decision. Only a plausible id is returned, so a token cannot write what it likes
 * into the log.
 */
export function claimedSubject(token: string): string | undefined {
  try {
    const { sub } = decodeJwt(token);
    return typeof sub === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(sub) ? sub : undefined;
  } catch {
    return undefined; // not a JWT: nothing is claimed
  }
}

function failureFrom(e: unknown): AuthFailure | undefined {
  if (e instanceof errors.JWTExpired) return { code: ErrorCode.TOKEN_EXPIRED, message: 'token has expired' };
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf' && e.reason === 'check_failed') return { code: ErrorCode.TOKEN_NOT_YET_VALID, message: 'token is not yet valid' };
    return { code: ErrorCode.TOKEN_CLAIMS_INVALID, message: `claim ${e.claim}: ${e.reason}` };
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return invalid('algorithm not allowed');
  if (e instanceof errors.JWKSNoMatchingKey) return invalid('no key matches the token');
  if (e instanceof errors.JWSSignatureVerificationFailed) return invalid('signature does not verify');
  if (e instanceof errors.JWKSTimeout || (e instanceof errors.JOSEError && e.code === 'ERR_JWKS_INVALID')) {
    return { code: ErrorCode.IDENTITY_UNAVAILABLE, message: 'identity provider keys unavailable, retry' };
  }
  if (e instanceof errors.JOSEError) return invalid(e.code);
  return undefined;
}
