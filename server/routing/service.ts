import type { PushData, QueuePlaceT } from '../../protocol/frames.ts';
import type { PriorityClass } from '../../protocol/vocabulary.ts';
import type { PresencePort } from '../backplane/presence-port.ts';
import type { Offer, QueueEntry, QueuePort, Unclaimed } from '../backplane/queue-port.ts';
import { isLive } from '../kernel/notify.ts';
import { normaliseParty } from '../kernel/party.ts';
import type { Claimed, ConsultationRouting, DutyRouting, FirstMessage } from '../kernel/routing.ts';
import type { RoutingMetrics } from '../metrics.ts';
import { isHeldBy, type ConsultationRecord, type Creating, type Person, type Store, type TransitionResult } from '../store/port.ts';
import { LiveQueue } from './live-queue.ts';
import { placesIn, type Router } from './router.ts';

/** Priority classes in the order they are served; anyone else is 0. */
const PRIORITY: Record<PriorityClass, number> = { 'legal-aid': 1, disabled: 2, elderly: 2 };

export interface RoutingServiceOptions {
  /** A lawyer's load changed (took or ended a consultation): their devices are told. */
  loadChanged?: (lawyerId: string) => void;
  metrics?: RoutingMetrics;
  /**
   * Offer requests before their record commits (default). Only where every accept is handled
   * by this node (the embedded node): an accept on another node could not wait for a commit it
   * does not know of, and would find no record.
   */
  routeBeforeCommit?: boolean;
}

/**
 * What the consultation and duty services ask of routing (the kernel's ConsultationRouting
 * and DutyRouting). Queue membership lives in the
 * backplane in both modes (auto offers, manual picks) so that a pick and an offer can never
 * both win, and capacity is counted the same way.
 */
export class RoutingService implements ConsultationRouting, DutyRouting {
  /**
   * Requests whose record is still committing. Routing starts while the create commits (the
   * fsync or transaction is the slowest step of a request), so an offer may reach a lawyer
   * before the citizen's reply; what a lawyer does with it waits for the commit. A failed or
   * refused create leaves `stored` false.
   */
  private readonly committing = new Map<string, { record: ConsultationRecord; stored: Promise<boolean>; first?: FirstMessage }>();
  /** Picks and accepts under way on this node, by consultation and lawyer: a repeat waits for the first (`once`). */
  private readonly claiming = new Map<string, Promise<Claimed>>();

  private readonly loadChanged: (lawyerId: string) => void;
  private readonly metrics: RoutingMetrics | undefined;
  private readonly routeBeforeCommit: boolean;
  private readonly presence: PresencePort;
  private readonly queue: QueuePort;
  private readonly live: LiveQueue;

  constructor(
    ports: { presence: PresencePort; queue: QueuePort },
    private readonly store: Store,
    readonly router: Router,
    private readonly now: () => number,
    options: RoutingServiceOptions = {},
  ) {
    this.presence = ports.presence;
    this.queue = ports.queue;
    this.live = new LiveQueue(ports.queue, store, router);
    this.loadChanged = options.loadChanged ?? (() => undefined);
    this.metrics = options.metrics;
    this.routeBeforeCommit = options.routeBeforeCommit ?? true;
  }

  /**
   * Queues a live consultation; everything routing needs comes from its record, so a restart
   * re-queues it the same. A message consultation is left to the message desk (`isLive`).
   */
  async enqueue(c: ConsultationRecord, front = false, declinedBy: string[] = []): Promise<void> {
    if (!isLive(c)) return;
    // Taken back out if it ended while the enqueue was under way (a cancel on any node).
    await this.live.enter(entryFor(c, declinedBy), front);
  }

  /**
   * Puts back in the queue a queued live consultation the backplane has out of it (a node
   * stopped between writing the record and queueing it, or between a claim and its write):
   * every hold of it goes, and it is queued unless it is already (`LiveQueue.unclaim`). For the
   * queue reconciler, once that has lasted longer than any write in progress.
   */
  async unclaim(c: ConsultationRecord): Promise<Unclaimed & { gone: boolean }> {
    return this.unclaimEntry(entryFor(c, []));
  }

  private async unclaimEntry(entry: QueueEntry): Promise<Unclaimed & { gone: boolean }> {
    const unclaimed = await this.live.unclaim(entry);
    for (const id of unclaimed.released) this.loadChanged(id);
    return unclaimed;
  }

