import { ErrorCode } from '../../protocol/errors.ts';
import type { ReplyData, RequestData, RequestType } from '../../protocol/frames.ts';
import type { ProtocolError, Result } from '../../protocol/result.ts';
import type { Identity } from '../auth/identity.ts';
import { isAllowed } from '../auth/permissions.ts';
import type { Session } from './session.ts';

export interface RequestContext {
  session: Session;
  identity: Identity;
}

export type Handler<T extends RequestType> = (
  ctx: RequestContext,
  data: RequestData<T>,
) => Promise<Result<ReplyData<T>, ProtocolError>>;

/** Every request after hello has exactly one handler; a missing one is a compile error. */
export type HandlerTable = { [T in Exclude<RequestType, 'hello'>]: Handler<T> };

/** Permission first (one table, `auth/permissions`), then the handler. */
export function dispatch<T extends Exclude<RequestType, 'hello'>>(
  handlers: HandlerTable,
  type: T,
  ctx: RequestContext,
  data: RequestData<T>,
): Promise<Result<ReplyData<T>, ProtocolError>> {
  if (!isAllowed(type, ctx.identity.role)) {
    return Promise.resolve({ ok: false, error: { code: ErrorCode.FORBIDDEN, message: `${ctx.identity.role} may not ${type}` } });
  }
  const handler = handlers[type] as Handler<T>;
  return handler(ctx, data);
}
