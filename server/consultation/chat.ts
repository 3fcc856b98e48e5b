import { err, ok } from '../../protocol/result.ts';
import type { Handler } from '../session/dispatch.ts';
import { maySend, relation } from './access.ts';
import { notFound, notMember, type ConsultationDeps } from './deps.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { audience, person, toMessage } from '../kernel/views.ts';
import { SERVICE_ENTRY_PREFIX } from '../../protocol/frames.ts';

const HISTORY_DEFAULT = 50;

/**
 * Chat inside a consultation. A message is acked only after the store made it durable,
 * then pushed to the others; a repeated clientMsgId gets the first ack and the same push again.
 */
export function chatHandlers(deps: ConsultationDeps) {
  const send: Handler<'chat.send'> = async ({ identity, session }, data) => {
    // Service entries (a call's start and end, `call/`) are the server's to write.
    if (data.clientMsgId.startsWith(SERVICE_ENTRY_PREFIX)) return err({ code: ErrorCode.SCHEMA_VIOLATION, message: `a clientMsgId beginning ${SERVICE_ENTRY_PREFIX} is the server's` });
    const r = await deps.store.appendIfAdmitted(
      { consultationId: data.consultationId, from: person(identity), clientMsgId: data.clientMsgId, body: data.body, at: deps.now() },
      (c) => maySend(identity, c),
    );
    if (!r.ok && r.reason === 'not-found') return err(notFound);
    if (!r.ok) {
      const c = r.consultation;
      return err(relation(identity, c) === 'none' ? notMember : { code: ErrorCode.CONSULTATION_STATE, message: `cannot write in a ${c.state} consultation` });
    }
    const { message, consultation: c } = r;
    // A repeat is pushed again: the first attempt may have committed without its reply (a
    // store deadline), and then nothing was pushed. Readers drop a seq they already have.
    deps.pusher.push(audience(c), 'chat.message', toMessage(message), session);
    if (!r.duplicate) deps.observer?.messageStored(c, message);
    if (identity.role === 'lawyer') await deps.desk.answered(c, identity.id);
    return ok({ clientMsgId: message.clientMsgId, seq: message.seq, at: message.at });
  };

  const typing: Handler<'chat.typing'> = async ({ identity, session }, data) => {
    const c = await deps.store.getConsultation(data.consultationId);
    if (!c) return err(notFound);
    if (!maySend(identity, c)) return err(notMember);
    deps.pusher.push(audience(c), 'chat.typing', { consultationId: c.id, from: person(identity), typing: data.typing }, session);
    return ok({});
  };

  const read: Handler<'chat.read'> = async ({ identity, session }, data) => {
    const c = await deps.store.getConsultation(data.consultationId);
    if (!c) return err(notFound);
    const rel = relation(identity, c);
    if (rel !== 'party' && rel !== 'delegate') return err(notMember);
    const upToSeq = Math.min(data.upToSeq, c.lastSeq);
    await deps.store.recordRead({ consultationId: c.id, userId: identity.id, upToSeq, at: deps.now() });
    deps.pusher.push(audience(c), 'chat.read', { consultationId: c.id, from: person(identity), upToSeq }, session);
    return ok({});
  };

  const history: Handler<'consult.history'> = async ({ identity }, data) => {
    const c = await deps.store.getConsultation(data.consultationId);
    if (!c) return err(notFound);
    const rel = relation(identity, c);
    if (rel === 'none') return err(notMember);
    if (rel !== 'party') {
      // Reading someone else's conversation: written to the audit log before the data leaves.
      await deps.store.appendAudit({ at: deps.now(), actor: person(identity), action: 'consult.history.read', subject: c.id, owner: c.citizen.id });
    }
    const page = await deps.store.history(c.id, {
      ...(data.beforeSeq !== undefined ? { beforeSeq: data.beforeSeq } : {}),
      limit: data.limit ?? HISTORY_DEFAULT,
    });
    return ok({ messages: page.messages.map(toMessage), hasMore: page.hasMore });
  };

  return { 'chat.send': send, 'chat.typing': typing, 'chat.read': read, 'consult.history': history };
}
