import type { ConsultationRecord } from '../port.ts';

/** A consultation as this node last saw it, and the row version it had then. */
export interface Seen {
  record: ConsultationRecord;
  /** Bumped by every transition (never by a message), so it tells whether `record` still holds. */
  version: number;
}

/**
 * The consultations this node worked on lately, as last seen: a chat message is checked
 * against the cached one instead of a read per message. Appends are conditional on the
 * version (append-batch.ts), so a stale entry costs a re-read, never a wrong write.
 * Bounded: past `max`, the entry stored longest ago goes.
 */
export class ConsultationCache {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly max = 10_000) {}

  get(id: string): Seen | undefined {
    return this.seen.get(id);
  }

  /** Keeps the newer of what is cached and `seen`: a slow read must not undo a transition seen since. */
  put(seen: Seen): void {
    const id = seen.record.id;
    const cached = this.seen.get(id);
    if (cached && cached.version > seen.version) return;
    this.seen.delete(id);
    this.seen.set(id, seen);
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value as string);
  }

  forget(id: string): void {
    this.seen.delete(id);
  }
}
