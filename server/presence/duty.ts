import { ErrorCode } from '../../protocol/errors.ts';
import type { Static } from '@sinclair/typebox';
import type { PresenceView } from '../../protocol/frames.ts';
import { err, ok, type ProtocolError, type Result } from '../../protocol/result.ts';
import { CATEGORY_CODES, type Category } from '../../protocol/vocabulary.ts';
import type { Identity } from '../auth/identity.ts';
import type { LawyerPresence, PresencePort } from '../backplane/presence-port.ts';
import type { QueuePort } from '../backplane/queue-port.ts';
import type { Logger } from '../log.ts';
import { LocalTime } from './coverage.ts';
import { directoryHandler } from './directory.ts';
import { notifier } from '../kernel/notify.ts';
import { normaliseParty } from '../kernel/party.ts';
import type { DutyRouting } from '../kernel/routing.ts';
import type { WrapUp } from '../kernel/wrap-up.ts';
import { audience, toView } from '../kernel/views.ts';
import type { Handler } from '../session/dispatch.ts';
import type { Pusher } from '../session/pusher.ts';
import type { DeviceListener } from '../session/registry.ts';
import type { Session } from '../session/session.ts';
import type { DutyEvent, Store } from '../store/port.ts';

export type PresenceViewT = Static<typeof PresenceView>;

/** How far back a rebuild reads the duty log; a lawyer with no change in it is put back as last seen. */
const DUTY_LOG_LOOKBACK_MS = 48 * 3600_000;

/** The live-queue audiences (`session/registry`) an on-duty lawyer leaves. */
const QUEUE_KEYS = CATEGORY_CODES.map((c) => `queue:${c}`);

export interface DutyDeps {
  presence: PresencePort;
  /** Only to withdraw the offers of a lawyer whose last device went. */
  queue: QueuePort;
  store: Store;
  routing: DutyRouting;
  pusher: Pusher;
  log: Logger;
  now: () => number;
  defaultCapacity: number;
  /** A lawyer with no device connected keeps their duty (no offers) this long. */
  resumeWindowMs: number;
  /** Presence lease length; renewed every `leaseMs / 3` while this node is alive. */
  leaseMs: number;
  /** This node, for the lawyers' devices it holds (`PresencePort.markDevice`). */
  nodeId: string;
  /** Local time of rosters (directory service hours). */
  utcOffsetMin: number;
  /** Written to the duty log (coverage reports). */
  onDutyChanged?: (event: DutyEvent) => Promise<void>;
  /** After a close, this long with no new offers (the duty state `wrap-up`); 0 or absent: none. */
  wrapUpMs?: number;
}

export function presenceView(p: LawyerPresence | undefined, lawyerId: string): PresenceViewT {
  if (!p) return { lawyerId, state: 'offline', categories: [], capacity: 1, load: 0 };
  const state = p.state === 'available' && p.load >= p.capacity ? 'busy' : p.state;
  const wrapUp = state === 'wrap-up' && p.wrapUpUntil !== undefined && p.wrapUpSince !== undefined ? { wrapUpUntil: p.wrapUpUntil, wrapUpSince: p.wrapUpSince } : {};
  return { lawyerId, state, categories: p.categories, capacity: p.capacity, load: p.load, ...wrapUp };
}

const licenceProblem = (identity: Identity, now: number): ProtocolError | undefined => {
  const licence = identity.licence;
  if (!licence) return { code: ErrorCode.LICENCE_MISSING, message: 'no practising-licence credential' };
  if (licence.status !== 'practising') return { code: ErrorCode.LICENCE_INVALID, message: `licence is ${licence.status}` };
  if (licence.expiresAt <= now) return { code: ErrorCode.LICENCE_INVALID, message: 'licence has expired' };
  return undefined;
};

/**
 * Lawyers on and off duty. Presence is per lawyer, the union of their devices on every node:
 * duty changes on one device are pushed to all, a new device never changes it, and only when
 * the last device is gone does the lawyer become `reconnecting` (no offers, consultations
 * kept) — off duty after the resume window unless a device came back meanwhile, on any node,
 * with their consultations back at the front of the queue.
 */
