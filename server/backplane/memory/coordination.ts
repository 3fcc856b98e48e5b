import type { AssistantSeat, CoordinationPort } from '../coordination-port.ts';

/** Roles and assistant seats on the embedded node: leases read against the clock each call is given. */
export class MemoryCoordination implements CoordinationPort {
  private readonly leaders = new Map<string, { holder: string; until: number }>();
  /** lawyerId -> "<assistantId>|<nodeId>" -> seat held until. */
  private readonly seats = new Map<string, Map<string, number>>();
  /** subject -> member -> mentioned at; and when the subject lapses. */
  private readonly mentions = new Map<string, { until: number; members: Map<string, number> }>();
  private mentionCalls = 0;

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

  async mention(subject: string, member: string, at: number, windowMs: number, max: number): Promise<{ count: number; members: string[] }> {
    // Now and then, subjects nobody mentioned within their window go (Redis expires its keys).
    if (++this.mentionCalls % 1000 === 0) {
      for (const [s, m] of this.mentions) if (m.until < at) this.mentions.delete(s);
    }
    let entry = this.mentions.get(subject);
    if (!entry) this.mentions.set(subject, (entry = { until: 0, members: new Map() }));
    entry.members.set(member, at);
    entry.until = at + windowMs;
    for (const [m, when] of entry.members) if (when < at - windowMs) entry.members.delete(m);
    const newest = [...entry.members].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(-max);
    return { count: entry.members.size, members: newest.map(([m]) => m) };
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
