import type { ConsultationRecord } from '../port.ts';

export interface Hot {
  c: ConsultationRecord;
  /** Writes of it not yet durable: while any is, it stays (the disk is behind it). */
  pending: number;
  /** When it was last asked for (ms, monotonic). */
  used: number;
}

/**
 * The consultations the node is working with, on the main thread, least recently used first:
 * checks and compare-and-sets run on them with no await between, as the file store's did.
 * Bounded: past `capacity` the least recently used one with no write in flight is dropped, and
 * so is one left idle (`evictIdle`), to be read back from disk when next needed (a write in flight pins it, so the disk is never
 * behind a consultation that is not here).
 */
export class HotCache {
  private readonly entries = new Map<string, Hot>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(id: string): Hot | undefined {
    const hot = this.entries.get(id);
    if (hot) {
      this.entries.delete(id);
      this.entries.set(id, hot);
      hot.used = performance.now();
    }
    return hot;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  add(c: ConsultationRecord): Hot {
    const hot: Hot = { c, pending: 0, used: performance.now() };
    this.entries.set(c.id, hot);
    this.evict();
    return hot;
  }

  drop(id: string): void {
    this.entries.delete(id);
  }

  /** Holds `hot` until `write` settles. */
  pin<T>(hot: Hot, write: Promise<T>): Promise<T> {
    hot.pending++;
    const unpin = () => {
      hot.pending--;
      this.evict();
    };
    write.then(unpin, unpin);
    return write;
  }

  /** Drops those not asked for in `idleMs` (and with no write in flight): least recently used first, so it stops at the first recent one. */
  evictIdle(idleMs: number): void {
    const before = performance.now() - idleMs;
    for (const [id, hot] of this.entries) {
      if (hot.used > before) return;
      if (hot.pending === 0) this.entries.delete(id);
    }
  }

  private evict(): void {
    if (this.entries.size <= this.capacity) return;
    for (const [id, hot] of this.entries) {
      if (hot.pending === 0) this.entries.delete(id);
      if (this.entries.size <= this.capacity) return;
    }
  }
}
