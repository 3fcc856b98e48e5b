import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makePrivateDir, writePrivateFile } from '../data-dir.ts';
import type { TokenClaims } from './claims.ts';

/**
 * The embedded default's own identity provider: an ES256 key pair generated in the data dir
 * on first start, so lawline runs with no external identity service. Production deployments
 * configure a JWKS instead and this key is never used.
 */
export interface DevIdentity {
  jwks: { keys: JWK[] };
  privateJwk: JWK;
  kid: string;
  issuer: 'lawline-dev';
  audience: 'lawline';
}

export type DevClaims = Omit<TokenClaims, 'exp' | 'licence'> & { licence?: TokenClaims['licence'] };

/** The data dir the server and the token CLI share when none is given. */
export function defaultDataDir(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.LAWLINE_DATA_DIR || './data');
}

export async function loadOrCreateDevIdentity(dataDir: string): Promise<DevIdentity> {
  const dir = join(dataDir, 'identity');
  const keyFile = join(dir, 'signing-key.json');
  if (existsSync(keyFile)) {
    const privateJwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
    const { d: _private, ...publicJwk } = privateJwk;
    return { jwks: { keys: [publicJwk] }, privateJwk, kid: privateJwk.kid as string, issuer: 'lawline-dev', audience: 'lawline' };
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `dev-${randomBytes(6).toString('hex')}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  makePrivateDir(dir);
  // 'wx': two processes starting at once must not overwrite each other's key.
  try {
    writePrivateFile(keyFile, JSON.stringify(privateJwk), 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDevIdentity(dataDir);
    throw e;
  }
  writePrivateFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [publicJwk] }, null, 2));
  return { jwks: { keys: [publicJwk] }, privateJwk, kid, issuer: 'lawline-dev', audience: 'lawline' };
}

/**
 * Signs a development token. A lawyer without a licence gets a plausible practising one that
 * expires with the token: development only (real licences come from the verification
 * authority), so it claims nothing beyond the token it rides in; a year-long one would
 * outlast every session and every renewal that carries it.
 */
export async function mintToken(identity: DevIdentity, claims: DevClaims, ttlSec = 8 * 3600): Promise<string> {
  const key = await importJWK(identity.privateJwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = { ...claims };
  if (claims.role === 'lawyer' && !claims.licence) {
    body.licence = { number: `DEV-${claims.sub}`, status: 'practising', expiresAt: (now + ttlSec) * 1000 };
  }
  return new SignJWT(body)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: identity.kid })
    .setIssuer(identity.issuer)
    .setAudience(identity.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSec)
    .sign(key);
}
