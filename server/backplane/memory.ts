import { best, isEligible, isFree, ORDER, REACH_DIGITS, type LawyerQuery } from './eligibility.ts';
import type { Category } from '../../protocol/vocabulary.ts';
import type { AcceptRefusal, AssistantSeat, Backplane, ClaimOutcome, LawyerPresence, Offer, OfferRefusal, PresenceSummary, QueueEntry, StoredDutyState } from './port.ts';

/** Copies out: callers must not change shared state by accident. Arrays are the only nested values. */
function copy(x: LawyerPresence): LawyerPresence;
function copy(x: QueueEntry): QueueEntry;
function copy(x: Offer): Offer;
function copy(x: LawyerPresence | QueueEntry | Offer): LawyerPresence | QueueEntry | Offer {
  if ('categories' in x) return { ...x, categories: [...x.categories], conflicts: [...x.conflicts] };
  if ('declinedBy' in x) return { ...x, declinedBy: [...x.declinedBy] };
  return { ...x };
}

/** Bucket keys a lawyer is found under: each category at city, province and national reach. */
function bucketKeys(p: LawyerPresence): string[] {
  const keys: string[] = [];
  for (const c of p.categories) for (const digits of Object.values(REACH_DIGITS)) keys.push(`${c}|${p.region.slice(0, digits)}`);
  return keys;
}

/**
 * The backplane of the embedded single node. Each method runs to completion without an
 * await, which is what makes it atomic here; the Redis implementation gets the same from Lua.
 * Returned objects are copies: callers cannot change shared state by accident.
 */
export class MemoryBackplane implements Backplane {
  private readonly lawyers = new Map<string, LawyerPresence>();
  private readonly queue = new Map<string, QueueEntry>();
  /** Front-of-queue entries (a lawyer dropped them) sort before any enqueuedAt. */
  private readonly order = new Map<string, number>();
  private readonly offers = new Map<string, Offer>();
  /** (category, region prefix) -> lawyers on duty there: a decision looks at a handful, not at everyone. */
  private readonly buckets = new Map<string, Set<LawyerPresence>>();
  /** lawyerId -> consultations they hold, on duty or not. */
  private readonly held = new Map<string, Set<string>>();
  /** lawyerId -> the consultation holding their call slot, until when. */
  private readonly calls = new Map<string, { consultationId: string; until: number }>();
  private readonly leaders = new Map<string, { holder: string; until: number }>();
  /** lawyerId -> "<assistantId>|<nodeId>" -> seat held until. */
  private readonly seats = new Map<string, Map<string, number>>();
  /** lawyerId -> nodeId -> a device of the lawyer connected there, until. */
  private readonly devices = new Map<string, Map<string, number>>();
  private frontCounter = 0;

  ready(): boolean {
    return true;
  }

  async close(): Promise<void> {}

  async putLawyer(p: Parameters<Backplane['putLawyer']>[0]): Promise<LawyerPresence> {
    const prev = this.lawyers.get(p.lawyerId);
    // Every field named in one order: one object shape, so the matcher's loops stay monomorphic.
    const next: LawyerPresence = {
      lawyerId: p.lawyerId,
      name: p.name,
      categories: [...p.categories],
      region: p.region,
      capacity: p.capacity,
      state: p.state,
      resumeState: p.state === 'reconnecting' ? (prev?.resumeState ?? 'available') : p.state,
      load: prev?.load ?? this.held.get(p.lawyerId)?.size ?? 0,
      lastAssignedAt: prev?.lastAssignedAt ?? p.lastAssignedAt,
      lastOfferAt: prev?.lastOfferAt ?? 0,
      missedOffers: p.state === 'available' ? 0 : (prev?.missedOffers ?? 0),
      conflicts: [...p.conflicts],
      leaseUntil: p.leaseUntil,
    };
    if (prev) this.unindex(prev);
    this.lawyers.set(p.lawyerId, next);
    this.index(next);
    return copy(next);
  }

