import { open, type FileHandle } from 'node:fs/promises';
import type { Logger } from '../../log.ts';

/**
 * Older segments kept open for reads, most recently used last. Eight: at the soak's 300 msg/s a
 * 64 MB segment fills in 13-15 minutes (4-5 an hour), so eight hold the last ~2 hours of
 * writes, where the history that clients read back of consultations in progress lies; reads
 * further back (a supervisor's old transcript, `verifyAudit` walking every segment once) pay
 * one open() and close() per segment, tens of microseconds.
 * Eight fds are nothing beside a node's 2,000 sockets, and they stay eight however many
 * segments a year adds.
 */
export const OLD_SEGMENTS_OPEN = 8;

interface Entry {
  handle: Promise<FileHandle>;
  /** Reads in flight on this handle: it is closed only when none is. */
  users: number;
  /** Out of the cache: closed by the last user to finish. */
  evicted: boolean;
  /** The segment being written: never evicted, never counted against the bound. */
  active: boolean;
}

/**
 * The open files of a segment log: the active segment's (handed in by the writer, which keeps
 * writing through it) and at most `capacity` older ones, opened on demand for reads and closed
 * when least recently used. A handle evicted while a read is in flight stays open until that
 * read finishes, so no read ever sees a closed handle.
 */
export class SegmentHandles {
  private readonly entries = new Map<number, Entry>();
  private readonly draining = new Set<Promise<void>>();
  private closed = false;
  private reads = 0;
  private readsDone: (() => void) | undefined;

  constructor(
    private readonly pathOf: (segment: number) => string,
    private readonly capacity: number,
    private readonly log?: Logger,
  ) {}

  /** The writer moved on to `segment`: the previous active one becomes an ordinary, most recent entry. */
  activate(segment: number, handle: FileHandle): void {
    for (const e of this.entries.values()) e.active = false;
    this.entries.set(segment, { handle: Promise.resolve(handle), users: 0, evicted: false, active: true });
    this.evictOverflow();
  }

  async read(segment: number, offset: number, length: number): Promise<Buffer> {
    if (this.closed) throw new Error('store: closed');
    const entry = this.use(segment);
    entry.users++;
    this.reads++;
    try {
      const handle = await entry.handle;
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buf, 0, length, offset);
      if (bytesRead !== length) throw new Error(`store: short read in segment ${segment}`);
      return buf;
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) this.release(segment, entry);
      if (--this.reads === 0) this.readsDone?.();
    }
  }

  /** Closes every file, the active one too, once the reads in flight have finished. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reads > 0) await new Promise<void>((resolve) => (this.readsDone = resolve));
    for (const [segment, entry] of this.entries) {
      this.entries.delete(segment);
      this.release(segment, entry);
    }
    await Promise.all(this.draining);
  }

  /** The entry for `segment`, opened if need be, moved to the most recent end. */
  private use(segment: number): Entry {
    let entry = this.entries.get(segment);
    if (entry) {
      this.entries.delete(segment);
    } else {
      entry = { handle: open(this.pathOf(segment), 'r'), users: 0, evicted: false, active: false };
      const opened = entry;
      // A segment that cannot be opened must not stay cached as a failure: the next read tries again.
      opened.handle.catch(() => {
        if (this.entries.get(segment) === opened) this.entries.delete(segment);
        opened.evicted = true;
      });
    }
    this.entries.set(segment, entry);
    this.evictOverflow();
    return entry;
  }

  private evictOverflow(): void {
    let old = 0;
    for (const e of this.entries.values()) if (!e.active) old++;
    for (const [segment, entry] of this.entries) {
      if (old <= this.capacity) return;
      if (entry.active) continue;
      this.entries.delete(segment);
      entry.evicted = true;
      old--;
      if (entry.users === 0) this.release(segment, entry);
    }
  }

  /** Closes an evicted entry's file; close() waits for it. */
  private release(segment: number, entry: Entry): void {
    const done = entry.handle.then(
      (h) => h.close(),
      // Its open failed, and the read that asked for it was told so: nothing to close.
      () => undefined,
    );
    const logged = done.catch((e: unknown) => this.log?.error({ err: e, segment }, 'store: closing a segment file failed'));
    this.draining.add(logged);
    void logged.finally(() => this.draining.delete(logged));
  }
}
