import pg, { type Pool, type PoolClient } from 'pg';

interface Job {
  run: (client: PoolClient) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
  records: () => number;
  standalone: boolean;
  locks: readonly string[];
  consultations: (() => readonly string[]) | undefined;
}

export interface JobOptions {
  /** How many records the job wrote once it ran (for the stats), if not one. */
  records?: () => number;
  /**
   * The job needs no transaction around it (one statement, or statements that each stand
   * alone): alone in a batch it runs without BEGIN and COMMIT, one round trip instead of
   * three, and alone is what most of a quiet node's batches are.
   */
  standalone?: boolean;
  /**
   * Advisory locks the job needs held to the commit (names within the schema), for jobs that
   * must not run beside another of the same name on any node: the batch takes every job's
   * before any job runs (see `LOCK_ALL`). A job with locks is never standalone.
   */
  locks?: readonly string[];
  /**
   * The consultations whose rows the job locks, or rows under which (their messages, their
   * read receipts) it writes, by id; asked when the batch starts. A job locking several takes
   * them in id order, in its first statement that waits for a lock. In a batch with another
   * such job, the batch locks them all first (see `LOCK_CONSULTATIONS`).
   */
  consultations?: () => readonly string[];
}

const one = () => 1;

/**
 * Takes a batch's advisory locks, each name once, in one order on every node: by key, sorted
 * in a subquery (which the planner keeps below the call, so the calls follow its order).
 * Taken job by job, two nodes' batches could take two names in opposite orders and deadlock,
 * and PostgreSQL would fail one of them after deadlock_timeout (1 s). Taken here, first: a
 * transaction waits for these only while holding none but smaller ones of them, and no
 * transaction waits for one of them after the start of its batch, so no wait for one can close
 * a cycle. Keys as the jobs took them before, so nodes of both versions exclude each other.
 * A lock not had by the deadline fails the batch: each of its jobs waited for it.
 */
const LOCK_ALL = `SELECT pg_advisory_xact_lock(key)
                    FROM (SELECT DISTINCT hashtext(current_schema() || '.' || name) AS key FROM unnest($1::text[]) AS name ORDER BY key) AS keys`;

/**
 * Locks a batch's consultation rows, each once, in id order, after its advisory locks
 * (`LOCK_ALL`). That makes one order for every lock a transaction may wait for while holding
 * another: advisory keys, then consultations by id, the order a chat batch takes its own in
 * (append-batch.ts: the same lateral shape over the same sort). A transaction waits for these
 * only while holding none but smaller ones: here, or in the one job of its batch that names
 * consultations (a state change locks one, a chat batch its own in id order). Any other row a
 * batch writes is new (a consultation, an audit record, a duty event); or only ever locked by
 * transactions that hold its guard from their start (a message: its consultation; a roster:
 * its advisory lock), so none waits for another on it; or a read receipt, whose holder either
 * holds its consultation too (a batch with another consultation job) or waits for nothing
 * more once it has it (alone, or the only consultation job of its batch). So no wait closes a
 * cycle, and PostgreSQL never fails one of these transactions for a deadlock, as it did after
 * deadlock_timeout (1 s) when state changes locked their rows in the order of their jobs.
 */
export const LOCK_CONSULTATIONS = `SELECT 1 FROM (SELECT DISTINCT id FROM unnest($1::text[]) AS id ORDER BY 1) AS ids
                              CROSS JOIN LATERAL (SELECT 1 FROM consultations c WHERE c.id = ids.id FOR UPDATE) AS c`;

/**
 * Group commit for PostgreSQL: writes submitted while a transaction is in flight ride in the
 * next one, so many sessions' messages cost one COMMIT (one WAL flush), not one each. A batch
 * takes its jobs' advisory locks first (`LOCK_ALL`), then, if more than one job names
 * consultations, their rows (`LOCK_CONSULTATIONS`), then runs its jobs, first as plain
 * statements (a round trip per job); if any job fails (a unique violation another node won)
 * the transaction is rolled back and the batch runs again with a savepoint per job, so that
 * job's error rolls back that job only. Jobs are database work alone, so
 * running one twice is safe. Every promise settles after the COMMIT that covers it.
 *
 * A job's error is its own only if the server sent it (a unique violation, a statement
 * timeout): the connection is then in step and the transaction can be rolled back. A query
 * that got no answer within its deadline, or a broken connection, fails the whole batch and
 * the connection is dropped, not rolled back: a ROLLBACK would queue behind the unanswered
 * statement for another deadline, and a closed connection rolls back whatever did not commit.
 * Such a batch may have committed all the same (its COMMIT's answer was what got lost): no
 * job of it resolves, so nothing is acked, and a resend of a chat message with the same
 * clientMsgId finds the message stored then (append-batch.ts reads it back by client id).
 */
