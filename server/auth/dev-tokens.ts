import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../../protocol/result.ts';
import type { Category } from '../../protocol/vocabulary.ts';
import { mintToken, type DevClaims, type DevIdentity } from './dev-identity.ts';
import type { Identity } from './identity.ts';
import type { TokenVerifier } from './verifier.ts';

/** What the embedded default's web page asks for: a role and a display name, never an id. */
export interface DevTokenRequest {
  role: 'citizen' | 'lawyer' | 'assistant' | 'supervisor';
  /** Needed for a new person; a renewal without one keeps the token's. */
  name?: string;
  categories?: Category[];
  region?: string;
}

export interface DevToken {
  token: string;
  id: string;
  name: string;
  /** For an assistant: the lawyer they work for. */
  lawyer?: { id: string; name: string };
}

/**
 * Why no token was given: the token is not a valid one (`invalid-token`), is not the page's kind
 * (`not-renewable`), is for another role (`other-role`); an assistant asked for without a lawyer's
 * token (`not-a-lawyer`); no name for a new person (`name-required`).
 */
export type DevTokenRefused = { reason: 'invalid-token' | 'not-renewable' | 'other-role' | 'not-a-lawyer' | 'name-required'; message: string };

const PREFIX = { citizen: 'C', lawyer: 'L', assistant: 'A', supervisor: 'S' } as const;

/** 9 random bytes: no one can ask to be someone else, or guess another's id. */
const newId = (role: DevTokenRequest['role']) => `${PREFIX[role]}-${randomBytes(9).toString('base64url')}`;

const notALawyer = (who: string): DevTokenRefused => ({
  reason: 'not-a-lawyer',
  message: `${who}: an assistant's sign-in is made by the lawyer they work for, from the lawyer's console (their token as Authorization: Bearer)`,
});

/**
 * Development tokens for the web page: a person picks "citizen", "lawyer" or "supervisor" and gets a token
 * for a new identity, with an id the server draws; a still-valid token renews the same
 * identity. An assistant works for one lawyer, so only that lawyer, signed in, makes an
 * assistant's token (a new id, bound to them); it renews like the others and never becomes
 * another assistant or another lawyer's. Only the development identity issues these; with a real
 * identity provider there is no such thing.
 */
export class DevTokens {
  constructor(
    private readonly identity: DevIdentity,
    private readonly verifier: TokenVerifier,
  ) {}

  /** A new citizen, lawyer or supervisor (no token presented). */
  async issue(request: DevTokenRequest): Promise<Result<DevToken, DevTokenRefused>> {
    if (request.role === 'assistant') return err(notALawyer('no token'));
    if (!request.name) return err({ reason: 'name-required', message: 'name: a new identity needs a name' });
    return ok(await this.mint(newId(request.role), request.role, request.name, request, undefined));
  }

  /**
   * With a still-valid token of ours: a fresh token for whoever it names (a citizen's, lawyer's or
   * assistant's, for the same role) — or, a lawyer's asking for an assistant, a new assistant of theirs.
   */
  async withToken(token: string, request: DevTokenRequest): Promise<Result<DevToken, DevTokenRefused>> {
    const verified = await this.verifier.verify(token);
    if (!verified.ok) return err({ reason: 'invalid-token', message: verified.error.message });
    const who = verified.value;
    if (request.role === 'assistant' && who.role === 'lawyer') return this.invite(who, request);
    if (request.role === 'assistant' && who.role !== 'assistant') return err(notALawyer(`a ${who.role} token`));
    if (who.role === 'admin') return err({ reason: 'not-renewable', message: `a ${who.role} token is not renewed here: use npm run token` });
    if (who.role !== request.role) return err({ reason: 'other-role', message: `this token is a ${who.role}'s; ask without it to sign in as a new ${request.role}` });
    let lawyer: DevToken['lawyer'];
    if (who.role === 'assistant') {
      // Never reached (claims.ts refuses an assistant token naming no lawyer), but the type cannot know.
      if (!who.lawyerId) return err({ reason: 'invalid-token', message: 'an assistant token must name its lawyer' });
      // Bound to the lawyer its token names, whatever the request says.
      lawyer = { id: who.lawyerId, name: who.lawyerName ?? who.lawyerId };
    }
    return ok(await this.mint(who.id, who.role, request.name ?? who.name, request, lawyer));
  }

  private async invite(lawyer: Identity, request: DevTokenRequest): Promise<Result<DevToken, DevTokenRefused>> {
    if (!request.name) return err({ reason: 'name-required', message: "name: the assistant's name" });
    const region = request.region ?? lawyer.region;
    return ok(await this.mint(newId('assistant'), 'assistant', request.name, region ? { region } : {}, { id: lawyer.id, name: lawyer.name }));
  }

  private async mint(id: string, role: DevTokenRequest['role'], name: string, request: Pick<DevTokenRequest, 'categories' | 'region'>, lawyer: DevToken['lawyer']): Promise<DevToken> {
    const claims: DevClaims = {
      sub: id,
      role,
      name,
      region: request.region ?? '320200',
      ...(role === 'lawyer' ? { categories: request.categories ?? [] } : {}),
      ...(lawyer ? { lawyerId: lawyer.id, lawyerName: lawyer.name } : {}),
    };
    return { token: await mintToken(this.identity, claims), id, name, ...(lawyer ? { lawyer } : {}) };
  }
}