  async setLawyerState(lawyerId: string, state: StoredDutyState): Promise<LawyerPresence | undefined> {
    const p = this.lawyers.get(lawyerId);
    if (!p) return undefined;
    if (state === 'reconnecting') {
      if (p.state !== 'reconnecting') p.resumeState = p.state;
    } else {
      p.resumeState = state;
      if (state === 'available') p.missedOffers = 0;
    }
    p.state = state;
    return copy(p);
  }

  async removeLawyer(lawyerId: string): Promise<{ presence?: LawyerPresence; withdrawn: Offer[] }> {
    const presence = this.lawyers.get(lawyerId);
    if (presence) this.unindex(presence);
    this.lawyers.delete(lawyerId);
    const withdrawn = [...this.offers.values()].filter((o) => o.lawyerId === lawyerId);
    for (const o of withdrawn) this.offers.delete(o.consultationId);
    return { ...(presence ? { presence: copy(presence) } : {}), withdrawn };
  }

  async withdrawOffers(lawyerId: string): Promise<Offer[]> {
    if (this.lawyers.get(lawyerId)?.state !== 'reconnecting') return [];
    const theirs = [...this.offers.values()].filter((o) => o.lawyerId === lawyerId);
    for (const o of theirs) this.withdraw(o.consultationId);
    return theirs;
  }

  async renewLeases(lawyerIds: readonly string[], until: number): Promise<void> {
    for (const id of lawyerIds) {
      const p = this.lawyers.get(id);
      if (p) p.leaseUntil = Math.max(p.leaseUntil, until);
    }
  }

  async expiredLeases(now: number): Promise<string[]> {
    return [...this.lawyers.values()].filter((p) => p.leaseUntil <= now).map((p) => p.lawyerId);
  }

  async getLawyer(lawyerId: string): Promise<LawyerPresence | undefined> {
    const p = this.lawyers.get(lawyerId);
    return p && copy(p);
  }

  async listLawyers(): Promise<LawyerPresence[]> {
    return [...this.lawyers.values()].map((x) => copy(x));
  }

  async findLawyers(q: LawyerQuery): Promise<string[]> {
    if (q.only !== undefined) {
      const p = this.lawyers.get(q.only);
      return p && isEligible(q.entry, p, 'national') ? [p.lawyerId] : [];
    }
    // The bucket already matched category and region.
    const bucket = this.buckets.get(`${q.entry.category}|${q.entry.region.slice(0, REACH_DIGITS[q.reach])}`) ?? [];
    return best(bucket, q.limit, ORDER[q.strategy], (p) => isFree(q.entry, p)).map((p) => p.lawyerId);
  }

  async servesCategory(category: Category): Promise<boolean> {
    // The national bucket of a category holds everyone on duty for it.
    return (this.buckets.get(`${category}|`)?.size ?? 0) > 0;
  }

  async summary(): Promise<PresenceSummary> {
    const byState: Record<string, number> = {};
    const slotsByCategory: PresenceSummary['slotsByCategory'] = {};
    for (const p of this.lawyers.values()) {
      const shown = p.state === 'available' && p.load >= p.capacity ? 'busy' : p.state;
      byState[shown] = (byState[shown] ?? 0) + 1;
      for (const c of p.categories) slotsByCategory[c] = (slotsByCategory[c] ?? 0) + p.capacity;
    }
    return { byState, slotsByCategory };
  }

  async enqueue(entry: QueueEntry, front = false): Promise<void> {
    this.queue.set(entry.consultationId, copy(entry));
    this.order.set(entry.consultationId, front ? -1e15 + this.frontCounter++ : entry.enqueuedAt);
  }

  async dequeue(consultationId: string): Promise<{ entry?: QueueEntry; withdrawn?: Offer }> {
    const entry = this.queue.get(consultationId);
    if (!entry) return {};
    this.queue.delete(consultationId);
    this.order.delete(consultationId);
    const withdrawn = this.withdraw(consultationId);
    return { entry, ...(withdrawn ? { withdrawn } : {}) };
  }

  async listQueue(): Promise<QueueEntry[]> {
    const key = (e: QueueEntry) => this.order.get(e.consultationId) as number;
    return [...this.queue.values()].sort((a, b) => b.priority - a.priority || key(a) - key(b)).map((x) => copy(x));
  }

