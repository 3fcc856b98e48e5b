import type { Pool, PoolClient } from 'pg';
import { firstBrokenLink, linkAudit } from '../audit-chain.ts';
import type {
  AlertFilter,
  AlertRecord,
  AppendOutcome,
  AuditEntry,
  AuditAnchor,
  AuditRecord,
  ConsultationFilter,
  ConsultationPatch,
  ConsultationRecord,
  CreateOptions,
  CreateOutcome,
  DutyEvent,
  HistoryPage,
  NewMessage,
  ReadReceipt,
  Shift,
  Store,
  StoreStats,
  StoredMessage,
  TransitionResult,
} from '../port.ts';
import { isHeldBy } from '../port.ts';
import { AppendBatch } from './append-batch.ts';
import { CommitBatcher, type JobOptions } from './commit-batcher.ts';
import { ConsultationCache, type Seen } from './consultation-cache.ts';
import { citizenOpensLock, createUnlessMade, insertConsultation } from './create.ts';
import { listQuery } from './list-query.ts';
import { setUp } from './migrations.ts';
import { createPool } from './pool.ts';
import { toRecord, toSeen, type Row } from './rows.ts';
import { DEADLINES, Probe, type DeadlineOptions } from '../../probe.ts';

export interface PgStoreOptions {
  url: string;
  /** Tables live in this schema (created if missing): tests and tenants keep apart. */
  schema?: string;
  poolSize?: number;
  /** Shown in pg_stat_activity: operators (and tests) find this node's connections by it. */
  applicationName?: string;
  /** Errors of idle pooled connections, for the log. */
  onError?: (e: Error) => void;
  /** Deadline of every query, and the readiness probe (defaults: `DEADLINES`). */
  deadline?: DeadlineOptions;
}

const toMessage = (row: Row): StoredMessage => ({
  consultationId: row.consultation_id as string,
  seq: Number(row.seq),
  from: row.sender as StoredMessage['from'],
  clientMsgId: row.client_msg_id as string,
  body: row.body as string,
  at: Number(row.at),
});
const UNIQUE_VIOLATION = '23505';
const DEADLOCK = '40P01';
const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === UNIQUE_VIOLATION;
/** A batch of appends that failed for one of its messages, or for two nodes' writes crossing: worth another go. */
const isClash = (e: unknown) => isUniqueViolation(e) || (e as { code?: string }).code === DEADLOCK;
/** Tries of one append before its error goes to the sender (whose SDK resends). */
const APPEND_TRIES = 5;
const admitsAll = () => true;
/** For writes that need no transaction around them (see JobOptions). */
const standalone: JobOptions = { standalone: true };
/** Audit records chain one after the other, from any node. */
const AUDIT_CHAIN: JobOptions = { locks: ['audit'] };

/**
 * The cluster store: records in PostgreSQL, versioned migrations at start. Every write goes
 * through the commit batcher, so a promise resolves only after its transaction committed
 * (an ack means durable) while concurrent sessions share commits. Compare-and-set is a
 * conditional UPDATE, so several nodes racing on one consultation still see exactly one win.
 */
export class PgStore implements Store {
  private readonly batcher: CommitBatcher;
  private readonly appends: AppendBatch;
  private readonly cache = new ConsultationCache();
  /** Reads of a consultation in flight: concurrent senders share one, and go on in the order they asked. */
  private readonly reading = new Map<string, Promise<Seen | undefined>>();
  /** (consultation, sender, clientMsgId) -> the first write still in flight on this node. */
  private readonly inFlight = new Map<string, Promise<AppendOutcome>>();

  private readonly probe: Probe;

  private constructor(
    private readonly pool: Pool,
    deadline: DeadlineOptions,
  ) {
    this.batcher = new CommitBatcher(pool);
    this.appends = new AppendBatch(this.batcher);
    // Through the commit batcher, as writes go: it answers once a write could be made now, and
    // its success tells the batcher that the database is back after a failed commit.
    this.probe = new Probe('postgresql', deadline, () => this.batcher.submit((c) => c.query('SELECT 1'), standalone));
  }

