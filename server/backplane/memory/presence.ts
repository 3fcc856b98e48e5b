import type { Category } from '../../../protocol/vocabulary.ts';
import { best, isEligible, isFree, ORDER, REACH_DIGITS, type LawyerQuery } from '../eligibility.ts';
import { summarise, type LawyerPresence, type NewPresence, type PresencePort, type PresenceSummary, type StoredDutyState } from '../presence-port.ts';
import type { Offer } from '../queue-port.ts';
import { copy, type SharedState } from './state.ts';

const keepsWrapUp = (state: StoredDutyState): boolean => state === 'wrap-up' || state === 'reconnecting';
const inWrapUp = (p: LawyerPresence): boolean => p.state === 'wrap-up' || (p.state === 'reconnecting' && p.resumeState === 'wrap-up');

/** Available again (or to resume, when reconnecting); changes `p` and returns a copy. */
function endWrapUp(p: LawyerPresence): LawyerPresence {
  p.resumeState = 'available';
  if (p.state === 'wrap-up') p.state = 'available';
  p.missedOffers = 0;
  p.wrapUpUntil = p.wrapUpSince = undefined;
  return copy(p);
}

/** Presence of the embedded node: leases, the bucket index, and the nodes holding devices (one node here, but the port's meaning is kept). */
export class MemoryPresence implements PresencePort {
  /** lawyerId -> nodeId -> a device of the lawyer connected there, until. */
  private readonly devices = new Map<string, Map<string, number>>();

  constructor(private readonly s: SharedState) {}

  async putLawyer(p: NewPresence): Promise<LawyerPresence> {
    const prev = this.s.lawyers.get(p.lawyerId);
    // Every field named in one order: one object shape, so the matcher's loops stay monomorphic.
    const next: LawyerPresence = {
      lawyerId: p.lawyerId,
      name: p.name,
      categories: [...p.categories],
      region: p.region,
      capacity: p.capacity,
      state: p.state,
      resumeState: p.state === 'reconnecting' ? (prev?.resumeState ?? 'available') : p.state,
      load: prev?.load ?? this.s.held.get(p.lawyerId)?.size ?? 0,
      lastAssignedAt: prev?.lastAssignedAt ?? p.lastAssignedAt,
      lastOfferAt: prev?.lastOfferAt ?? 0,
      missedOffers: p.state === 'available' ? 0 : (prev?.missedOffers ?? 0),
      conflicts: [...p.conflicts],
      leaseUntil: p.leaseUntil,
      // Kept by a state that keeps a wrap-up (a lawyer put back as they were), undefined otherwise: still one shape.
      wrapUpUntil: keepsWrapUp(p.state) ? p.wrapUpUntil : undefined,
      wrapUpSince: keepsWrapUp(p.state) ? p.wrapUpSince : undefined,
    };
    if (prev) this.s.unindex(prev);
    this.s.lawyers.set(p.lawyerId, next);
    this.s.index(next);
    return copy(next);
  }

  async setLawyerState(lawyerId: string, state: StoredDutyState): Promise<LawyerPresence | undefined> {
    const p = this.s.lawyers.get(lawyerId);
    if (!p) return undefined;
    if (state === 'reconnecting') {
      if (p.state !== 'reconnecting') p.resumeState = p.state;
    } else {
      p.resumeState = state;
      if (state === 'available') p.missedOffers = 0;
    }
    p.state = state;
    if (!keepsWrapUp(state)) p.wrapUpUntil = p.wrapUpSince = undefined;
    return copy(p);
  }

  async beginWrapUp(lawyerId: string, until: number, now: number): Promise<LawyerPresence | undefined> {
    const p = this.s.lawyers.get(lawyerId);
    if (p?.state === 'available') {
      p.state = 'wrap-up';
      p.resumeState = 'wrap-up';
      p.wrapUpSince = now;
      p.wrapUpUntil = until;
    } else if (p?.state === 'wrap-up') {
      p.wrapUpUntil = Math.max(until, p.wrapUpUntil ?? 0);
    } else return undefined;
    return copy(p);
  }

  async endWrapUp(lawyerId: string): Promise<LawyerPresence | undefined> {
    const p = this.s.lawyers.get(lawyerId);
    return p && inWrapUp(p) ? endWrapUp(p) : undefined;
  }

  async endDueWrapUps(now: number): Promise<LawyerPresence[]> {
    const ended: LawyerPresence[] = [];
    for (const p of this.s.lawyers.values()) if (inWrapUp(p) && (p.wrapUpUntil ?? 0) <= now) ended.push(endWrapUp(p));
    return ended;
  }

  async removeLawyer(lawyerId: string): Promise<{ presence?: LawyerPresence; withdrawn: Offer[] }> {
    const presence = this.s.lawyers.get(lawyerId);
    if (presence) this.s.unindex(presence);
    this.s.lawyers.delete(lawyerId);
    const withdrawn = [...this.s.offers.values()].filter((o) => o.lawyerId === lawyerId);
    for (const o of withdrawn) this.s.offers.delete(o.consultationId);
    return { ...(presence ? { presence: copy(presence) } : {}), withdrawn };
  }

  async renewLeases(lawyerIds: readonly string[], until: number): Promise<void> {
    for (const id of lawyerIds) {
      const p = this.s.lawyers.get(id);
      if (p) p.leaseUntil = Math.max(p.leaseUntil, until);
    }
  }

  async expiredLeases(now: number): Promise<string[]> {
    return [...this.s.lawyers.values()].filter((p) => p.leaseUntil <= now).map((p) => p.lawyerId);
  }

  async getLawyer(lawyerId: string): Promise<LawyerPresence | undefined> {
    const p = this.s.lawyers.get(lawyerId);
    return p && copy(p);
  }

  async listLawyers(): Promise<LawyerPresence[]> {
    return [...this.s.lawyers.values()].map((x) => copy(x));
  }

  async findLawyers(q: LawyerQuery): Promise<string[]> {
    if (q.only !== undefined) {
      const p = this.s.lawyers.get(q.only);
      return p && isEligible(q.entry, p, 'national') ? [p.lawyerId] : [];
    }
    // The bucket already matched category and region.
    const bucket = this.s.buckets.get(`${q.entry.category}|${q.entry.region.slice(0, REACH_DIGITS[q.reach])}`) ?? [];
    return best(bucket, q.limit, ORDER[q.strategy], (p) => isFree(q.entry, p)).map((p) => p.lawyerId);
  }

  async servesCategory(category: Category): Promise<boolean> {
    // The national bucket of a category holds everyone on duty for it.
    return (this.s.buckets.get(`${category}|`)?.size ?? 0) > 0;
  }

  async summary(): Promise<PresenceSummary> {
    return summarise(this.s.lawyers.values());
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
}
