import type { Pool, PoolClient } from 'pg';

interface Job {
  run: (client: PoolClient) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for PostgreSQL: writes submitted while a transaction is in flight ride in the
 * next one, so many sessions' messages cost one COMMIT (one WAL flush), not one each. Each
 * job runs under its own savepoint: one job's error (a unique violation another node won)
 * rolls back that job only. Every promise settles after the COMMIT that covers it.
 */
export class CommitBatcher {
  private queue: Job[] = [];
  private flushing = false;
  commits = 0;
  jobs = 0;
  /** Whether the last transaction reached COMMIT (false after a connection or commit failure). */
  healthy = true;

  constructor(private readonly pool: Pool) {}

  submit<T>(run: (client: PoolClient) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length) await new Promise((r) => setImmediate(r));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: Job[]): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      this.healthy = false;
      for (const job of batch) job.reject(e);
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    let committed = false;
    let discard = false;
    // A connection cut between two statements errors on the client itself, not on a query:
    // without a listener that would be an uncaught exception. The next query then fails.
    const cut = () => {
      discard = true;
    };
    client.on('error', cut);
    try {
      await client.query('BEGIN');
      for (const job of batch) {
        await client.query('SAVEPOINT job');
        try {
          outcomes.push({ ok: true, value: await job.run(client) });
          await client.query('RELEASE SAVEPOINT job');
        } catch (error) {
          outcomes.push({ ok: false, error });
          await client.query('ROLLBACK TO SAVEPOINT job');
        }
      }
      await client.query('COMMIT');
      committed = true;
      this.healthy = true;
      this.commits++;
      this.jobs += batch.length;
    } catch (e) {
      // The connection or the commit failed: nothing of this batch is known to be durable.
      // The callers get the error (the SDK resends with the same ids); the next batch reconnects.
      discard = true;
      this.healthy = false;
      await client.query('ROLLBACK').catch(() => undefined);
      for (const job of batch) job.reject(e);
    } finally {
      client.off('error', cut);
      client.release(discard);
    }
    if (committed) outcomes.forEach((o, i) => (o.ok ? batch[i]?.resolve(o.value) : batch[i]?.reject(o.error)));
  }
}
