import type { AssistantSeat, CoordinationPort } from '../coordination-port.ts';
import type { Keyspace } from './keyspace.ts';

/** Roles and assistant seats on Redis (`coordination-scripts.ts`): a role lapses by its key's own expiry, on Redis's clock. */
export class RedisCoordination implements CoordinationPort {
  constructor(private readonly ks: Keyspace) {}

  async lead(role: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.ks.run<number>('lead', role, holder, ttlMs)) === 1;
  }

  async claimAssistantSeat(lawyerId: string, assistantId: string, nodeId: string, max: number, until: number, now: number): Promise<boolean> {
    return (await this.ks.run<number>('claimSeat', lawyerId, assistantId, nodeId, max, until, now)) === 1;
  }

  async releaseAssistantSeat(lawyerId: string, assistantId: string, nodeId: string): Promise<void> {
    await this.ks.redis.hdel(this.ks.key(`as:${lawyerId}`), `${assistantId}|${nodeId}`);
  }

  async mention(subject: string, member: string, at: number, windowMs: number, max: number): Promise<{ count: number; members: string[] }> {
    const [count, members] = await this.ks.run<[number, string[]]>('mention', subject, member, at, windowMs, max);
    return { count, members };
  }

  async renewAssistantSeats(nodeId: string, seats: readonly AssistantSeat[], until: number): Promise<AssistantSeat[]> {
    if (!seats.length) return [];
    const lost = await this.ks.run<string[]>('renewSeats', nodeId, until, ...seats.flatMap((s) => [s.lawyerId, s.assistantId]));
    return Array.from({ length: lost.length / 2 }, (_, i) => ({ lawyerId: lost[2 * i] as string, assistantId: lost[2 * i + 1] as string }));
  }
}
