import type { CallPort } from '../call-port.ts';
import type { ClaimOutcome } from '../queue-port.ts';

/** Each lawyer's one call slot, on the embedded node. */
export class MemoryCalls implements CallPort {
  /** lawyerId -> the consultation holding their call slot, until when. */
  private readonly calls = new Map<string, { consultationId: string; until: number }>();

  async claimCall(lawyerId: string, consultationId: string, until: number, now: number): Promise<ClaimOutcome<'in-call'> & { holder?: string }> {
    const call = this.calls.get(lawyerId);
    if (call && call.consultationId !== consultationId && call.until > now) return { ok: false, reason: 'in-call', holder: call.consultationId };
    this.calls.set(lawyerId, { consultationId, until });
    return { ok: true };
  }

  async endCall(lawyerId: string, consultationId: string): Promise<void> {
    if (this.calls.get(lawyerId)?.consultationId === consultationId) this.calls.delete(lawyerId);
  }
}