  /**
   * Queues a request whose create is still committing, once the store has decided to take it:
   * one refused (the citizen's cap) never reaches a lawyer. The file store decides at once, so
   * routing still runs beside its fsync; PostgreSQL decides a capped create at its commit. If
   * the write then fails, the request leaves the queue and any offer of it is withdrawn.
   */
  async enqueueCommitting(c: ConsultationRecord, { decided, created }: Creating, first?: FirstMessage): Promise<void> {
    // The caller hears why from `created` itself.
    const stored = created.then((r) => r.ok, () => false);
    if (!this.routeBeforeCommit) {
      // Another node may make the offer, from the store: once the first message is there too.
      if (await stored) {
        await first?.stored;
        await this.enqueue(c);
      }
      return;
    }
    if (!(await decided)) return;
    this.committing.set(c.id, { record: c, stored, ...(first ? { first } : {}) });
    try {
      await this.enqueue(c);
    } finally {
      // Also when the enqueue threw (its record could not be read back): kept, the entry
      // outlived its request for good, and offers showed the record it was created with.
      const ok = await stored;
      // An offer made meanwhile shows the first message from here until the store has it.
      await first?.stored;
      this.committing.delete(c.id);
      if (!ok) await this.live.leave(c.id);
    }
  }

  /** The record routing shows in an offer: the committed one, or one still committing. */
  async view(consultationId: string): Promise<ConsultationRecord | undefined> {
    return this.committing.get(consultationId)?.record ?? (await this.store.getConsultation(consultationId));
  }

  /** What the citizen asked, for an offer: the first message (its seq 1, theirs), or the one being written. */
  async firstMessage(c: ConsultationRecord): Promise<string | undefined> {
    const pending = this.committing.get(c.id)?.first;
    if (pending) return pending.body;
    if (c.lastSeq === 0) return undefined;
    const [first] = (await this.store.history(c.id, { beforeSeq: 2, limit: 1 })).messages;
    return first?.from.id === c.citizen.id ? first.body : undefined;
  }

  /** The consultation left the queue for good (cancelled); its lawyer, if one held it, gets capacity back. */
  async cancelled(c: ConsultationRecord, previous: ConsultationRecord): Promise<void> {
    await this.live.leave(c.id);
    if (previous.lawyer && previous.state !== 'queued') await this.released(previous.lawyer.id, c.id);
    void this.router.kick();
  }

  /**
   * Manual pick: atomic in the backplane first, so it cannot race an offer. A repeat from the
   * lawyer who holds it now (a double click, a resend after a lost answer) is answered with it,
   * as the first was, in whatever state it is now; from anyone else, 'taken'.
   */
  pick(consultationId: string, lawyer: Person): Promise<Claimed> {
    return this.once(consultationId, lawyer.id, async () => {
      const claim = await this.queue.claim(consultationId, lawyer.id, this.now());
      if (claim.ok) return this.taken(consultationId, lawyer, 'picked', claim.entry);
      if (claim.reason === 'no-capacity') return { ok: false, reason: 'no-capacity' };
      // Out of the queue: perhaps theirs already. Queued with an offer out: nobody's yet.
      return claim.reason === 'not-queued' ? this.theirsBefore(consultationId, lawyer.id) : { ok: false, reason: 'taken' };
    });
  }

  /**
   * The offered lawyer accepts: the consultation becomes active with them. A lawyer on a bad
   * network sends it again when the answer to the first was lost (the SDK after a lost
   * connection or a timeout, or a console tapping twice); the offer went with the first, and
   * "no longer yours" would make the console drop a consultation they hold. So a repeat from the
   * lawyer who holds it now is answered with it, as the first was; from anyone else, 'taken'.
   */
  accept(consultationId: string, lawyer: Person): Promise<Claimed> {
    return this.once(consultationId, lawyer.id, () => this.claimOffer(consultationId, lawyer));
  }

  /**
   * Runs a lawyer's claim of a consultation, unless one of theirs is under way on this node: a
   * repeat waits for it and answers from the record it left (on PostgreSQL a read does not see a
   * write until it commits, and would answer 'taken' too early).
   */
  private async once(consultationId: string, lawyerId: string, claim: () => Promise<Claimed>): Promise<Claimed> {
    const key = `${consultationId}\n${lawyerId}`;
    const first = this.claiming.get(key);
    if (first) {
      // Its outcome, or its failure, is the first request's to answer; the store says what it left.
      await Promise.allSettled([first]);
      return this.theirsBefore(consultationId, lawyerId);
    }
    const claiming = claim();
    this.claiming.set(key, claiming);
    try {
      return await claiming;
    } finally {
      this.claiming.delete(key);
    }
  }

