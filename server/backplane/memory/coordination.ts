import type { AssistantSeat, CoordinationPort } from '../coordination-port.ts';

/** Roles and assistant seats on the embedded node: leases read against the clock each call is given. */
export class MemoryCoordination implements CoordinationPort {
  private readonly leaders = new Map<string, { holder: string; until: number }>();
  /** lawyerId -> "<assistantId>|<nodeId>" -> seat held until. */
  private readonly seats = new Map<string, Map<string, number>>();

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
}
