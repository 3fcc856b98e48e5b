import { REQUEST_ID_MEMORY_MS, type ConsultationRecord } from './port.ts';

/**
 * (citizen, clientRequestId) -> the consultation that request made, for `REQUEST_ID_MEMORY_MS`
 * of create times: each create forgets the ids of creates a day older than itself. Creates come
 * in time order (one node's clock, and the order of the log at start), so the oldest are first
 * in the map and forgetting stops at the first one young enough. So it holds one day of requests,
 * whatever has been stored over the years (the consultations themselves are in `Indexes`).
 */
export class RequestIds {
  private readonly byRequest = new Map<string, { consultationId: string; at: number }>();

  /** The consultation made by this citizen's request id, if remembered. */
  get(c: Pick<ConsultationRecord, 'citizen' | 'clientRequestId'>): string | undefined {
    return c.clientRequestId === undefined ? undefined : this.byRequest.get(key(c.citizen.id, c.clientRequestId))?.consultationId;
  }

  /** A consultation was made: remember its request id, forget those a day older. */
  remember(c: ConsultationRecord): void {
    for (const [k, entry] of this.byRequest) {
      if (entry.at > c.createdAt - REQUEST_ID_MEMORY_MS) break;
      this.byRequest.delete(k);
    }
    if (c.clientRequestId !== undefined) this.byRequest.set(key(c.citizen.id, c.clientRequestId), { consultationId: c.id, at: c.createdAt });
  }

  get size(): number {
    return this.byRequest.size;
  }
}

const key = (citizenId: string, clientRequestId: string) => `${citizenId}\u0000${clientRequestId}`;
