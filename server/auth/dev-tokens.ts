import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../../protocol/result.ts';
import type { Category } from '../../protocol/vocabulary.ts';
import { mintToken, type DevIdentity } from './dev-identity.ts';
import type { TokenVerifier } from './verifier.ts';

/** What the embedded default's web page asks for: a role and a display name, never an id. */
export interface DevTokenRequest {
  role: 'citizen' | 'lawyer';
  name: string;
  categories?: Category[];
  region?: string;
}

export interface DevToken {
  token: string;
  id: string;
}

/** Why a renewal was refused: the token is not a valid one, is not the page's kind, or is for another role. */
export type RenewalRefused = { reason: 'invalid-token' | 'not-renewable' | 'other-role'; message: string };

/**
 * Development tokens for the web page: a person picks "citizen" or "lawyer" and gets a token
 * for a new identity, with an id the server draws (9 random bytes: no one can ask to be
 * someone else); a still-valid token renews the same identity. Only the development identity
 * issues these; with a real identity provider there is no such thing.
 */
export class DevTokens {
  constructor(
    private readonly identity: DevIdentity,
    private readonly verifier: TokenVerifier,
  ) {}

  async issue(request: DevTokenRequest): Promise<DevToken> {
    return this.mint(`${request.role === 'citizen' ? 'C' : 'L'}-${randomBytes(9).toString('base64url')}`, request);
  }

  /** A fresh token for whoever `token` (still valid, ours, a citizen's or lawyer's) names. */
  async renew(token: string, request: DevTokenRequest): Promise<Result<DevToken, RenewalRefused>> {
    const verified = await this.verifier.verify(token);
    if (!verified.ok) return err({ reason: 'invalid-token', message: verified.error.message });
    const { id, role } = verified.value;
    if (role !== 'citizen' && role !== 'lawyer') return err({ reason: 'not-renewable', message: `a ${role} token is not renewed here: use npm run token` });
    if (role !== request.role) return err({ reason: 'other-role', message: `this token is a ${role}'s; ask without it to sign in as a new ${request.role}` });
    return ok(await this.mint(id, request));
  }

  private async mint(id: string, request: DevTokenRequest): Promise<DevToken> {
    const token = await mintToken(this.identity, {
      sub: id,
      role: request.role,
      name: request.name,
      region: request.region ?? '320200',
      ...(request.role === 'lawyer' ? { categories: request.categories ?? [] } : {}),
    });
    return { token, id };
  }
}
