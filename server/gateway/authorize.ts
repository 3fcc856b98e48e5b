import { err, ok, type Result } from '../../protocol/result.ts';
import type { Identity } from '../auth/identity.ts';
import { isAllowed, type HttpOperation } from '../auth/permissions.ts';
import type { TokenVerifier } from '../auth/verifier.ts';
import type { ApiReply } from './json-api.ts';

export type Authorize = (operation: HttpOperation, authorization: string) => Promise<Result<Identity, ApiReply>>;

/**
 * The HTTP side of the one permission table: a bearer token verified like a hello's, then
 * `isAllowed(operation, role)`. 401 without a valid token, 403 with one whose role may not.
 */
export function authorizer(verifier: TokenVerifier): Authorize {
  return async (operation, authorization) => {
    const token = /^Bearer ([^\s]+)$/.exec(authorization)?.[1];
    if (!token) return err({ status: 401, body: { error: 'send Authorization: Bearer <token>' } });
    const verified = await verifier.verify(token);
    if (!verified.ok) return err({ status: 401, body: { error: verified.error.message, code: verified.error.code } });
    const { role } = verified.value;
    if (!isAllowed(operation, role)) return err({ status: 403, body: { error: `a ${role} may not ${operation.replace(/^http:/, '')}` } });
    return ok(verified.value);
  };
}
