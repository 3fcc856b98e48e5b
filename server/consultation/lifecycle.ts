import { ErrorCode } from '../../protocol/errors.ts';
import { err, ok } from '../../protocol/result.ts';
import type { ConsultationState } from '../../protocol/vocabulary.ts';
import type { Identity } from '../auth/identity.ts';
import type { Handler } from '../session/dispatch.ts';
import { startCreate, type ConsultationRecord } from '../store/port.ts';
import { relation, servesCategory } from './access.ts';
import { newConsultationId, notFound, notMember, transitionError, type ConsultationDeps } from './deps.ts';
import { isLive, notifier } from '../kernel/notify.ts';
import { audience, person, toView } from '../kernel/views.ts';

const OPEN: readonly ConsultationState[] = ['queued', 'picked', 'active'];

/** A lawyer changes a consultation only while they hold it when the change is written (it may be handed on meanwhile). */
const heldBy = (identity: Identity): string | undefined => (identity.role === 'lawyer' ? identity.id : undefined);

/**
 * The life of a text consultation: queued -> picked -> active -> closed (or cancelled).
 * Each step is a compare-and-set in the store, then a push to everyone following it, so
 * the citizen is told of every step on every device.
 */
export function lifecycleHandlers(deps: ConsultationDeps) {
  const { announce, queueChanged } = notifier(deps.pusher);

  const request: Handler<'consult.request'> = async ({ identity }, data) => {
    const at = deps.now();
    const preference = await deps.routing.preference(identity.id, data, at);
    const record: ConsultationRecord = {
      id: newConsultationId(),
      state: 'queued',
      category: data.category,
      region: data.region,
      channel: data.channel,
      ...(data.channel === 'message' ? { dueAt: deps.desk.dueFromNow() } : {}),
      citizen: person(identity),
      ...(identity.priority ? { priority: identity.priority } : {}),
      ...(data.opposingParty ? { opposingParty: data.opposingParty } : {}),
      ...preference,
      ...(data.clientRequestId ? { clientRequestId: data.clientRequestId } : {}),
      createdAt: at,
      updatedAt: at,
      lastSeq: 0,
    };
    const creating = startCreate(deps.store, record, { maxOpenPerCitizen: deps.maxOpenPerCitizen });
    // The first message follows the record (it needs the consultation); an offer shows it, so routing is given it too.
    const appended = creating.created.then((o) => (o.ok && data.firstMessage ? deps.store.appendMessage(firstMessage(record, data.firstMessage, at)) : undefined));
    const first = data.firstMessage ? { body: data.firstMessage, stored: appended.then((a) => a !== undefined, () => false) } : undefined;
    // A failed create is heard (and answered) from `created` below, which `appended` only follows.
    appended.catch(() => undefined);
    // Routing starts once the store has decided, perhaps while the record commits; the citizen's reply waits for the commit.
    const routed = isLive(record) ? deps.routing.enqueueCommitting(record, creating, first) : undefined;
    const outcome = await creating.created;
    // A resend: the first made it (and routed it); this one only answers as that one would now.
    if (!outcome.ok && outcome.reason === 'duplicate') return ok({ consultation: toView(await withFirstMessage(outcome.consultation, data.firstMessage)) });
    if (!outcome.ok) {
      await routed;
      deps.refused?.inc({ limit: 'open-per-citizen' });
      return err({ code: ErrorCode.TOO_MANY_OPEN, message: `you have ${outcome.open} open consultations, as many as one person may: close or cancel one first` });
    }
    const stored = await appended;
    if (stored) record.lastSeq = stored.message.seq;
    if (stored && !stored.duplicate) deps.observer?.messageStored(record, stored.message);
    announce(record);
    if (record.channel === 'message') {
      void deps.desk.tick();
      return ok({ consultation: toView(record) });
    }
    queueChanged('added', record);
    await routed;
    if (await deps.routing.nobodyServes(record.category)) {
      deps.pusher.push([`u:${identity.id}`], 'consult.suggest', { consultationId: record.id, reason: 'nobody-on-duty' });
    }
    return ok({ consultation: toView(record) });
  };

  /**
   * The first request may have ended between storing its consultation and its first message (its
   * node stopped): the resend stores it, while the consultation is open. The message's id is the
   * consultation's, so whichever of the two comes second, here or on another node, stores nothing.
   */
  const withFirstMessage = async (c: ConsultationRecord, body: string | undefined): Promise<ConsultationRecord> => {
    if (!body) return c;
    const stored = await deps.store.appendIfAdmitted(firstMessage(c, body, deps.now()), (now) => OPEN.includes(now.state));
    if (stored.ok && !stored.duplicate) deps.observer?.messageStored(stored.consultation, stored.message);
    return stored.ok ? stored.consultation : c;
  };

  const cancel: Handler<'consult.cancel'> = async ({ identity }, { consultationId }) => {
    const c = await deps.store.getConsultation(consultationId);
    if (!c) return err(notFound);
    if (relation(identity, c) !== 'party') return err(notMember);
    const result = await deps.store.transition(consultationId, ['queued', 'picked'], { state: 'cancelled', updatedAt: deps.now() });
    if (!result.ok) return err(transitionError(result, 'cancel'));
    announce(result.consultation);
    if (c.state === 'queued') queueChanged('removed', result.consultation);
    await deps.routing.cancelled(result.consultation, c);
    return ok({ consultation: toView(result.consultation) });
  };

  const queueList: Handler<'queue.list'> = async ({ identity }) => {
    const queued = await deps.store.listConsultations({ states: ['queued'], ...(identity.categories?.length ? { categories: identity.categories } : {}) });
    // The store lists newest first; a queue is served oldest first. Message consultations are assigned, not picked.
    return ok({ consultations: queued.reverse().filter((c) => c.channel === 'text').map(toView) });
  };

  const positions: Handler<'queue.positions'> = async ({ identity }) => ok({ positions: await deps.routing.places(identity.id) });

  const pick: Handler<'consult.pick'> = async ({ identity }, { consultationId }) => {
    const c = await deps.store.getConsultation(consultationId);
    if (!c) return err(notFound);
    if (!servesCategory(identity, c)) return err(notMember);
    if (c.channel === 'message') return err({ code: ErrorCode.CONSULTATION_STATE, message: 'message consultations are assigned, not picked' });
    const result = await deps.routing.pick(consultationId, person(identity));
    if (!result.ok) {
      if (result.reason === 'no-capacity') return err({ code: ErrorCode.CAPACITY_EXCEEDED, message: 'you are at your capacity of concurrent consultations' });
      if (result.current && !result.current.ok) return err(transitionError(result.current, 'pick'));
      return err({ code: ErrorCode.CONSULTATION_TAKEN, message: 'another lawyer took or was offered this consultation' });
    }
    // A repeat of a pick that went through: everyone was told then.
    if (result.again) return ok({ consultation: toView(result.consultation) });
    announce(result.consultation);
    queueChanged('removed', result.consultation);
    return ok({ consultation: toView(result.consultation) });
  };

  const join: Handler<'consult.join'> = async ({ identity }, { consultationId }) => {
    const c = await deps.store.getConsultation(consultationId);
    if (!c) return err(notFound);
    if (relation(identity, c) !== 'party') return err(notMember);
    const result = await deps.store.transition(consultationId, ['picked'], { state: 'active', updatedAt: deps.now() }, heldBy(identity));
    if (!result.ok) return err(transitionError(result, 'join'));
    announce(result.consultation);
    return ok({ consultation: toView(result.consultation) });
  };

  const close: Handler<'consult.close'> = async ({ identity }, { consultationId, note }) => {
    const c = await deps.store.getConsultation(consultationId);
    if (!c) return err(notFound);
    if (relation(identity, c) !== 'party') return err(notMember);
    const patch = { state: 'closed' as const, updatedAt: deps.now(), ...(identity.role === 'lawyer' && note ? { note } : {}) };
    const result = await deps.store.transition(consultationId, ['picked', 'active'], patch, heldBy(identity));
    if (!result.ok) return err(transitionError(result, 'close'));
    announce(result.consultation);
    const { lawyer, updatedAt } = result.consultation;
    try {
      // Whoever closed it, its lawyer wraps up; before the place it took frees, so no offer fills it first.
      if (lawyer && isLive(result.consultation)) await deps.wrapUp?.closed(lawyer.id, updatedAt);
    } finally {
      await deps.routing.closed(result.consultation, c);
    }
    return ok({ consultation: toView(result.consultation) });
  };

  const convert: Handler<'consult.convert'> = async ({ identity }, { consultationId }) => {
    const c = await deps.store.getConsultation(consultationId);
    if (!c) return err(notFound);
    if (relation(identity, c) !== 'party') return err(notMember);
    if (c.channel === 'message') return ok({ consultation: toView(c) });
    const converted = await deps.desk.convert(c, 'citizen');
    if (!converted) {
      // A lawyer may have taken it, or the desk converted it, since it was read above.
      const now = (await deps.store.getConsultation(consultationId)) ?? c;
      if (now.channel === 'message') return ok({ consultation: toView(now) });
      return err({ code: ErrorCode.CONSULTATION_STATE, message: now.state === 'queued' ? 'cannot convert a request a lawyer is taking' : `cannot convert a consultation that is ${now.state}` });
    }
    // It leaves the live queue as the live request it was.
    queueChanged('removed', c);
    void deps.desk.tick();
    return ok({ consultation: toView(converted) });
  };

  const transfer: Handler<'consult.transfer'> = async ({ identity }, { consultationId, category, lawyerId, note }) => {
    const c = await deps.store.getConsultation(consultationId);
    if (!c) return err(notFound);
    if (c.lawyer?.id !== identity.id) return err(notMember);
    if (!category && !lawyerId) return err({ code: ErrorCode.SCHEMA_VIOLATION, message: 'name a category or a lawyer to transfer to' });
    if (lawyerId === identity.id) return err({ code: ErrorCode.CONSULTATION_STATE, message: 'cannot transfer a consultation to yourself' });
    const result = await deps.routing.transfer(c, { ...(category ? { category } : {}), ...(lawyerId ? { lawyerId } : {}) }, { from: person(identity), note });
    if (!result.ok) return err(transitionError(result, 'transfer'));
    // Everyone who followed it hears, the transferring lawyer's team included.
    deps.pusher.push(audience(c), 'consult.state', { consultation: toView(result.consultation), reason: 'transferred' });
    queueChanged('added', result.consultation);
    if (!isLive(result.consultation)) void deps.desk.tick();
    return ok({ consultation: toView(result.consultation) });
  };

  const list: Handler<'consult.list'> = async ({ identity }) => ok({ consultations: (await openConsultations(deps, identity)).map(toView) });

  return {
    'consult.request': request,
    'consult.cancel': cancel,
    'queue.list': queueList,
    'queue.positions': positions,
    'consult.pick': pick,
    'consult.join': join,
    'consult.close': close,
    'consult.transfer': transfer,
    'consult.convert': convert,
    'consult.list': list,
  };
}

/** The citizen's first message, with an id of the consultation's own: stored once however often it is asked. */
const firstMessage = (c: ConsultationRecord, body: string, at: number) => ({ consultationId: c.id, from: c.citizen, clientMsgId: `first.${c.id}`, body, at });

const SUPERVISOR_LIST_MAX = 500;

/** The open consultations a person follows: the snapshot after a lost session, and consult.list. */
export async function openConsultations(deps: ConsultationDeps, identity: Identity): Promise<ConsultationRecord[]> {
  switch (identity.role) {
    case 'citizen':
      return deps.store.listConsultations({ participantId: identity.id, states: OPEN });
    case 'lawyer':
      return deps.store.listConsultations({ lawyerId: identity.id, states: OPEN });
    case 'assistant':
      return identity.lawyerId ? deps.store.listConsultations({ lawyerId: identity.lawyerId, states: OPEN }) : [];
    case 'supervisor':
      return (await deps.store.listConsultations({ states: OPEN })).slice(0, SUPERVISOR_LIST_MAX);
    case 'admin':
      return [];
  }
}