  async offer(consultationId: string, lawyerId: string, expiresAt: number, now: number): Promise<ClaimOutcome<OfferRefusal>> {
    const entry = this.queue.get(consultationId);
    if (!entry) return { ok: false, reason: 'not-queued' };
    if (this.offers.has(consultationId)) return { ok: false, reason: 'already-offered' };
    const p = this.lawyers.get(lawyerId);
    if (!p) return { ok: false, reason: 'not-on-duty' };
    if (p.state !== 'available') return { ok: false, reason: 'not-available' };
    if (p.load >= p.capacity) return { ok: false, reason: 'no-capacity' };
    if (entry.declinedBy.includes(lawyerId)) return { ok: false, reason: 'declined-before' };
    this.offers.set(consultationId, { consultationId, lawyerId, expiresAt });
    p.load++;
    p.lastOfferAt = now;
    return { ok: true };
  }

  async accept(consultationId: string, lawyerId: string, now: number): Promise<ClaimOutcome<AcceptRefusal> & { entry?: QueueEntry }> {
    const offer = this.offers.get(consultationId);
    if (!offer || offer.lawyerId !== lawyerId) return { ok: false, reason: 'no-offer' };
    this.offers.delete(consultationId);
    const entry = this.queue.get(consultationId);
    this.queue.delete(consultationId);
    this.order.delete(consultationId);
    // The offer's unit of load becomes the held consultation's.
    this.heldBy(lawyerId).add(consultationId);
    const p = this.lawyers.get(lawyerId);
    if (p) {
      p.lastAssignedAt = now;
      p.missedOffers = 0;
    }
    return { ok: true, ...(entry ? { entry } : {}) };
  }

  async reject(consultationId: string, lawyerId: string, outcome: 'declined' | 'timeout'): Promise<{ ok: boolean; presence?: LawyerPresence }> {
    const offer = this.offers.get(consultationId);
    if (!offer || offer.lawyerId !== lawyerId) return { ok: false };
    this.withdraw(consultationId);
    this.queue.get(consultationId)?.declinedBy.push(lawyerId);
    const p = this.lawyers.get(lawyerId);
    if (p) p.missedOffers = outcome === 'timeout' ? p.missedOffers + 1 : 0;
    return { ok: true, ...(p ? { presence: copy(p) } : {}) };
  }

  async claim(consultationId: string, lawyerId: string, now: number): Promise<ClaimOutcome<'not-queued' | 'already-offered' | 'no-capacity'> & { entry?: QueueEntry }> {
    const entry = this.queue.get(consultationId);
    if (!entry) return { ok: false, reason: 'not-queued' };
    if (this.offers.has(consultationId)) return { ok: false, reason: 'already-offered' };
    const p = this.lawyers.get(lawyerId);
    if (p && p.load >= p.capacity) return { ok: false, reason: 'no-capacity' };
    this.queue.delete(consultationId);
    this.order.delete(consultationId);
    this.heldBy(lawyerId).add(consultationId);
    if (p) {
      p.load++;
      p.lastAssignedAt = now;
    }
    return { ok: true, entry };
  }

  async hold(lawyerId: string, consultationId: string): Promise<void> {
    const held = this.heldBy(lawyerId);
    if (held.has(consultationId)) return;
    held.add(consultationId);
    const p = this.lawyers.get(lawyerId);
    if (p) p.load++;
  }

  async release(lawyerId: string, consultationId: string): Promise<void> {
    const held = this.held.get(lawyerId);
    if (!held?.delete(consultationId)) return;
    if (held.size === 0) this.held.delete(lawyerId);
    const p = this.lawyers.get(lawyerId);
    if (p && p.load > 0) p.load--;
  }

  private heldBy(lawyerId: string): Set<string> {
    let held = this.held.get(lawyerId);
    if (!held) this.held.set(lawyerId, (held = new Set()));
    return held;
  }

  async listOffers(): Promise<Offer[]> {
    return [...this.offers.values()].map((x) => copy(x));
  }