export class DutyService implements DeviceListener, WrapUp {
  /** Lawyers on duty through this node, as last seen: their leases are renewed here, and they are put back if the backplane forgets them. */
  private readonly local = new Map<string, LawyerPresence>();
  /** Lawyers with a device connected to this node: the backplane knows, for the other nodes' sake. */
  private readonly devicesHere = new Set<string>();
  private readonly dropTimers = new Map<string, NodeJS.Timeout>();
  private readonly turns = new Map<string, Promise<void>>();
  private leaseTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: DutyDeps) {}

  start(): void {
    this.leaseTimer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.deps.leaseMs / 3)));
    this.leaseTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.leaseTimer);
    for (const t of this.dropTimers.values()) clearTimeout(t);
  }

  handlers() {
    const on: Handler<'duty.on'> = async ({ identity }, data) => {
      const now = this.deps.now();
      const problem = licenceProblem(identity, now);
      if (problem) {
        await this.off(identity.id, 'licence');
        return err(problem);
      }
      const categories = this.categoriesFor(identity, data.categories);
      if (!categories.ok) return categories;
      const prev = await this.deps.presence.getLawyer(identity.id);
      const presence = await this.deps.presence.putLawyer({
        lawyerId: identity.id,
        name: identity.name,
        categories: categories.value,
        region: identity.region ?? '',
        capacity: data.capacity ?? prev?.capacity ?? this.deps.defaultCapacity,
        state: 'available',
        lastAssignedAt: prev?.lastAssignedAt ?? now,
        conflicts: (data.conflicts ?? prev?.conflicts ?? []).map(normaliseParty),
        leaseUntil: now + this.deps.leaseMs,
      });
      if (!prev) {
        await this.deps.onDutyChanged?.({ lawyerId: identity.id, at: now, on: true, categories: presence.categories, region: presence.region });
        // On duty, offers come to them: their devices stop following the live queue.
        this.deps.pusher.mute(identity.id, QUEUE_KEYS);
      }
      this.local.set(identity.id, presence);
      this.announce(presence);
      this.deps.routing.kick();
      return ok({ presence: presenceView(presence, identity.id) });
    };

    const get: Handler<'duty.get'> = async ({ identity }) => ok({ presence: presenceView(await this.deps.presence.getLawyer(identity.id), identity.id) });

    const away: Handler<'duty.away'> = async ({ identity }) => {
      const presence = await this.deps.presence.setLawyerState(identity.id, 'away');
      if (!presence) return err({ code: ErrorCode.NOT_ON_DUTY, message: 'not on duty' });
      this.announce(presence);
      return ok({ presence: presenceView(presence, identity.id) });
    };

    const offDuty: Handler<'duty.off'> = async ({ identity }) => {
      await this.off(identity.id);
      return ok({ presence: presenceView(undefined, identity.id) });
    };

    // Said twice, or as the wrap-up ran out by itself: the state as it is, not an error.
    const ready: Handler<'duty.ready'> = async ({ identity }) => {
      const ended = await this.deps.presence.endWrapUp(identity.id);
      if (ended) {
        this.announce(ended);
        this.deps.routing.kick();
      }
      const presence = ended ?? (await this.deps.presence.getLawyer(identity.id));
      if (!presence) return err({ code: ErrorCode.NOT_ON_DUTY, message: 'not on duty' });
      return ok({ presence: presenceView(presence, identity.id) });
    };

    return { 'duty.on': on, 'duty.get': get, 'duty.away': away, 'duty.off': offDuty, 'duty.ready': ready, 'directory.list': directoryHandler(this.deps.presence, this.deps.store, new LocalTime(this.deps.utcOffsetMin), this.deps.now) };
  }

  /** A device of a lawyer attached (new session or resume). Runs after the hello reply is out. */
  deviceAttached(session: Session, firstDevice: boolean): void {
    if (session.identity.role === 'lawyer' && !this.stopped) setImmediate(() => this.inTurn(session.identity.id, 'attach', () => this.attach(session, firstDevice)));
  }

  lastDeviceGone(identity: Identity): void {
    if (identity.role === 'lawyer' && !this.stopped) this.inTurn(identity.id, 'detach', () => this.reconnecting(identity));
  }

  /**
   * A lawyer's device changes run one after another: a device that comes back while the
   * backplane is still marking the lawyer `reconnecting` would otherwise read the state from
   * before the mark, and leave them reconnecting for good.
   */
  private inTurn(lawyerId: string, what: string, step: () => Promise<void>): void {
    const next = (this.turns.get(lawyerId) ?? Promise.resolve())
      .then(step)
      .catch((e: unknown) => this.deps.log.error({ err: e }, `presence: ${what} failed`))
      .finally(() => this.turns.get(lawyerId) === next && this.turns.delete(lawyerId));
    this.turns.set(lawyerId, next);
  }

  private async attach(session: Session, firstDevice: boolean): Promise<void> {
    const { identity } = session;
    const timer = this.dropTimers.get(identity.id);
    if (timer) clearTimeout(timer);
    this.dropTimers.delete(identity.id);
    await this.markDeviceHere(identity.id);
    let presence = await this.deps.presence.getLawyer(identity.id);
    if (firstDevice && presence?.state === 'reconnecting') {
      presence = await this.deps.presence.setLawyerState(identity.id, presence.resumeState);
      if (presence) this.announce(presence);
      this.deps.routing.kick();
    }
    // The new device learns the duty state the lawyer already has; it does not change it.
    session.push('duty.state', { presence: presenceView(presence, identity.id) });
    if (!presence) return;
    // On duty since before this node had a device of theirs: it never heard the mute.
    this.deps.pusher.mute(identity.id, QUEUE_KEYS);
    // On duty with a device here: this node keeps the lease alive (the node that had it may be gone).
    this.local.set(identity.id, presence);
    for (const offer of await this.deps.routing.offersFor(identity.id)) session.push('offer', offer);
  }

  private async markDeviceHere(lawyerId: string): Promise<void> {
    this.devicesHere.add(lawyerId);
    const now = this.deps.now();
    await this.deps.presence.markDevice(lawyerId, this.deps.nodeId, true, now + this.deps.leaseMs, now);
  }

  private async reconnecting(identity: Identity): Promise<void> {
    this.devicesHere.delete(identity.id);
    const elsewhere = await this.deps.presence.markDevice(identity.id, this.deps.nodeId, false, 0, this.deps.now());
    // Their lease is kept by the node with their devices now; this one would put them back as it last saw them.
    if (elsewhere > 0) return void this.local.delete(identity.id);
    const presence = await this.deps.presence.setLawyerState(identity.id, 'reconnecting');
    if (!presence) return;
    // A device that attached on another node since the count above read them before this mark,
    // found them not reconnecting and left them so: counted again after the mark, it is seen
    // here (one attaching later reads the mark and resumes them itself). Before, they stayed
    // reconnecting, offered nothing, with a device connected, until the resume window ran out.
    if ((await this.deps.presence.markDevice(identity.id, this.deps.nodeId, false, 0, this.deps.now())) > 0) return this.resumedElsewhere(identity.id);
    const timer = setTimeout(() => {
      this.dropTimers.delete(identity.id);
      this.inTurn(identity.id, 'drop', () => this.dropIfStillGone(identity.id));
    }, this.deps.resumeWindowMs);
    timer.unref();
    this.dropTimers.set(identity.id, timer);
    // The offers ringing on the device that went move on now, not after the offer timeout:
    // the citizen would wait it out for nobody. Replayed to the lawyer's devices if they resume.
    const withdrawn = await this.deps.queue.withdrawOffers(identity.id);
    for (const o of withdrawn) this.deps.routing.offerEnded(o, 'withdrawn');
    if (withdrawn.length) this.deps.routing.kick();
  }

  /** The resume window is over: off duty, unless a device came back meanwhile (here, or on another node, which resumed them). */
  private async dropIfStillGone(lawyerId: string): Promise<void> {
    if (this.devicesHere.has(lawyerId)) return;
    const presence = await this.deps.presence.getLawyer(lawyerId);
    if (presence?.state !== 'reconnecting') return void this.local.delete(lawyerId);
    // A device attached on another node while this one was marking them gone, and the count
    // after the mark could not be made (the backplane failed it): nobody resumed them.
    const elsewhere = await this.deps.presence.markDevice(lawyerId, this.deps.nodeId, false, 0, this.deps.now());
    if (elsewhere === 0) return this.off(lawyerId, 'disconnected');
    await this.resumedElsewhere(lawyerId);
  }

  /** A device of a lawyer this node marked reconnecting is connected to another node: back as they were, and routed (that node keeps their lease). */
  private async resumedElsewhere(lawyerId: string): Promise<void> {
    this.local.delete(lawyerId);
    const presence = await this.deps.presence.getLawyer(lawyerId);
    // Resumed there meanwhile (and perhaps set away since): theirs to say.
    if (presence?.state !== 'reconnecting') return;
    const resumed = await this.deps.presence.setLawyerState(lawyerId, presence.resumeState);
    if (resumed) this.announce(resumed);
    this.deps.routing.kick();
  }

  /**
   * Off duty: pending offers are withdrawn, and when the lawyer did not leave by choice their
   * open consultations go back to the front of the queue, each citizen told.
   */
  async off(lawyerId: string, reason?: 'licence' | 'disconnected'): Promise<void> {
    this.local.delete(lawyerId);
    const { presence, withdrawn } = await this.deps.presence.removeLawyer(lawyerId);
    if (presence) await this.deps.onDutyChanged?.({ lawyerId, at: this.deps.now(), on: false, categories: presence.categories, region: presence.region });
    this.deps.pusher.unmute(lawyerId, QUEUE_KEYS);
    for (const o of withdrawn) this.deps.routing.offerEnded(o, 'withdrawn');
    if (reason === 'disconnected') {
      const held = await this.deps.store.listConsultations({ lawyerId, states: ['picked', 'active'] });
      const { queueChanged } = notifier(this.deps.pusher);
      for (const c of held.reverse()) {
        const requeued = await this.deps.routing.requeue(c, lawyerId);
        if (!requeued) continue;
        this.deps.log.info({ consultationId: c.id, lawyerId }, 'lawyer dropped: consultation back in the queue');
        // Told to everyone who followed it, the dropped lawyer's team included.
        this.deps.pusher.push(audience(c), 'consult.state', { consultation: toView(requeued), reason: 'lawyer-disconnected' });
        queueChanged('added', requeued);
      }
    }
    if (presence) this.deps.pusher.push([`u:${lawyerId}`], 'duty.state', { presence: presenceView(undefined, lawyerId), ...(reason ? { reason } : {}) });
    this.deps.routing.kick();
  }

  /**
   * The wrap-up after a close, as a call centre's after-call work: the lawyer gets no new offer
   * until it ends (the router's tick ends it when due, on whichever node asks first: `Router`),
   * or until they say they are ready. The whole lawyer, not the one freed place: a legal
   * consultation's note is written with attention, and an offer ringing meanwhile would hurry it.
   * A lawyer on a break, reconnecting or off duty gets none (they take no offers anyway).
   */
  async closed(lawyerId: string, closedAt: number): Promise<void> {
    const wrapUpMs = this.deps.wrapUpMs ?? 0;
    if (wrapUpMs <= 0) return;
    const presence = await this.deps.presence.beginWrapUp(lawyerId, this.deps.now() + wrapUpMs, closedAt);
    if (presence) this.announce(presence);
  }

  async since(lawyerId: string): Promise<number | undefined> {
    const presence = await this.deps.presence.getLawyer(lawyerId);
    return presence?.state === 'wrap-up' ? presence.wrapUpSince : undefined;
  }

  /** Re-reads a lawyer's presence (their load changed) and tells their devices. */
  async refresh(lawyerId: string): Promise<void> {
    const presence = await this.deps.presence.getLawyer(lawyerId);
    if (presence) this.announce(presence);
  }

  /** Tells every device of the lawyer their duty state. */
  announce(presence: LawyerPresence, reason?: 'missed-offers'): void {
    if (this.local.has(presence.lawyerId)) this.local.set(presence.lawyerId, presence);
    this.deps.pusher.push([`u:${presence.lawyerId}`], 'duty.state', { presence: presenceView(presence, presence.lawyerId), ...(reason ? { reason } : {}) });
  }

  /**
   * The backplane lost its state (Redis restarted empty): every lawyer on duty through this
   * node is put back as last seen, with the load the backplane counts from their held
   * consultations (restored first by the caller), and the devices this node holds are marked again.
   */
  async reassert(): Promise<void> {
    for (const lawyerId of this.devicesHere) await this.markDeviceHere(lawyerId);
    const now = this.deps.now();
    // This node may have missed a lawyer going off duty through another node: the duty log knows.
    const onDuty = new Map<string, boolean>();
    for (const e of await this.deps.store.dutyEvents(now - DUTY_LOG_LOOKBACK_MS, now + 1)) onDuty.set(e.lawyerId, e.on);
    for (const p of [...this.local.values()]) {
      if (onDuty.get(p.lawyerId) === false) {
        this.local.delete(p.lawyerId);
        continue;
      }
      if (await this.deps.presence.getLawyer(p.lawyerId)) continue;
      const { lawyerId, name, categories, region, capacity, lastAssignedAt, conflicts, wrapUpUntil, wrapUpSince } = p;
      const state = p.state === 'reconnecting' ? p.resumeState : p.state;
      this.local.set(lawyerId, await this.deps.presence.putLawyer({ lawyerId, name, categories, region, capacity, state, lastAssignedAt, conflicts, leaseUntil: now + this.deps.leaseMs, wrapUpUntil, wrapUpSince }));
    }
    this.deps.routing.kick();
  }

  private async renew(): Promise<void> {
    const until = this.deps.now() + this.deps.leaseMs;
    try {
      await this.deps.presence.renewLeases([...this.local.keys()], until);
      await this.deps.presence.renewDevices(this.deps.nodeId, [...this.devicesHere], until);
    } catch (e) {
      this.deps.log.error({ err: e }, 'presence lease renewal failed');
    }
  }

  /** On-duty categories must be among the lawyer's declared specialties (all, if the token names none). */
  private categoriesFor(identity: Identity, asked: readonly Category[] | undefined): Result<Category[], ProtocolError> {
    const declared = identity.categories?.length ? identity.categories : CATEGORY_CODES;
    const wanted = asked ?? declared;
    const outside = wanted.filter((c) => !declared.includes(c));
    if (outside.length) return err({ code: ErrorCode.FORBIDDEN, message: `not among your declared categories: ${outside.join(', ')}` });
    return ok([...new Set(wanted)]);
  }
}
