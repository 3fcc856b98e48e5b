import { err, ok, type Result } from '../../../protocol/result.ts';
import type { Category } from '../../../protocol/vocabulary.ts';
import { parseLawyer, type Identity } from './identity.ts';
import { tokenTimes, type TokenTimes } from './token-claims.ts';

/** What the development identity page asks for; the server chooses the id. */
export interface DevSignIn {
  role: 'citizen' | 'lawyer' | 'supervisor';
  name: string;
  categories: Category[];
}

/**
 * Why a token was not given. `refused`: the server will not renew this token (expired, not
 * ours, another role): ask for a new identity. `failed`: the network or the server failed; the
 * same request may work later.
 */
export type DevTokenError = { kind: 'refused' | 'failed'; message: string };

/** A sign-in code a lawyer made for an assistant: the assistant's token, to paste on the sign-in page. */
export interface AssistantCode {
  code: string;
  name: string;
  expiresAt: number;
}

/** What `/dev/token` gave: a token (with its times) for `id`, and for an assistant their name and lawyer. */
interface Issued extends TokenTimes {
  token: string;
  id: string;
  name: string | undefined;
  lawyer: Identity['lawyer'];
}

/**
 * POST /dev/token: a new identity, or with `renew` (a still-valid token) the same identity
 * with a fresh token (`server/gateway/routes/dev-token.ts`).
 */
export async function devToken(request: DevSignIn, renew?: string): Promise<Result<Identity, DevTokenError>> {
  const body = request.role === 'lawyer' ? request : { role: request.role, name: request.name };
  const issued = await ask(body, renew);
  if (!issued.ok) return issued;
  const { token, id, issuedAt, expiresAt } = issued.value;
  return ok({ id, role: request.role, name: request.name, categories: request.categories, token, issuedAt, expiresAt });
}

/**
 * An assistant signing in with the code their lawyer made (itself an assistant's token), or
 * renewing their token: the same assistant, for the same lawyer, with a fresh token. The server
 * keeps the name the lawyer gave and says whom the assistant works for.
 */
export async function assistantToken(code: string): Promise<Result<Identity, DevTokenError>> {
  const issued = await ask({ role: 'assistant' }, code);
  if (!issued.ok) return issued;
  const { token, id, name, lawyer, issuedAt, expiresAt } = issued.value;
  if (!name || !lawyer) return err({ kind: 'failed', message: 'the server answered without the name or the lawyer of the assistant' });
  return ok({ id, role: 'assistant', name, categories: [], token, issuedAt, expiresAt, lawyer });
}

/** A signed-in lawyer (`lawyerToken`) makes the sign-in of a new assistant of theirs, named `name`. */
export async function assistantCode(lawyerToken: string, name: string): Promise<Result<AssistantCode, DevTokenError>> {
  const issued = await ask({ role: 'assistant', name }, lawyerToken);
  if (!issued.ok) return issued;
  return ok({ code: issued.value.token, name, expiresAt: issued.value.expiresAt });
}

async function ask(body: object, bearer: string | undefined): Promise<Result<Issued, DevTokenError>> {
  let res: Response;
  try {
    res = await fetch('/dev/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
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
  const { token, id, name } = reply;
  if (typeof token !== 'string' || typeof id !== 'string') return err({ kind: 'failed', message: 'the server answered without a token' });
  const times = tokenTimes(token);
  if (!times.ok) return err({ kind: 'failed', message: times.error });
  return ok({ token, id, name: typeof name === 'string' ? name : undefined, lawyer: parseLawyer(reply.lawyer), ...times.value });
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