  static async open(options: PgStoreOptions): Promise<PgStore> {
    const schema = options.schema ?? 'lawline';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`store: bad schema name ${schema}`);
    const deadline = options.deadline ?? DEADLINES.database;
    const connection = { connectionString: options.url, application_name: options.applicationName ?? 'lawline', connectionTimeoutMillis: deadline.timeoutMs };
    await setUp(connection, schema);
    const pool = createPool(connection, schema, deadline.timeoutMs, options.poolSize ?? 8);
    // An idle connection the server cut (restart, pg_terminate_backend) must not crash the node:
    // the pool drops it and the next query opens another.
    pool.on('error', (e) => options.onError?.(e));
    return new PgStore(pool, deadline);
  }

  /** Consultations cached (tests: ended ones are not kept). */
  get cachedConsultations(): number {
    return this.cache.size;
  }

  stats(): StoreStats {
    return { fsyncs: this.batcher.commits, records: this.batcher.records, waiting: this.batcher.waiting };
  }

  ready(): boolean {
    return this.probe.healthy && this.batcher.healthy;
  }

  async createConsultation(record: ConsultationRecord, options: CreateOptions = {}): Promise<CreateOutcome> {
    const max = options.maxOpenPerCitizen;
    let outcome: CreateOutcome;
    if (max === undefined && record.clientRequestId === undefined) {
      options.decided?.({ ok: true });
      outcome = await this.batcher.submit((c) => insertConsultation(c, record).then((): CreateOutcome => ({ ok: true })), standalone);
    } else {
      // Decided only at the commit: a batch rolled back (another job of it failed) runs again
      // after the citizen's lock went, and may count another node's create made meanwhile.
      // Uncapped, the request id's unique index alone decides between two nodes.
      const created = await this.batcher.submit((c) => createUnlessMade(c, record, max), max === undefined ? standalone : { locks: [citizenOpensLock(record)] });
      if (created.ok || created.reason === 'too-many-open') outcome = created;
      else {
        this.cache.put(created.first);
        outcome = { ok: false, reason: 'duplicate', consultation: created.first.record };
      }
      options.decided?.(outcome);
    }
    if (outcome.ok) this.cache.put({ record: { ...record }, version: 0 });
    return outcome;
  }

  async transition(id: string, from: readonly ConsultationRecord['state'][], patch: ConsultationPatch, heldBy?: string): Promise<TransitionResult> {
    const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null && v !== undefined));
    const cleared = Object.entries(patch)
      .filter(([, v]) => v === null)
      .map(([k]) => k);
    const result = await this.batcher.submit(async (c): Promise<{ ok: true; seen: Seen } | { ok: false; reason: 'wrong-state' | 'not-held'; seen: Seen } | { ok: false; reason: 'not-found' }> => {
      const lawyer = 'lawyer' in patch ? (patch.lawyer?.id ?? null) : undefined;
      // The state and the holder (`isHeldBy`: the lawyer_id column) are checked by the UPDATE
      // itself, so a transition racing on another node cannot slip between check and write.
      const updated = await c.query({
        name: 'transition-consultation',
        text: `UPDATE consultations
                  SET state = $3, updated_at = $4, record = (record || $5::jsonb) - $6::text[], version = version + 1,
                      lawyer_id = CASE WHEN $7 THEN $8 ELSE lawyer_id END,
                      category = COALESCE($9, category)
                WHERE id = $1 AND state = ANY($2) AND ($10::text IS NULL OR lawyer_id = $10)
                RETURNING record, last_seq, version`,
        values: [id, from, patch.state, patch.updatedAt, set, cleared, lawyer !== undefined, lawyer, patch.category ?? null, heldBy ?? null],
      });
      if (updated.rowCount) return { ok: true, seen: toSeen(updated.rows[0] as Row) };
      const current = await c.query('SELECT record, last_seq, version FROM consultations WHERE id = $1', [id]);
      if (!current.rowCount) return { ok: false, reason: 'not-found' };
      const seen = toSeen(current.rows[0] as Row);
      const held = heldBy === undefined || isHeldBy(seen.record, heldBy);
      return { ok: false, reason: from.includes(seen.record.state) && !held ? 'not-held' : 'wrong-state', seen };
      // The read after a failed update needs no transaction: it only tells the current state.
    }, { standalone: true, consultations: () => [id] });
    // Cached once committed: a rolled-back transition must not be taken for the current state.
    if (!('seen' in result)) return result;
    this.cache.put(result.seen);
    return result.ok ? { ok: true, consultation: result.seen.record } : { ok: false, reason: result.reason, current: result.seen.record };
  }

  async appendMessage(message: NewMessage): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const r = await this.appendIfAdmitted(message, admitsAll);
    if (!r.ok) throw new Error(`store: message for unknown consultation ${message.consultationId}`);
    return { message: r.message, duplicate: r.duplicate };
  }

  async appendIfAdmitted(message: NewMessage, admits: (c: ConsultationRecord) => boolean): Promise<AppendOutcome> {
    const key = `${message.consultationId}\u0000${message.from.id}\u0000${message.clientMsgId}`;
    const first = this.inFlight.get(key);
    if (first) return first.then((r) => (r.ok ? { ...r, duplicate: true } : r));
    const write = this.append(message, admits);
    this.inFlight.set(key, write);
    try {
      return await write;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /**
   * Checks the sender against the consultation as cached, and writes on condition that it is
   * still that version; a refusal by a cached consultation, or a write that finds it changed,
   * is judged again on a fresh read.
   */
  private async append(message: NewMessage, admits: (c: ConsultationRecord) => boolean): Promise<AppendOutcome> {
    const id = message.consultationId;
    for (let tries = 1; ; tries++) {
      const cached = this.cache.get(id);
      const seen = cached ?? (await this.read(id));
      if (!seen) return { ok: false, reason: 'not-found' };
      if (!admits(seen.record)) {
        if (!cached) return { ok: false, reason: 'refused', consultation: seen.record };
        this.cache.forget(id);
        continue;
      }
      let r;
      try {
        r = await this.appends.append(message, seen.version);
      } catch (e) {
        if (!isClash(e)) throw e;
        // Another node stored this very message at the same moment: theirs is the first.
        const theirs = await this.findByClientId(this.pool, message);
        if (theirs) return { ok: true, message: theirs, duplicate: true, consultation: seen.record };
        if (tries >= APPEND_TRIES) throw e;
        continue;
      }
      if (r.k === 'stored') return { ok: true, message: r.message, duplicate: r.duplicate, consultation: { ...seen.record, lastSeq: r.lastSeq } };
      this.cache.forget(id);
      if (r.k === 'not-found') return { ok: false, reason: 'not-found' };
      if (tries >= APPEND_TRIES) throw new Error(`store: consultation ${id} kept changing under message ${message.clientMsgId}`);
    }
  }

  /** The consultation and its version for senders: concurrent ones share a read. */
  private read(id: string): Promise<Seen | undefined> {
    let reading = this.reading.get(id);
    if (!reading) {
      reading = this.query(id).finally(() => this.reading.delete(id));
      this.reading.set(id, reading);
    }
    return reading;
  }

  /** The consultation and its version, fresh from the database, into the cache. */
  private async query(id: string): Promise<Seen | undefined> {
    const r = await this.pool.query({ name: 'read-consultation', text: 'SELECT record, last_seq, version FROM consultations WHERE id = $1', values: [id] });
    const seen = r.rowCount ? toSeen(r.rows[0] as Row) : undefined;
    if (seen) this.cache.put(seen);
    return seen;
  }

  async recordRead(receipt: ReadReceipt): Promise<void> {
    await this.batcher.submit((c) =>
      c.query(
        `INSERT INTO read_receipts (consultation_id, user_id, up_to_seq, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (consultation_id, user_id) DO UPDATE SET up_to_seq = EXCLUDED.up_to_seq, at = EXCLUDED.at
         WHERE read_receipts.up_to_seq <= EXCLUDED.up_to_seq`,
        [receipt.consultationId, receipt.userId, receipt.upToSeq, receipt.at],
      ),
      { standalone: true, consultations: () => [receipt.consultationId] },
    );
  }

  async getConsultation(id: string): Promise<ConsultationRecord | undefined> {
    // Not a read already in flight: that one may have started before this caller's own write.
    return (await this.query(id))?.record;
  }

  async listConsultations(filter: ConsultationFilter): Promise<ConsultationRecord[]> {
    const r = await this.pool.query(listQuery(filter));
    return r.rows.map((row) => toRecord(row as Row));
  }

  async history(consultationId: string, page: { beforeSeq?: number; limit: number }): Promise<HistoryPage> {
    const r = await this.pool.query(
      `SELECT * FROM messages WHERE consultation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
      [consultationId, page.beforeSeq ?? 2 ** 31 - 1, page.limit + 1],
    );
    const rows = r.rows.map((row) => toMessage(row as Row));
    return { messages: rows.slice(0, page.limit).reverse(), hasMore: rows.length > page.limit };
  }

  async readReceipts(consultationId: string): Promise<ReadReceipt[]> {
    const r = await this.pool.query('SELECT * FROM read_receipts WHERE consultation_id = $1', [consultationId]);
    return r.rows.map((row: Row) => ({ consultationId, userId: row.user_id as string, upToSeq: Number(row.up_to_seq), at: Number(row.at) }));
  }

  async appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    // Two nodes appending at once chain one after the other: the batch takes the chain's lock
    // before any job runs, in a statement of its own, so that the tail is read after the other's
    // commit. (Locking the tail row instead lets both read the same tail: the second then
    // re-checks that row, not which row is last now, and collides on the next index.)
    return this.batcher.submit(async (c) => {
      const tail = await c.query('SELECT idx, hash FROM audit ORDER BY idx DESC LIMIT 1');
      const prev = tail.rowCount ? { index: Number((tail.rows[0] as Row).idx), hash: (tail.rows[0] as Row).hash as string } : undefined;
      const record = linkAudit(prev, entry);
      await c.query('INSERT INTO audit (idx, hash, prev_hash, record) VALUES ($1, $2, $3, $4)', [record.index, record.hash, record.prevHash, record]);
      return record;
    }, AUDIT_CHAIN);
  }

  async auditHead(): Promise<AuditAnchor | undefined> {
    const r = await this.pool.query('SELECT idx, hash FROM audit ORDER BY idx DESC LIMIT 1');
    const row = r.rows[0] as Row | undefined;
    return row && { index: Number(row.idx), hash: row.hash as string };
  }

  async auditRecord(index: number): Promise<AuditRecord | undefined> {
    const r = await this.pool.query('SELECT record FROM audit WHERE idx = $1', [index]);
    return (r.rows[0] as Row | undefined)?.record as AuditRecord | undefined;
  }

  async verifyAudit(): Promise<{ records: number; firstBroken: number }> {
    const r = await this.pool.query('SELECT record FROM audit ORDER BY idx');
    const records = r.rows.map((row: Row) => row.record as AuditRecord);
    return { records: records.length, firstBroken: firstBrokenLink(records) };
  }

  async putRoster(day: string, shifts: Shift[]): Promise<void> {
    // The day's lock puts two nodes' rosters for one day one after the other from the start of
    // their batches, so neither can hold the row while waiting for a consultation (commit-batcher.ts).
    await this.batcher.submit((c) => c.query('INSERT INTO rosters (day, shifts) VALUES ($1, $2) ON CONFLICT (day) DO UPDATE SET shifts = EXCLUDED.shifts', [day, JSON.stringify(shifts)]), { locks: [`roster.${day}`] });
  }

  async roster(day: string): Promise<Shift[]> {
    const r = await this.pool.query('SELECT shifts FROM rosters WHERE day = $1', [day]);
    return r.rowCount ? ((r.rows[0] as Row).shifts as Shift[]) : [];
  }

  async appendDutyEvent(event: DutyEvent): Promise<void> {
    await this.batcher.submit((c) => c.query('INSERT INTO duty_events (lawyer_id, at, event) VALUES ($1, $2, $3)', [event.lawyerId, event.at, event]), standalone);
  }

  async dutyEvents(from: number, to: number): Promise<DutyEvent[]> {
    const r = await this.pool.query('SELECT event FROM duty_events WHERE at >= $1 AND at < $2 ORDER BY at, id', [from, to]);
    return r.rows.map((row: Row) => row.event as DutyEvent);
  }

  async putAlert(alert: AlertRecord): Promise<boolean> {
    const values = [alert.id, alert.version, alert.state, alert.createdAt, alert];
    // Version 1 inserts (a second insert of the id finds the row and writes nothing); a later one
    // updates only the row at the version before it: one statement each, atomic on any node.
    const r = await this.batcher.submit((c) =>
      alert.version === 1
        ? c.query('INSERT INTO alerts (id, version, state, created_at, record) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING', values)
        : c.query('UPDATE alerts SET version = $2, state = $3, created_at = $4, record = $5 WHERE id = $1 AND version = $2 - 1', values),
      // The alert's lock, taken before any job of the batch runs, keeps its row out of a
      // deadlock with another node's batch that locks consultations in another order.
      { locks: [`alert.${alert.id}`] },
    );
    return r.rowCount === 1;
  }

  async getAlert(id: string): Promise<AlertRecord | undefined> {
    const r = await this.pool.query('SELECT record FROM alerts WHERE id = $1', [id]);
    return r.rowCount ? ((r.rows[0] as Row).record as AlertRecord) : undefined;
  }

  async listAlerts(filter: AlertFilter): Promise<AlertRecord[]> {
    const states = filter.states ? [...filter.states] : null;
    const r = await this.pool.query(
      'SELECT record FROM alerts WHERE ($1::text[] IS NULL OR state = ANY($1)) ORDER BY created_at DESC, id DESC LIMIT $2',
      [states, filter.limit ?? null],
    );
    return r.rows.map((row: Row) => row.record as AlertRecord);
  }

  async close(): Promise<void> {
    this.probe.stop();
    await this.batcher.drain();
    await this.pool.end();
  }

  private async findByClientId(c: PoolClient | Pool, m: NewMessage): Promise<StoredMessage | undefined> {
    const r = await c.query('SELECT * FROM messages WHERE consultation_id = $1 AND from_id = $2 AND client_msg_id = $3', [m.consultationId, m.from.id, m.clientMsgId]);
    return r.rowCount ? toMessage(r.rows[0] as Row) : undefined;
  }
}

export function openPgStore(options: PgStoreOptions): Promise<PgStore> {
  return PgStore.open(options);
}
