import type { RedisOptions } from 'ioredis';
import type { Category } from '../../../protocol/vocabulary.ts';
import { best, isEligible, isFree, ORDER, REACH_DIGITS, type LawyerQuery } from '../eligibility.ts';
import type { AcceptRefusal, AssistantSeat, Backplane, ClaimOutcome, LawyerPresence, Offer, OfferRefusal, PresenceSummary, QueueEntry, StoredDutyState } from '../port.ts';
import { DEADLINES, Probe, type DeadlineOptions } from '../../probe.ts';
import { commandOptions, connected, createRedis, masters, type RedisClient } from './connect.ts';
import { SCRIPTS, type ScriptName } from './scripts.ts';

export interface RedisBackplaneOptions {
  /** `redis://host:port`, or a Redis Cluster: `redis+cluster://host1:port1,host2:port2,…` (see connect.ts). */
  url: string;
  /** Keys of one deployment (or test) start with `{<prefix>}`: one hash slot, see scripts.ts. */
  prefix: string;
  redis?: RedisOptions;
  /** Connection errors (ioredis reconnects by itself; commands fail fast meanwhile). */
  onError?: (e: unknown) => void;
  /** Deadline of every command, and the readiness probe (defaults: `DEADLINES`). */
  deadline?: DeadlineOptions;
}

/** cjson writes an empty array as {}: give arrays back their shape. */
const arr = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);
const lawyerOf = (raw: string): LawyerPresence => {
  const p = JSON.parse(raw) as LawyerPresence;
  return { ...p, categories: arr(p.categories), conflicts: arr(p.conflicts) };
};
const entryOf = (raw: string): QueueEntry => {
  const e = JSON.parse(raw) as QueueEntry;
  return { ...e, declinedBy: arr(e.declinedBy) };
};

/**
 * The cluster backplane on Redis (ioredis). Every read-modify-write is a Lua script
 * (`scripts.ts`); plain reads are single commands. No offline queue: while Redis is down a
 * call fails at once instead of piling up in memory, and the node reports not-ready; while
 * Redis is connected but does not answer, a call fails at its deadline, and so does the probe.
 */
export class RedisBackplane implements Backplane {
  private readonly tag: string;
  private readonly probe: Probe;

  private constructor(
    readonly redis: RedisClient,
    prefix: string,
    deadline: DeadlineOptions,
  ) {
    this.tag = `{${prefix}}`;
    // A keyed read rather than PING: on a Redis Cluster it goes to the master holding this deployment's slot.
    this.probe = new Probe('redis', deadline, () => this.redis.exists(this.key('probe')));
  }