  async expiredOffers(now: number): Promise<Offer[]> {
    return [...this.offers.values()].filter((o) => o.expiresAt <= now).map((x) => copy(x));
  }

  async claimCall(lawyerId: string, consultationId: string, until: number, now: number): Promise<ClaimOutcome<'in-call'> & { holder?: string }> {
    const call = this.calls.get(lawyerId);
    if (call && call.consultationId !== consultationId && call.until > now) return { ok: false, reason: 'in-call', holder: call.consultationId };
    this.calls.set(lawyerId, { consultationId, until });
    return { ok: true };
  }

  async endCall(lawyerId: string, consultationId: string): Promise<void> {
    if (this.calls.get(lawyerId)?.consultationId === consultationId) this.calls.delete(lawyerId);
  }

  async lead(role: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    const current = this.leaders.get(role);
    if (current && current.holder !== holder && current.until > now) return false;
    this.leaders.set(role, { holder, until: now + ttlMs });
    return true;
  }

  async claimAssistantSeat(lawyerId: string, assistantId: string, nodeId: string, max: number, until: number, now: number): Promise<boolean> {
    let seats = this.seats.get(lawyerId);
    if (!seats) this.seats.set(lawyerId, (seats = new Map()));
    const holders = new Set<string>();
    for (const [seat, end] of seats) {
      if (end <= now) seats.delete(seat);
      else holders.add(seat.slice(0, seat.indexOf('|')));
    }
    if (!holders.has(assistantId) && holders.size >= max) return false;
    seats.set(`${assistantId}|${nodeId}`, until);
    return true;
  }

  async releaseAssistantSeat(lawyerId: string, assistantId: string, nodeId: string): Promise<void> {
    const seats = this.seats.get(lawyerId);
    seats?.delete(`${assistantId}|${nodeId}`);
    if (seats?.size === 0) this.seats.delete(lawyerId);
  }

  async renewAssistantSeats(nodeId: string, held: readonly AssistantSeat[], until: number): Promise<AssistantSeat[]> {
    const lost: AssistantSeat[] = [];
    for (const { lawyerId, assistantId } of held) {
      const seats = this.seats.get(lawyerId);
      const seat = `${assistantId}|${nodeId}`;
      if (seats?.has(seat)) seats.set(seat, until);
      else lost.push({ lawyerId, assistantId });
    }
    return lost;
  }

  async markDevice(lawyerId: string, nodeId: string, connected: boolean, until: number, now: number): Promise<number> {
    let nodes = this.devices.get(lawyerId);
    if (!nodes) this.devices.set(lawyerId, (nodes = new Map()));
    if (connected) nodes.set(nodeId, until);
    else nodes.delete(nodeId);
    let others = 0;
    for (const [node, end] of nodes) {
      if (end <= now) nodes.delete(node);
      else if (node !== nodeId) others++;
    }
    if (nodes.size === 0) this.devices.delete(lawyerId);
    return others;
  }

  async renewDevices(nodeId: string, lawyerIds: readonly string[], until: number): Promise<void> {
    for (const lawyerId of lawyerIds) {
      const nodes = this.devices.get(lawyerId);
      if (nodes?.has(nodeId)) nodes.set(nodeId, until);
    }
  }

  private index(p: LawyerPresence): void {
    for (const key of bucketKeys(p)) {
      let bucket = this.buckets.get(key);
      if (!bucket) this.buckets.set(key, (bucket = new Set()));
      bucket.add(p);
    }
  }

  private unindex(p: LawyerPresence): void {
    for (const key of bucketKeys(p)) {
      const bucket = this.buckets.get(key);
      bucket?.delete(p);
      if (bucket?.size === 0) this.buckets.delete(key);
    }
  }

  /** Removes a consultation's offer and gives the lawyer's capacity back. */
  private withdraw(consultationId: string): Offer | undefined {
    const offer = this.offers.get(consultationId);
    if (!offer) return undefined;
    this.offers.delete(consultationId);
    const p = this.lawyers.get(offer.lawyerId);
    if (p && p.load > 0) p.load--;
    return offer;
  }
}
