import { ok } from '../../protocol/result.ts';
import type { Handler } from './dispatch.ts';

/** Sign-out: once this reply is out the connection closes (`Connection.request`) and the session is dropped with it. */
export const endSession: Handler<'session.end'> = async ({ session }) => {
  session.ended = true;
  return ok({});
};
