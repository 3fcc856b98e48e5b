import { err, ok, type Result } from '../../../protocol/result.ts';

export interface TokenTimes {
  issuedAt: number;
  expiresAt: number;
}

/**
 * When a JWT was issued and when it expires, read from its payload (not verified: the server
 * does that; the page only needs to know when to renew). Anything malformed is an error value.
 */
export function tokenTimes(token: string): Result<TokenTimes, string> {
  const payload = token.split('.')[1];
  if (!payload) return err('not a JWT');
  let claims: unknown;
  try {
    claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
  } catch (e) {
    return err(`unreadable JWT payload: ${String(e)}`);
  }
  if (typeof claims !== 'object' || claims === null) return err('JWT payload is not an object');
  const { iat, exp } = claims as Record<string, unknown>;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return err('JWT has no exp');
  const issued = typeof iat === 'number' && Number.isFinite(iat) ? iat : Date.now() / 1000;
  return ok({ issuedAt: issued * 1000, expiresAt: exp * 1000 });
}