  private async claimOffer(consultationId: string, lawyer: Person): Promise<Claimed> {
    const claim = await this.queue.accept(consultationId, lawyer.id, this.now());
    if (!claim.ok) return this.theirsBefore(consultationId, lawyer.id);
    let taken: Claimed;
    try {
      taken = await this.taken(consultationId, lawyer, 'active', claim.entry);
    } catch (e) {
      // The offer went with the claim; the devices still ringing for it stop (the consultation is offered anew).
      this.router.offerEnded(claim.offer, 'withdrawn');
      throw e;
    }
    if (taken.ok) this.router.offerEnded(claim.offer, 'accepted');
    return taken;
  }

  /** Not theirs to claim now: theirs already if a pick or accept of theirs went through before (a live consultation they hold now, open). */
  private async theirsBefore(consultationId: string, lawyerId: string): Promise<Claimed> {
    const c = await this.store.getConsultation(consultationId);
    if (c && isLive(c) && isHeldBy(c, lawyerId) && (c.state === 'active' || c.state === 'picked')) return { ok: true, consultation: c, again: true };
    return { ok: false, reason: 'taken' };
  }

  /** The backplane gave the lawyer the consultation: now the record; if the record says no (cancelled meanwhile), the claim is undone. */
  private async taken(consultationId: string, lawyer: Person, state: 'picked' | 'active', entry: QueueEntry | undefined): Promise<Claimed> {
    this.answered(entry);
    this.router.forget(consultationId);
    // A failed create leaves no record, and the transition below says so.
    await this.committing.get(consultationId)?.stored;
    let result: TransitionResult;
    try {
      result = await this.store.transition(consultationId, ['queued'], { state, lawyer, updatedAt: this.now() });
    } catch (e) {
      return this.unclaimAfter(e, consultationId, lawyer.id, entry);
    }
    if (!result.ok) {
      await this.queue.release(lawyer.id, consultationId);
      return { ok: false, reason: 'state', current: result };
    }
    this.loadChanged(lawyer.id);
    void this.router.kick();
    return { ok: true, consultation: result.consultation };
  }

  /**
   * A claim's write failed or timed out (PostgreSQL unavailable, a row lock waited past the
   * deadline): the record does not say that the lawyer has it, and their hold would keep it
   * out of the queue for good, offered to nobody. Put back now, before the lawyer hears of the
   * failure; if that fails too, the queue reconciler puts it back after its grace. Throws the
   * write's failure, for the request's reply.
   */
  private async unclaimAfter(failure: unknown, consultationId: string, lawyerId: string, entry: QueueEntry | undefined): Promise<never> {
    try {
      // An accept's claim names the entry unless the queue had lost it; then the record does.
      const record = entry ? undefined : await this.view(consultationId);
      const put = entry ?? (record && entryFor(record, []));
      if (put) {
        await this.unclaimEntry(put);
      } else {
        // No record to route (its create failed): only the hold goes.
        await this.queue.release(lawyerId, consultationId);
        this.loadChanged(lawyerId);
      }
    } catch (e) {
      throw new AggregateError([failure, e], 'a claim whose write failed was not put back in the queue: the queue reconciler will, after its grace');
    }
    throw failure;
  }

  decline(consultationId: string, lawyerId: string): Promise<boolean> {
    return this.router.decline(consultationId, lawyerId);
  }

  kick(): void {
    void this.router.kick();
  }

  offerEnded(offer: Offer, outcome: 'withdrawn'): void {
    this.router.offerEnded(offer, outcome);
  }

  offersFor(lawyerId: string): Promise<PushData<'offer'>[]> {
    return this.router.offersFor(lawyerId);
  }

  /** A consultation a lawyer held ended: capacity returns, and its handling time feeds the wait estimate. */
  async closed(c: ConsultationRecord, previous: ConsultationRecord): Promise<void> {
    if (!previous.lawyer) return;
    this.router.waits.handled(c.updatedAt - previous.updatedAt);
    await this.released(previous.lawyer.id, c.id);
  }

