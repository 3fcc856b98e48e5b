import { OPEN_STATES, type ConsultationRecord } from '../port.ts';

/** A consultation as this node last saw it, and the row version it had then. */
export interface Seen {
  record: ConsultationRecord;
  /** Bumped by every transition (never by a message), so it tells whether `record` still holds. */
  version: number;
}

/**
 * The open consultations this node worked on lately, as last seen: a chat message is checked
 * against the cached one instead of a read per message. Appends are conditional on the
 * version (append-batch.ts), so a stale entry costs a re-read, never a wrong write.
 * An ended one (closed, cancelled: never reopened) is dropped, not kept: it admits no message,
 * so its entry would only cost that re-read, and kept, the cache grew with every consultation
 * the node had seen end until `max` (the soak: ~13,000 a node-hour at 2,000 connections, so
 * ~45 minutes of RSS growth). Bounded too: past `max`, the entry stored longest ago goes.
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
    if (!OPEN_STATES.includes(seen.record.state)) return;
    this.seen.set(id, seen);
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value as string);
  }

  get size(): number {
    return this.seen.size;
  }

  forget(id: string): void {
    this.seen.delete(id);
  }
}
