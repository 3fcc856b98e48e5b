import type { Category } from '../../../protocol/vocabulary.ts';
import { best, isEligible, isFree, ORDER, REACH_DIGITS, type LawyerQuery } from '../eligibility.ts';
import { summarise, type LawyerPresence, type NewPresence, type PresencePort, type PresenceSummary, type StoredDutyState } from '../presence-port.ts';
import type { Offer } from '../queue-port.ts';
import { arr, type Keyspace } from './keyspace.ts';

export const lawyerOf = (raw: string): LawyerPresence => {
  const p = JSON.parse(raw) as LawyerPresence;
  return { ...p, categories: arr(p.categories), conflicts: arr(p.conflicts) };
};

/** Presence on Redis: writes are the Lua scripts of `presence-scripts.ts`, plain reads single commands. */
export class RedisPresence implements PresencePort {
  constructor(private readonly ks: Keyspace) {}

  async putLawyer(p: NewPresence): Promise<LawyerPresence> {
    return lawyerOf(await this.ks.run<string>('putLawyer', JSON.stringify(p)));
  }

  async setLawyerState(lawyerId: string, state: StoredDutyState): Promise<LawyerPresence | undefined> {
    const raw = await this.ks.run<string | null>('setState', lawyerId, state);
    return raw ? lawyerOf(raw) : undefined;
  }

  async beginWrapUp(lawyerId: string, until: number, now: number): Promise<LawyerPresence | undefined> {
    const raw = await this.ks.run<string | null>('beginWrapUp', lawyerId, until, now);
    return raw ? lawyerOf(raw) : undefined;
  }

  async endWrapUp(lawyerId: string): Promise<LawyerPresence | undefined> {
    const raw = await this.ks.run<string | null>('endWrapUp', lawyerId);
    return raw ? lawyerOf(raw) : undefined;
  }

  async endDueWrapUps(now: number): Promise<LawyerPresence[]> {
    return (await this.ks.run<string[]>('endDueWrapUps', now)).map(lawyerOf);
  }

  async removeLawyer(lawyerId: string): Promise<{ presence?: LawyerPresence; withdrawn: Offer[] }> {
    const [raw, ...withdrawn] = await this.ks.run<(string | null)[]>('removeLawyer', lawyerId);
    return { ...(raw ? { presence: lawyerOf(raw) } : {}), withdrawn: withdrawn.map((o) => JSON.parse(o as string) as Offer) };
  }

  async renewLeases(lawyerIds: readonly string[], until: number): Promise<void> {
    if (lawyerIds.length) await this.ks.run('renewLeases', ...lawyerIds, until);
  }

  async expiredLeases(now: number): Promise<string[]> {
    return this.ks.redis.zrangebyscore(this.ks.key('leases'), '-inf', String(now));
  }

  async getLawyer(lawyerId: string): Promise<LawyerPresence | undefined> {
    const raw = await this.ks.redis.hget(this.ks.key('L'), lawyerId);
    return raw ? lawyerOf(raw) : undefined;
  }

  async listLawyers(): Promise<LawyerPresence[]> {
    return Object.values(await this.ks.redis.hgetall(this.ks.key('L'))).map(lawyerOf);
  }

  async findLawyers(q: LawyerQuery): Promise<string[]> {
    if (q.only !== undefined) {
      const p = await this.getLawyer(q.only);
      return p && isEligible(q.entry, p, 'national') ? [p.lawyerId] : [];
    }
    // The bucket already matched category and region; the rules are the memory backplane's.
    const raws = await this.ks.run<(string | null)[]>('bucket', `${q.entry.category}|${q.entry.region.slice(0, REACH_DIGITS[q.reach])}`);
    const lawyers = raws.filter((r): r is string => r !== null).map(lawyerOf);
    return best(lawyers, q.limit, ORDER[q.strategy], (p) => isFree(q.entry, p)).map((p) => p.lawyerId);
  }

  async servesCategory(category: Category): Promise<boolean> {
    return (await this.ks.redis.scard(this.ks.key(`b:${category}|`))) > 0;
  }

  async summary(): Promise<PresenceSummary> {
    return summarise(await this.listLawyers());
  }

  async markDevice(lawyerId: string, nodeId: string, connected: boolean, until: number, now: number): Promise<number> {
    return this.ks.run<number>('markDevice', lawyerId, nodeId, connected ? 1 : 0, until, now);
  }

  async renewDevices(nodeId: string, lawyerIds: readonly string[], until: number): Promise<void> {
    if (lawyerIds.length) await this.ks.run('renewDevices', nodeId, until, ...lawyerIds);
  }
}