export class CommitBatcher {
  private queue: Job[] = [];
  private flushing = false;
  commits = 0;
  records = 0;
  /** Whether the last transaction reached COMMIT (false after a connection or commit failure). */
  healthy = true;

  constructor(private readonly pool: Pool) {}

  /** Jobs submitted and not yet in a transaction: they wait for the one under way. */
  get waiting(): number {
    return this.queue.length;
  }

  submit<T>(run: (client: PoolClient) => Promise<T>, options: JobOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const locks = options.locks ?? [];
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject, records: options.records ?? one, standalone: (options.standalone ?? false) && locks.length === 0, locks, consultations: options.consultations });
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
    // Most batches have no failing job: no savepoints, a third of the round trips.
    if (await this.attempt(batch, false)) return;
    await this.attempt(batch, true);
  }

  /** One transaction over the batch; false (rolled back, nothing settled) if a job failed without savepoints. */
  private async attempt(batch: Job[], savepoints: boolean): Promise<boolean> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      this.healthy = false;
      for (const job of batch) job.reject(e);
      return true;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    // A connection cut between two statements errors on the client itself, not on a query:
    // without a listener that would be an uncaught exception. The next query then fails.
    let cutOff = false;
    const cut = () => {
      cutOff = true;
    };
    client.on('error', cut);
    let failure: { error: unknown; byJob: boolean } | undefined;
    const inTransaction = !(batch.length === 1 && batch[0]?.standalone);
    try {
      if (inTransaction) await client.query('BEGIN');
      const locks = batch.flatMap((job) => job.locks);
      if (locks.length) await client.query({ name: 'lock-all', text: LOCK_ALL, values: [locks] });
      // One job locks its consultations in order itself: a chat-only batch stays one statement.
      const touching = batch.filter((job) => job.consultations);
      if (touching.length > 1) await client.query({ name: 'lock-consultations', text: LOCK_CONSULTATIONS, values: [touching.flatMap((job) => job.consultations?.() ?? [])] });
      for (const job of batch) {
        if (savepoints) await client.query('SAVEPOINT job');
        let value: unknown;
        try {
          value = await job.run(client);
        } catch (error) {
          if (!(error instanceof pg.DatabaseError)) throw error;
          if (!savepoints) throw Object.assign(new JobFailed(), { cause: error });
          outcomes.push({ ok: false, error });
          await client.query('ROLLBACK TO SAVEPOINT job');
          continue;
        }
        outcomes.push({ ok: true, value });
        if (savepoints) await client.query('RELEASE SAVEPOINT job');
      }
      if (inTransaction) await client.query('COMMIT');
    } catch (e) {
      failure = e instanceof JobFailed ? { error: e.cause, byJob: true } : { error: e, byJob: false };
      if (failure.byJob && inTransaction && !(await client.query('ROLLBACK').then(() => true, () => false))) failure.byJob = false;
    } finally {
      client.off('error', cut);
    }
    const broken = cutOff || (failure !== undefined && !failure.byJob);
    client.release(broken);
    if (failure?.byJob && !broken) {
      // Alone in its batch, the job's error is simply its answer.
      if (batch.length > 1) return false;
      batch[0]?.reject(failure.error);
      return true;
    }
    if (failure) {
      // The connection or the commit failed: nothing of this batch is known to be durable.
      // The callers get the error (the SDK resends with the same ids); the next batch reconnects.
      this.healthy = false;
      for (const job of batch) job.reject(failure.error);
      return true;
    }
    this.healthy = true;
    this.commits++;
    batch.forEach((job, i) => (this.records += outcomes[i]?.ok ? job.records() : 0));
    outcomes.forEach((o, i) => (o.ok ? batch[i]?.resolve(o.value) : batch[i]?.reject(o.error)));
    return true;
  }
}

/** A job's own error in a batch run without savepoints: the batch is run again with them. */
class JobFailed extends Error {}
