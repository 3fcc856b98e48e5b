import type { CallPort } from '../call-port.ts';
import type { ClaimOutcome } from '../queue-port.ts';
import type { Keyspace } from './keyspace.ts';

/** Each lawyer's one call slot on Redis: a key that expires at `until` (`call-scripts.ts`). */
export class RedisCalls implements CallPort {
  constructor(private readonly ks: Keyspace) {}

  async claimCall(lawyerId: string, consultationId: string, until: number, now: number): Promise<ClaimOutcome<'in-call'> & { holder?: string }> {
    const [outcome, holder] = await this.ks.run<[string, string?]>('claimCall', lawyerId, consultationId, until, now);
    return outcome === 'ok' ? { ok: true } : { ok: false, reason: 'in-call', ...(holder ? { holder } : {}) };
  }

  async endCall(lawyerId: string, consultationId: string): Promise<void> {
    await this.ks.run('endCall', lawyerId, consultationId);
  }
}
