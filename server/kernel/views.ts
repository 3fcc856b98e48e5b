import type { ChatMessageT, ConsultationViewT, PersonViewT } from '../../protocol/frames.ts';
import type { Identity } from '../auth/identity.ts';
import type { ConsultationRecord, Person, StoredMessage } from '../store/port.ts';

/** What a client may see of a consultation: everything but the lawyer's private wrap-up note. */
export function toView(c: ConsultationRecord): ConsultationViewT {
  return {
    id: c.id,
    state: c.state,
    category: c.category,
    region: c.region,
    channel: c.channel,
    citizen: c.citizen,
    ...(c.lawyer ? { lawyer: c.lawyer } : {}),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    lastSeq: c.lastSeq,
    ...(c.dueAt !== undefined ? { dueAt: c.dueAt } : {}),
    ...(c.answeredAt !== undefined ? { answeredAt: c.answeredAt } : {}),
  };
}

export function toMessage(m: StoredMessage): ChatMessageT {
  return { consultationId: m.consultationId, seq: m.seq, from: m.from, clientMsgId: m.clientMsgId, body: m.body, at: m.at };
}

export function person(identity: Identity): Person & PersonViewT {
  return { id: identity.id, role: identity.role, name: identity.name };
}

/** Everyone who follows a consultation live: the citizen, and the lawyer with their assistants. */
export function audience(c: ConsultationRecord): string[] {
  return c.lawyer ? [`u:${c.citizen.id}`, `team:${c.lawyer.id}`] : [`u:${c.citizen.id}`];
}