  /**
   * Which lawyer a new request waits for first: the one the citizen chose, or (with their
   * consent) their previous lawyer if on duty now. Without fallback it waits for them for good.
   */
  async preference(citizenId: string, asked: { lawyerId?: string; preferPrevious?: boolean; fallbackToQueue?: boolean }, at: number): Promise<Pick<ConsultationRecord, 'preferredLawyerId' | 'preferredUntil'>> {
    let lawyerId = asked.lawyerId;
    if (!lawyerId && asked.preferPrevious) {
      const previous = (await this.store.listConsultations({ participantId: citizenId, states: ['closed'] })).find((c) => c.lawyer);
      if (previous?.lawyer && (await this.presence.getLawyer(previous.lawyer.id))) lawyerId = previous.lawyer.id;
    }
    if (!lawyerId) return {};
    return asked.fallbackToQueue === false ? { preferredLawyerId: lawyerId } : { preferredLawyerId: lawyerId, preferredUntil: at + this.router.preferredWaitMs };
  }

  /** Hands a consultation on: back to the front of the queue in its (new) category (or to the message desk), for a named lawyer first. */
  async transfer(c: ConsultationRecord, to: { category?: ConsultationRecord['category']; lawyerId?: string }, handover: { from: Person; note: string }): Promise<TransitionResult> {
    const at = this.now();
    // Only while the transferring lawyer still holds it.
    const result = await this.store.transition(c.id, ['picked', 'active'], {
      state: 'queued',
      lawyer: null,
      category: to.category ?? c.category,
      handover,
      preferredLawyerId: to.lawyerId ?? null,
      preferredUntil: to.lawyerId ? at + this.router.preferredWaitMs : null,
      updatedAt: at,
    }, handover.from.id);
    if (!result.ok) return result;
    await this.released(handover.from.id, c.id);
    await this.enqueue(result.consultation, true, [handover.from.id]);
    return result;
  }

  /**
   * Where a citizen's live requests stand in the queue now, and whether each rings at a lawyer, as
   * `queue.position` tells them when it changes (the estimate from this node's recent handling
   * times, as the leading node's).
   */
  async places(citizenId: string): Promise<QueuePlaceT[]> {
    const [queue, summary, offers] = await Promise.all([this.queue.listQueue(), this.presence.summary(), this.queue.listOffers()]);
    const offered = new Set(offers.map((o) => o.consultationId));
    return placesIn(queue, summary, this.router.waits)
      .filter((p) => p.entry.citizenId === citizenId)
      .map(({ entry, position, estimatedWaitMs, served }) => ({ consultationId: entry.consultationId, position, estimatedWaitMs, nobodyOnDuty: !served, offered: offered.has(entry.consultationId) }));
  }

  /** True when no lawyer on duty (in any state) serves the category: the citizen may rather leave a message. */
  async nobodyServes(category: ConsultationRecord['category']): Promise<boolean> {
    return !(await this.presence.servesCategory(category));
  }

  /**
   * Puts a consultation the lawyer dropped back at the front of the queue (or to the message
   * desk): only if they still
   * hold it at the moment of the write (it may have been handed on and taken meanwhile).
   */
  async requeue(c: ConsultationRecord, lawyerId: string): Promise<ConsultationRecord | undefined> {
    const result = await this.store.transition(c.id, ['picked', 'active'], { state: 'queued', lawyer: null, updatedAt: this.now() }, lawyerId);
    if (!result.ok) return undefined;
    await this.queue.release(lawyerId, c.id);
    await this.enqueue(result.consultation, true);
    return result.consultation;
  }

  private answered(entry: QueueEntry | undefined): void {
    if (entry) this.metrics?.timeToAnswer.observe((this.now() - entry.enqueuedAt) / 1000, { category: entry.category });
  }

  private async released(lawyerId: string, consultationId: string): Promise<void> {
    await this.queue.release(lawyerId, consultationId);
    this.loadChanged(lawyerId);
    void this.router.kick();
  }
}

/** The queue entry of a consultation: everything routing needs, from its record. */
function entryFor(c: ConsultationRecord, declinedBy: string[]): QueueEntry {
  return {
    consultationId: c.id,
    citizenId: c.citizen.id,
    category: c.category,
    region: c.region,
    priority: c.priority ? PRIORITY[c.priority] : 0,
    enqueuedAt: c.createdAt,
    declinedBy,
    ...(c.preferredLawyerId ? { preferredLawyerId: c.preferredLawyerId, ...(c.preferredUntil !== undefined ? { preferredUntil: c.preferredUntil } : {}) } : {}),
    ...(c.opposingParty ? { opposingParty: normaliseParty(c.opposingParty) } : {}),
  };
}
