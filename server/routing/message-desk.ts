import type { LawyerPresence, PresencePort } from '../backplane/presence-port.ts';
import type { ConsultationObserver } from '../kernel/observe.ts';
import type { QueueEntry, QueuePort } from '../backplane/queue-port.ts';
import { isLive, notifier } from '../kernel/notify.ts';
import { normaliseParty } from '../kernel/party.ts';
import type { Desk } from '../kernel/routing.ts';
import { audience, toView } from '../kernel/views.ts';
import type { Logger } from '../log.ts';
import type { RoutingMetrics } from '../metrics.ts';
import type { Pusher } from '../session/pusher.ts';
import type { ConsultationRecord, Store, TransitionResult } from '../store/port.ts';
import { LiveQueue } from './live-queue.ts';
import type { Router } from './router.ts';

export interface MessageDeskConfig {
  /** A live request waiting this long becomes a message consultation. */
  convertAfterMs: number;
  /** Answer due this long after a message consultation is left. */
  slaMs: number;
  tickMs: number;
}

export interface MessageDeskDeps {
  store: Store;
  presence: PresencePort;
  queue: QueuePort;
  pusher: Pusher;
  router: Router;
  /** The desk's clock, injectable: SLA tests move it by hours. */
  clock: () => number;
  log: Logger;
  config: MessageDeskConfig;
  metrics?: RoutingMetrics;
  /** In a cluster only the node leading the deployment's jobs runs the desk (one reminder, not one per node). */
  leads?: () => boolean;
  /** Told of each breach once (the risk watch raises a service alert). */
  observer?: Pick<ConsultationObserver, 'slaBreached'>;
}

/**
 * Message consultations (留言): left straight away or converted from a live request that
 * waited too long (same id, transcript and category). Assigned by category to a lawyer on
 * duty; the answer is due within the SLA. Before the deadline an unanswered one is re-routed
 * to another lawyer once, at half time; its lawyer is reminded at three quarters, and supervisors
 * are told when it is breached. All state is in the store, so a restart loses no clock.
 */
export class MessageDesk implements Desk {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly live: LiveQueue;

