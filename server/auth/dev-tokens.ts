import { randomBytes } from 'node:crypto';
import type { Category } from '../../protocol/vocabulary.ts';
import { mintToken, type DevIdentity } from './dev-identity.ts';

/** What the embedded default's web page asks for: a role and a display name. */
export interface DevTokenRequest {
  role: 'citizen' | 'lawyer';
  name: string;
  id?: string;
  categories?: Category[];
  region?: string;
}

/**
 * A development token for the web page: a person picks "citizen" or "lawyer" and gets a
 * token. Only the development identity issues these; with a real identity provider there is
 * no such thing.
 */
export async function issueDevToken(identity: DevIdentity, request: DevTokenRequest): Promise<{ token: string; id: string }> {
  const id = request.id ?? `${request.role === 'citizen' ? 'C' : 'L'}-${randomBytes(4).toString('hex')}`;
  const token = await mintToken(identity, {
    sub: id,
    role: request.role,
    name: request.name,
    region: request.region ?? '320200',
    ...(request.role === 'lawyer' ? { categories: request.categories ?? [] } : {}),
  });
  return { token, id };
}
