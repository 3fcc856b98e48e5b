import type { WorkerRpc } from './worker-rpc.ts';
import type { WriteOp, WriteResult } from './writes.ts';

interface Waiting {
  op: WriteOp;
  resolve: (r: WriteResult & { ok: true }) => void;
  reject: (e: Error) => void;
}

/**
 * Group commit: the first write goes to the writer thread at once; writes made while its
 * transaction is under way wait and go together as the next one, so durability costs one
 * fsync per batch, not per write. Every promise resolves after the commit that covers it.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private writing = false;
  private failure: Error | undefined;
  /** The write submitted last: batches commit in order, so once it settles every earlier one has. */
  private last: Promise<unknown> = Promise.resolve();
  commits = 0;
  records = 0;

  constructor(private readonly writer: WorkerRpc) {}

  get healthy(): boolean {
    return this.failure === undefined;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** A failed commit leaves what memory holds ahead of the disk: stop taking writes; a restart recovers. */
  fail(e: Error): void {
    this.failure ??= e;
  }

  submit(op: WriteOp): Promise<WriteResult & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    const written = new Promise<WriteResult & { ok: true }>((resolve, reject) => {
      this.waiting.push({ op, resolve, reject });
      if (!this.writing) void this.flush();
    });
    this.last = written.catch(() => undefined);
    return written;
  }

  /** Settles once every write submitted before it has (durable or failed). */
  settled(): Promise<unknown> {
    return this.last;
  }

  /** Resolves once every write submitted so far has been answered. */
  async drain(): Promise<void> {
    while (this.writing || this.waiting.length) await new Promise((r) => setImmediate(r));
  }

  private async flush(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length && !this.failure) {
        const batch = this.waiting;
        this.waiting = [];
        try {
          const results = await this.writer.ask<WriteResult[]>({ k: 'batch', ops: batch.map((w) => w.op) });
          this.commits++;
          this.records += batch.length;
          batch.forEach((w, i) => {
            const r = results[i] as WriteResult;
            if (r.ok) w.resolve(r);
            else w.reject(new Error(r.error));
          });
        } catch (e) {
          const failure = new Error(`store: unavailable after a failed commit: ${(e as Error).message}`);
          this.fail(failure);
          for (const w of batch) w.reject(failure);
        }
      }
      for (const w of this.waiting.splice(0)) w.reject(this.failure ?? new Error('store: closed'));
    } finally {
      this.writing = false;
    }
  }
}