  constructor(private readonly deps: MessageDeskDeps) {
    this.live = new LiveQueue(deps.queue, deps.store, deps.router);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.config.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** When a message consultation left now is due. */
  dueFromNow(): number {
    return this.deps.clock() + this.deps.config.slaMs;
  }

  /**
   * A live request becomes a message consultation; its live offer, if any, is withdrawn.
   * The backplane decides first, as for every claim (atomic there, invariant 3): once out of
   * the queue no lawyer can accept or pick it, and one no longer there (accepted, picked,
   * cancelled or converted meanwhile, on any node) is left as it is. Marking the record first
   * let a lawyer accept in between and hold a message consultation as a live one. Undefined:
   * not converted.
   */
  async convert(c: ConsultationRecord, origin: 'citizen' | 'wait'): Promise<ConsultationRecord | undefined> {
    if (c.channel === 'message' || c.state !== 'queued') return undefined;
    const entry = await this.live.leave(c.id);
    if (!entry) return undefined;
    const at = this.deps.clock();
    let result: TransitionResult;
    try {
      result = await this.deps.store.transition(c.id, ['queued'], { state: 'queued', channel: 'message', dueAt: at + this.deps.config.slaMs, updatedAt: at });
    } catch (e) {
      await this.putBack(entry);
      throw e;
    }
    // Not queued any more: cancelled meanwhile, and out of the queue for good.
    if (!result.ok) return undefined;
    this.deps.metrics?.messages.inc({ origin: origin === 'citizen' ? 'converted-by-citizen' : 'converted-after-wait' });
    notifier(this.deps.pusher).announce(result.consultation, 'converted');
    return result.consultation;
  }

  /**
   * A conversion the store failed to write: the request goes back to the live queue, in its
   * place by its wait, and routed again, through the live queue's one way in: enqueued first,
   * its record read after, so a cancel landing meanwhile (on any node) either finds it to
   * dequeue or is seen here and takes it back out. Read first, a cancel in between found
   * nothing to dequeue and the cancelled request stayed queued for good. A failed write may
   * have landed all the same (a commit whose answer was lost): the read then takes it back out,
   * for the desk. A record that cannot be read leaves it queued: a request lost to routing
   * waits for nobody.
   */
  private async putBack(entry: QueueEntry): Promise<void> {
    try {
      await this.live.enter(entry);
    } catch (e) {
      // The caller throws the conversion's own failure; this one is told here.
      this.deps.log.error({ err: e, consultationId: entry.consultationId }, 'message desk: putting back a request whose conversion failed did not finish');
    }
  }

  /** The assigned lawyer wrote in it: answered, the SLA is met, and the citizen is told (the step they waited for). */
  async answered(c: ConsultationRecord, lawyerId: string): Promise<void> {
    if (c.channel !== 'message' || c.answeredAt !== undefined || c.lawyer?.id !== lawyerId) return;
    const result = await this.deps.store.transition(c.id, ['active'], { state: 'active', answeredAt: this.deps.clock(), updatedAt: this.deps.clock() }, lawyerId);
    if (result.ok) notifier(this.deps.pusher).announce(result.consultation);
  }

  /** One pass: convert long waits, assign what is unassigned, watch the deadlines. Passes never overlap. */
  tick(): Promise<void> {
    this.running ??= this.pass()
      .catch((e) => this.deps.log.error({ err: e }, 'message desk pass failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.deps.leads?.() === false) return;
    const { store, presence, queue, config } = this.deps;
    const now = this.deps.clock();
    for (const entry of await queue.listQueue()) {
      if (now - entry.enqueuedAt < config.convertAfterMs) continue;
      const c = await store.getConsultation(entry.consultationId);
      if (c && isLive(c)) await this.convert(c, 'wait');
      // Only a put-back whose record could not be read, or whose failed write landed after that read, leaves one here.
      else if (c) await this.live.leave(c.id);
    }
    const open = await store.listConsultations({ states: ['queued', 'active'], channel: 'message' });
    const lawyers = (await presence.listLawyers()).filter((l) => l.state !== 'reconnecting');
    const assigned = new Map<string, number>();
    for (const c of open) if (c.lawyer) assigned.set(c.lawyer.id, (assigned.get(c.lawyer.id) ?? 0) + 1);
    for (const c of open.reverse()) {
      if (c.state === 'queued') await this.assign(c, lawyers, assigned, now);
      else if (c.answeredAt === undefined) await this.watch(c, lawyers, assigned, now);
    }
  }

  /**
   * The lawyer on duty for its category with the fewest message consultations waiting on them.
   * As in the live queue (`queryFor`), a lawyer named for it (by the citizen, or by a transfer)
   * is the only one while the choice holds, and the lawyer who handed it on does not get it back.
   */
  private choose(c: ConsultationRecord, lawyers: readonly LawyerPresence[], assigned: Map<string, number>, now: number, except?: string): LawyerPresence | undefined {
    const party = c.opposingParty && normaliseParty(c.opposingParty);
    const handedOnBy = c.handover?.from.id;
    const eligible = lawyers.filter((l) => l.categories.includes(c.category) && l.lawyerId !== except && l.lawyerId !== handedOnBy && !(party && l.conflicts.includes(party)));
    if (c.preferredLawyerId !== undefined && now < (c.preferredUntil ?? Infinity)) return eligible.find((l) => l.lawyerId === c.preferredLawyerId);
    return eligible.sort((a, b) => (assigned.get(a.lawyerId) ?? 0) - (assigned.get(b.lawyerId) ?? 0) || a.lastAssignedAt - b.lastAssignedAt)[0];
  }

  private async assign(c: ConsultationRecord, lawyers: readonly LawyerPresence[], assigned: Map<string, number>, now: number, except?: string): Promise<boolean> {
    const lawyer = this.choose(c, lawyers, assigned, now, except);
    if (!lawyer) return false;
    const result = await this.deps.store.transition(c.id, [c.state], {
      state: 'active',
      lawyer: { id: lawyer.lawyerId, role: 'lawyer', name: lawyer.name },
      assignedAt: now,
      ...(except ? { rerouted: true } : {}),
      updatedAt: now,
    }, except);
    if (!result.ok) return false;
    assigned.set(lawyer.lawyerId, (assigned.get(lawyer.lawyerId) ?? 0) + 1);
    // The previous lawyer (on a re-route) hears it left them; the citizen and the new lawyer see it.
    this.deps.pusher.push([...new Set([...audience(c), ...audience(result.consultation)])], 'consult.state', {
      consultation: toView(result.consultation),
      ...(except ? { reason: 'rerouted' as const } : {}),
    });
    return true;
  }

  private async watch(c: ConsultationRecord, lawyers: readonly LawyerPresence[], assigned: Map<string, number>, now: number): Promise<void> {
    const { store, pusher, config, metrics } = this.deps;
    const due = c.dueAt ?? now;
    const since = c.assignedAt ?? c.updatedAt;
    // One re-route, at half time: a consultation bounced between lawyers is answered by none.
    if (!c.rerouted && now < due && now >= since + (due - since) / 2 && (await this.assign(c, lawyers, assigned, now, c.lawyer?.id))) {
      metrics?.sla.inc({ event: 'rerouted' });
      return;
    }
    if (!c.reminded && now >= due - config.slaMs / 4 && now < due) {
      const result = await store.transition(c.id, ['active'], { state: 'active', reminded: true, updatedAt: now });
      if (result.ok && c.lawyer) pusher.push([`u:${c.lawyer.id}`], 'sla.reminder', { consultation: toView(result.consultation) });
      metrics?.sla.inc({ event: 'reminded' });
    }
    if (!c.breached && now >= due) {
      const result = await store.transition(c.id, ['active'], { state: 'active', breached: true, updatedAt: now });
      if (result.ok) {
        pusher.push(['role:supervisor', ...(c.lawyer ? [`u:${c.lawyer.id}`] : [])], 'sla.breach', { consultation: toView(result.consultation) });
        this.deps.observer?.slaBreached(result.consultation);
      }
      metrics?.sla.inc({ event: 'breached' });
      this.deps.log.warn({ consultationId: c.id, lawyerId: c.lawyer?.id }, 'message consultation SLA breached');
    }
  }
}