  static async open(options: RedisBackplaneOptions): Promise<RedisBackplane> {
    const deadline = options.deadline ?? DEADLINES.redis;
    const redis = createRedis(options.url, { ...commandOptions(deadline.timeoutMs), ...options.redis });
    redis.on('error', (e) => options.onError?.(e));
    await redis.connect();
    for (const [name, body] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 1, lua: body });
    return new RedisBackplane(redis, options.prefix, deadline);
  }

  ready(): boolean {
    return connected(this.redis, this.tag) && this.probe.healthy;
  }

  private run<T>(name: ScriptName, ...args: (string | number)[]): Promise<T> {
    return (this.redis as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<T>>)[name](this.tag, ...args);
  }

  private key(name: string): string {
    return `${this.tag}:${name}`;
  }

  async putLawyer(p: Parameters<Backplane['putLawyer']>[0]): Promise<LawyerPresence> {
    return lawyerOf(await this.run<string>('putLawyer', JSON.stringify(p)));
  }

  async setLawyerState(lawyerId: string, state: StoredDutyState): Promise<LawyerPresence | undefined> {
    const raw = await this.run<string | null>('setState', lawyerId, state);
    return raw ? lawyerOf(raw) : undefined;
  }

  async removeLawyer(lawyerId: string): Promise<{ presence?: LawyerPresence; withdrawn: Offer[] }> {
    const [raw, ...withdrawn] = await this.run<(string | null)[]>('removeLawyer', lawyerId);
    return { ...(raw ? { presence: lawyerOf(raw) } : {}), withdrawn: withdrawn.map((o) => JSON.parse(o as string) as Offer) };
  }

  async withdrawOffers(lawyerId: string): Promise<Offer[]> {
    return (await this.run<string[]>('withdrawOffers', lawyerId)).map((o) => JSON.parse(o) as Offer);
  }

  async renewLeases(lawyerIds: readonly string[], until: number): Promise<void> {
    if (lawyerIds.length) await this.run('renewLeases', ...lawyerIds, until);
  }

  async expiredLeases(now: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key('leases'), '-inf', String(now));
  }

  async getLawyer(lawyerId: string): Promise<LawyerPresence | undefined> {
    const raw = await this.redis.hget(this.key('L'), lawyerId);
    return raw ? lawyerOf(raw) : undefined;
  }

  async listLawyers(): Promise<LawyerPresence[]> {
    return Object.values(await this.redis.hgetall(this.key('L'))).map(lawyerOf);
  }

  async findLawyers(q: LawyerQuery): Promise<string[]> {
    if (q.only !== undefined) {
      const p = await this.getLawyer(q.only);
      return p && isEligible(q.entry, p, 'national') ? [p.lawyerId] : [];
    }
    // The bucket already matched category and region; the rules are the memory backplane's.
    const raws = await this.run<(string | null)[]>('bucket', `${q.entry.category}|${q.entry.region.slice(0, REACH_DIGITS[q.reach])}`);
    const lawyers = raws.filter((r): r is string => r !== null).map(lawyerOf);
    return best(lawyers, q.limit, ORDER[q.strategy], (p) => isFree(q.entry, p)).map((p) => p.lawyerId);
  }

  async servesCategory(category: Category): Promise<boolean> {
    return (await this.redis.scard(this.key(`b:${category}|`))) > 0;
  }

  async summary(): Promise<PresenceSummary> {
    const byState: Record<string, number> = {};
    const slotsByCategory: PresenceSummary['slotsByCategory'] = {};
    for (const p of await this.listLawyers()) {
      const shown = p.state === 'available' && p.load >= p.capacity ? 'busy' : p.state;
      byState[shown] = (byState[shown] ?? 0) + 1;
      for (const c of p.categories) slotsByCategory[c] = (slotsByCategory[c] ?? 0) + p.capacity;
    }
    return { byState, slotsByCategory };
  }

  async enqueue(entry: QueueEntry, front = false): Promise<void> {
    await this.run('enqueue', JSON.stringify(entry), front ? '1' : '0', entry.enqueuedAt);
  }

  async dequeue(consultationId: string): Promise<{ entry?: QueueEntry; withdrawn?: Offer }> {
    const [entry, withdrawn] = await this.run<(string | null)[]>('dequeue', consultationId);
    return { ...(entry ? { entry: entryOf(entry) } : {}), ...(withdrawn ? { withdrawn: JSON.parse(withdrawn) as Offer } : {}) };
  }

  async listQueue(): Promise<QueueEntry[]> {
    const ids = await this.redis.zrange(this.key('q'), '0', '-1');
    if (!ids.length) return [];
    const raws = await this.redis.hmget(this.key('e'), ...ids);
    return raws.filter((r): r is string => r !== null).map(entryOf);
  }

  async offer(consultationId: string, lawyerId: string, expiresAt: number, now: number): Promise<ClaimOutcome<OfferRefusal>> {
    const result = await this.run<string>('offer', consultationId, lawyerId, expiresAt, now);
    return result === 'ok' ? { ok: true } : { ok: false, reason: result as OfferRefusal };
  }

  async accept(consultationId: string, lawyerId: string, now: number): Promise<ClaimOutcome<AcceptRefusal> & { entry?: QueueEntry }> {
    const [status, entry] = await this.run<(string | null)[]>('accept', consultationId, lawyerId, now);
    if (status !== 'ok') return { ok: false, reason: 'no-offer' };
    return { ok: true, ...(entry ? { entry: entryOf(entry) } : {}) };
  }

  async reject(consultationId: string, lawyerId: string, outcome: 'declined' | 'timeout'): Promise<{ ok: boolean; presence?: LawyerPresence }> {
    const [ok, presence] = await this.run<[number, string | null]>('reject', consultationId, lawyerId, outcome);
    return { ok: ok === 1, ...(presence ? { presence: lawyerOf(presence) } : {}) };
  }

  async claim(consultationId: string, lawyerId: string, now: number): Promise<ClaimOutcome<'not-queued' | 'already-offered' | 'no-capacity'> & { entry?: QueueEntry }> {
    const [status, entry] = await this.run<string[]>('claim', consultationId, lawyerId, now);
    if (status !== 'ok') return { ok: false, reason: status as 'not-queued' };
    return { ok: true, entry: entryOf(entry as string) };
  }

  async hold(lawyerId: string, consultationId: string): Promise<void> {
    await this.run('hold', lawyerId, consultationId);
  }

  async release(lawyerId: string, consultationId: string): Promise<void> {
    await this.run('release', lawyerId, consultationId);
  }

  async listOffers(): Promise<Offer[]> {
    return Object.values(await this.redis.hgetall(this.key('o'))).map((o) => JSON.parse(o) as Offer);
  }

  async expiredOffers(now: number): Promise<Offer[]> {
    const ids = await this.redis.zrangebyscore(this.key('ox'), '-inf', String(now));
    if (!ids.length) return [];
    return (await this.redis.hmget(this.key('o'), ...ids)).filter((r): r is string => r !== null).map((o) => JSON.parse(o) as Offer);
  }

  async claimCall(lawyerId: string, consultationId: string, until: number, now: number): Promise<ClaimOutcome<'in-call'> & { holder?: string }> {
    const [outcome, holder] = await this.run<[string, string?]>('claimCall', lawyerId, consultationId, until, now);
    return outcome === 'ok' ? { ok: true } : { ok: false, reason: 'in-call', ...(holder ? { holder } : {}) };
  }

  async endCall(lawyerId: string, consultationId: string): Promise<void> {
    await this.run('endCall', lawyerId, consultationId);
  }

  async lead(role: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.run<number>('lead', role, holder, ttlMs)) === 1;
  }

  async claimAssistantSeat(lawyerId: string, assistantId: string, nodeId: string, max: number, until: number, now: number): Promise<boolean> {
    return (await this.run<number>('claimSeat', lawyerId, assistantId, nodeId, max, until, now)) === 1;
  }

  async releaseAssistantSeat(lawyerId: string, assistantId: string, nodeId: string): Promise<void> {
    await this.redis.hdel(this.key(`as:${lawyerId}`), `${assistantId}|${nodeId}`);
  }

  async renewAssistantSeats(nodeId: string, seats: readonly AssistantSeat[], until: number): Promise<AssistantSeat[]> {
    if (!seats.length) return [];
    const lost = await this.run<string[]>('renewSeats', nodeId, until, ...seats.flatMap((s) => [s.lawyerId, s.assistantId]));
    return Array.from({ length: lost.length / 2 }, (_, i) => ({ lawyerId: lost[2 * i] as string, assistantId: lost[2 * i + 1] as string }));
  }

  async markDevice(lawyerId: string, nodeId: string, connected: boolean, until: number, now: number): Promise<number> {
    return this.run<number>('markDevice', lawyerId, nodeId, connected ? 1 : 0, until, now);
  }

  async renewDevices(nodeId: string, lawyerIds: readonly string[], until: number): Promise<void> {
    if (lawyerIds.length) await this.run('renewDevices', nodeId, until, ...lawyerIds);
  }

  /** Removes every key of this prefix (tests). SCAN walks one server, so on a cluster it goes to each master. */
  async destroy(): Promise<void> {
    for (const server of masters(this.redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await server.scan(cursor, 'MATCH', `${this.tag}:*`, 'COUNT', 500);
        if (keys.length) await server.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  }

  async close(): Promise<void> {
    this.probe.stop();
    await this.redis.quit();
  }
}
