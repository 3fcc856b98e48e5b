import { readdirSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { makePrivateDir, openPrivateFile } from '../../data-dir.ts';
import type { Logger } from '../../log.ts';
import { crc32 } from './crc32.ts';
import { OLD_SEGMENTS_OPEN, SegmentHandles } from './segment-handles.ts';

/** Where a record's payload sits on disk. */
export interface Location {
  segment: number;
  offset: number;
  length: number;
}

export interface RecoveredRecord {
  payload: Buffer;
  location: Location;
}

const HEADER = 8;
const MAX_RECORD = 16 * 1024 * 1024;

interface Pending {
  frame: Buffer;
  resolve: (loc: Location) => void;
  reject: (e: Error) => void;
}

const segmentName = (n: number) => `${String(n).padStart(6, '0')}.seg`;

/**
 * Append-only segment files with group commit. Records appended while a write+fdatasync is
 * in flight ride together in the next one, so durability costs one fsync per batch, not per
 * record, and every promise resolves only after the fsync that covers its record. Frames are
 * `[u32 length][u32 crc32][payload]`; at open, a torn tail of the newest segment is cut off.
 */
export class SegmentLog {
  private pending: Pending[] = [];
  private flushing = false;
  private failure: Error | undefined;
  /** Every file this log has open, the active segment's included: bounded however many segments there are. */
  private readonly handles: SegmentHandles;
  fsyncs = 0;
  records = 0;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private current: { n: number; handle: FileHandle; size: number },
    log: Logger | undefined,
  ) {
    this.handles = new SegmentHandles((n) => join(dir, segmentName(n)), OLD_SEGMENTS_OPEN, log);
    this.handles.activate(current.n, current.handle);
  }

  static async open(dir: string, segmentBytes: number, log?: Logger): Promise<{ log: SegmentLog; recovered: RecoveredRecord[] }> {
    makePrivateDir(dir);
    const numbers = readdirSync(dir)
      .filter((f) => /^\d{6}\.seg$/.test(f))
      .map((f) => Number(f.slice(0, 6)))
      .sort((a, b) => a - b);
    const recovered: RecoveredRecord[] = [];
    let lastSize = 0;
    for (const [i, n] of numbers.entries()) {
      const bytes = readFileSync(join(dir, segmentName(n)));
      const { records, validBytes } = scan(bytes, n);
      // Not push(...records): a full segment holds ~250,000 records, past the engine's argument limit.
      for (const r of records) recovered.push(r);
      if (validBytes < bytes.length) {
        if (i !== numbers.length - 1) {
          throw new Error(`store: segment ${segmentName(n)} is corrupt at byte ${validBytes} and is not the newest one; refusing to start`);
        }
        log?.warn({ segment: n, cut: bytes.length - validBytes }, 'store: cutting a torn tail left by a crash');
        const h = await open(join(dir, segmentName(n)), 'r+');
        await h.truncate(validBytes);
        await h.datasync();
        await h.close();
      }
      lastSize = validBytes;
    }
    const n = numbers.at(-1) ?? 1;
    const handle = numbers.length ? await open(join(dir, segmentName(n)), 'r+') : await openPrivateFile(join(dir, segmentName(n)), 'w+');
    if (!numbers.length) await syncDir(dir);
    return { log: new SegmentLog(dir, segmentBytes, { n, handle, size: numbers.length ? lastSize : 0 }, log), recovered };
  }

  /** Records appended and not yet in a write: they wait for the fsync under way. */
  get waiting(): number {
    return this.pending.length;
  }

  /** False once a write failed (the tail is unknown until a restart recovers it) or after close. */
  get healthy(): boolean {
    return this.failure === undefined;
  }

  append(payload: Uint8Array): Promise<Location> {
    if (this.failure) return Promise.reject(this.failure);
    if (payload.length > MAX_RECORD) return Promise.reject(new Error('store: record too large'));
    const frame = Buffer.allocUnsafe(HEADER + payload.length);
    frame.writeUInt32BE(payload.length, 0);
    frame.writeUInt32BE(crc32(payload), 4);
    frame.set(payload, HEADER);
    return new Promise((resolve, reject) => {
      this.pending.push({ frame, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  read(loc: Location): Promise<Buffer> {
    return this.handles.read(loc.segment, loc.offset, loc.length);
  }

  /** Waits for queued writes and reads in flight, then closes every file. */
  async close(): Promise<void> {
    while (this.flushing || this.pending.length) await new Promise((r) => setImmediate(r));
    this.failure ??= new Error('store: closed');
    await this.handles.close();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length && !this.failure) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.writeBatch(batch);
        } catch (e) {
          // A failed write or fsync leaves the tail unknown: stop taking writes; a restart recovers.
          this.failure = new Error(`store: unavailable after a write failure: ${(e as Error).message}`);
          for (const p of batch) p.reject(this.failure);
        }
      }
      for (const p of this.pending.splice(0)) p.reject(this.failure ?? new Error('store: closed'));
    } finally {
      this.flushing = false;
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const total = batch.reduce((s, p) => s + p.frame.length, 0);
    if (this.current.size > 0 && this.current.size + total > this.segmentBytes) await this.rotate();
    const { handle, n } = this.current;
    let offset = this.current.size;
    const locations = batch.map((p) => {
      const loc = { segment: n, offset: offset + HEADER, length: p.frame.length - HEADER };
      offset += p.frame.length;
      return loc;
    });
    const data = batch.length === 1 ? (batch[0] as Pending).frame : Buffer.concat(batch.map((p) => p.frame), total);
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await handle.write(data, written, data.length - written, this.current.size + written);
      written += bytesWritten;
    }
    await handle.datasync();
    this.fsyncs++;
    this.records += batch.length;
    this.current.size += total;
    batch.forEach((p, i) => p.resolve(locations[i] as Location));
  }

  private async rotate(): Promise<void> {
    const next = this.current.n + 1;
    const handle = await openPrivateFile(join(this.dir, segmentName(next)), 'w+');
    await syncDir(this.dir);
    // The full segment's handle stays open for reads, as the most recently used of the old ones.
    this.handles.activate(next, handle);
    this.current = { n: next, handle, size: 0 };
  }
}

/** Complete, checksum-valid records from the start of a segment, and where they end. */
function scan(bytes: Buffer, segment: number): { records: RecoveredRecord[]; validBytes: number } {
  const records: RecoveredRecord[] = [];
  let pos = 0;
  while (pos + HEADER <= bytes.length) {
    const length = bytes.readUInt32BE(pos);
    const crc = bytes.readUInt32BE(pos + 4);
    if (length > MAX_RECORD || pos + HEADER + length > bytes.length) break;
    const payload = bytes.subarray(pos + HEADER, pos + HEADER + length);
    if (crc32(payload) !== crc) break;
    records.push({ payload, location: { segment, offset: pos + HEADER, length } });
    pos += HEADER + length;
  }
  return { records, validBytes: pos };
}

/** A new segment file must survive a crash too: fsync its directory entry. */
async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
