import type { Accepted, ClaimOutcome, ClaimRefusal, Offer, OfferRefusal, QueueEntry, QueuePort, Rejected, Unclaimed } from '../queue-port.ts';
import { arr, type Keyspace } from './keyspace.ts';
import { lawyerOf } from './presence.ts';

const entryOf = (raw: string): QueueEntry => {
  const e = JSON.parse(raw) as QueueEntry;
  return { ...e, declinedBy: arr(e.declinedBy) };
};
const offerOf = (raw: string) => JSON.parse(raw) as Offer;

/** The queue on Redis: every claim is one script of `queue-scripts.ts` over the queue and the lawyers' load together. */
export class RedisQueue implements QueuePort {
  constructor(private readonly ks: Keyspace) {}

  async enqueue(entry: QueueEntry, front = false): Promise<void> {
    await this.ks.run('enqueue', JSON.stringify(entry), front ? '1' : '0', entry.enqueuedAt);
  }

  async dequeue(consultationId: string): Promise<{ entry?: QueueEntry; withdrawn?: Offer }> {
    const [entry, withdrawn] = await this.ks.run<(string | null)[]>('dequeue', consultationId);
    return { ...(entry ? { entry: entryOf(entry) } : {}), ...(withdrawn ? { withdrawn: offerOf(withdrawn) } : {}) };
  }

  async listQueue(): Promise<QueueEntry[]> {
    const ids = await this.ks.redis.zrange(this.ks.key('q'), '0', '-1');
    if (!ids.length) return [];
    const raws = await this.ks.redis.hmget(this.ks.key('e'), ...ids);
    return raws.filter((r): r is string => r !== null).map(entryOf);
  }

  async offer(consultationId: string, lawyerId: string, expiresAt: number, now: number): Promise<ClaimOutcome<OfferRefusal>> {
    const result = await this.ks.run<string>('offer', consultationId, lawyerId, expiresAt, now);
    return result === 'ok' ? { ok: true } : { ok: false, reason: result as OfferRefusal };
  }

  async accept(consultationId: string, lawyerId: string, now: number): Promise<Accepted> {
    const [status, entry, offer] = await this.ks.run<(string | null)[]>('accept', consultationId, lawyerId, now);
    if (status !== 'ok' || !offer) return { ok: false, reason: 'no-offer' };
    return { ok: true, offer: offerOf(offer), ...(entry ? { entry: entryOf(entry) } : {}) };
  }

  async reject(consultationId: string, lawyerId: string, outcome: 'declined' | 'timeout'): Promise<Rejected> {
    const [ok, presence, offer] = await this.ks.run<[number, string | null, string | undefined]>('reject', consultationId, lawyerId, outcome);
    if (ok !== 1 || !offer) return { ok: false };
    return { ok: true, offer: offerOf(offer), ...(presence ? { presence: lawyerOf(presence) } : {}) };
  }

  async claim(consultationId: string, lawyerId: string, now: number): Promise<ClaimOutcome<ClaimRefusal> & { entry?: QueueEntry }> {
    const [status, entry] = await this.ks.run<string[]>('claim', consultationId, lawyerId, now);
    if (status !== 'ok') return { ok: false, reason: status as ClaimRefusal };
    return { ok: true, entry: entryOf(entry as string) };
  }

  async hold(lawyerId: string, consultationId: string): Promise<void> {
    await this.ks.run('hold', lawyerId, consultationId);
  }

  async release(lawyerId: string, consultationId: string): Promise<void> {
    await this.ks.run('release', lawyerId, consultationId);
  }

  async unclaim(entry: QueueEntry): Promise<Unclaimed> {
    const [added, released] = await this.ks.run<[number, string[]]>('unclaim', JSON.stringify(entry), entry.enqueuedAt);
    return { released: arr<string>(released), added: added === 1 };
  }

  async listOffers(): Promise<Offer[]> {
    return Object.values(await this.ks.redis.hgetall(this.ks.key('o'))).map(offerOf);
  }

  async expiredOffers(now: number): Promise<Offer[]> {
    const ids = await this.ks.redis.zrangebyscore(this.ks.key('ox'), '-inf', String(now));
    if (!ids.length) return [];
    return (await this.ks.redis.hmget(this.ks.key('o'), ...ids)).filter((r): r is string => r !== null).map(offerOf);
  }

  async withdrawOffers(lawyerId: string): Promise<Offer[]> {
    return (await this.ks.run<string[]>('withdrawOffers', lawyerId)).map(offerOf);
  }
}
