import { err, ok, type Result } from '../../../protocol/result.ts';
import type { Category } from '../../../protocol/vocabulary.ts';
import type { Identity } from './identity.ts';
import { tokenTimes } from './token-claims.ts';

/** What the development identity page asks for; the server chooses the id. */
export interface DevSignIn {
  role: 'citizen' | 'lawyer';
  name: string;
  categories: Category[];
}

/**
 * Why a token was not given. `refused`: the server will not renew this token (expired, not
 * ours, another role): ask for a new identity. `failed`: the network or the server failed; the
 * same request may work later.
 */
export type DevTokenError = { kind: 'refused' | 'failed'; message: string };

/**
 * POST /dev/token: a new identity, or with `renew` (a still-valid token) the same identity
 * with a fresh token (`server/gateway/routes/dev-token.ts`).
 */
export async function devToken(request: DevSignIn, renew?: string): Promise<Result<Identity, DevTokenError>> {
  const body = request.role === 'lawyer' ? request : { role: request.role, name: request.name };
  let res: Response;
  try {
    res = await fetch('/dev/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(renew ? { Authorization: `Bearer ${renew}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (e) {
    return err({ kind: 'failed', message: String(e) });
  }
  const reply = await readJson(res);
  if (!res.ok) {
    const message = typeof reply.error === 'string' ? reply.error : `HTTP ${res.status}`;
    // 4xx: the server said no to this request, and will again; 5xx and the rest: try later.
    return err({ kind: res.status >= 400 && res.status < 500 ? 'refused' : 'failed', message });
  }
  const { token, id } = reply;
  if (typeof token !== 'string' || typeof id !== 'string') return err({ kind: 'failed', message: 'the server answered without a token' });
  const times = tokenTimes(token);
  if (!times.ok) return err({ kind: 'failed', message: times.error });
  return ok({ id, role: request.role, name: request.name, categories: request.categories, token, ...times.value });
}

async function readJson(res: Response): Promise<Record<string, unknown>> {
  try {
    const v: unknown = await res.json();
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch (e) {
    console.warn('lawline: /dev/token answered with no JSON', res.status, e);
    return {};
  }
}
