import { join } from 'node:path';
import { OPEN_STATES, isHeldBy } from '../port.ts';
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
import type { ConsultationState } from '../../../protocol/vocabulary.ts';
import { makePrivateDir } from '../../data-dir.ts';
import type { Logger } from '../../log.ts';
import { linkAudit } from '../audit-chain.ts';
import { RequestIds } from '../request-ids.ts';
import { GroupCommit } from './group-commit.ts';
import { HotCache, type Hot } from './hot-cache.ts';
import { migrateFileStore } from './migrate.ts';
import type { StartState } from './reads.ts';
import { applyPatch, DB_FILE, openDatabase } from './schema.ts';
import { WorkerRpc } from './worker-rpc.ts';

export interface SqliteStoreOptions {
  /** The store's directory in the data dir (`<data dir>/store`): `lawline.db` and, from before, `segments/`. */
  dir: string;
  /**
   * Consultations kept on the main thread (`HotCache`). 10,000 records of ~0.5 KB: ~5 MB, more
   * than a province's consultations in progress at its busiest hour.
   */
  hotConsultations?: number;
  log?: Logger;
}

const OPEN: ReadonlySet<ConsultationState> = new Set(OPEN_STATES);
/**
 * A consultation nobody asked about for 10 minutes leaves the cache (checked every minute): a
 * chat in progress sends far more often, a message consultation (留言) waiting a day for its
 * answer costs one read from disk when it comes, and memory follows what is in use, not what
 * was used since the start.
 */
const IDLE_MS = 10 * 60_000;

/**
 * The embedded store on SQLite. Writes go to a writer thread (one transaction and one fsync
 * per group commit), reads to a reader thread; the main thread keeps only what it decides on
 * with no await between a check and its write: the consultations in use (bounded,
 * `HotCache`), which consultations are open and whose (for the per-citizen cap), a day of
 * request ids, and the audit chain's tail. Message seqs and duplicate detection are the
 * writer's (a unique index), in the order the main thread submitted the writes, so a repeat
 * sent while the first is in flight finds it in the same or the next transaction.
 */
export class SqliteStore implements Store {
  private readonly hot: HotCache;
  private readonly loading = new Map<string, Promise<Hot | undefined>>();
  /** Open consultations (`OPEN_STATES`) and their citizens: a capped create counts these. */
  private readonly open = new Map<string, string>();
  private readonly openOfCitizen = new Map<string, number>();
  private readonly requests = new RequestIds();
  /** Consultations whose create is in flight, until durable: a repeat of its request waits for it. */
  private readonly creating = new Map<string, Promise<unknown>>();
  private auditTail: AuditRecord | undefined;
  /** Every alert's version (alerts are few: thousands a year), for `putAlert`'s compare-and-set. */
  private readonly alertVersions: Map<string, number>;
  private readonly commits: GroupCommit;
  private readonly idleSweep: NodeJS.Timeout;

  private constructor(
    private readonly writer: WorkerRpc,
    private readonly reader: WorkerRpc,
    start: StartState,
    hotConsultations: number,
  ) {
    this.hot = new HotCache(hotConsultations);
    this.commits = new GroupCommit(writer);
    for (const { id, citizenId } of start.open) this.markOpen(id, citizenId, true);
    for (const c of start.requests) this.requests.remember(c);
    this.auditTail = start.auditTail;
    this.alertVersions = new Map(start.alertVersions);
    this.idleSweep = setInterval(() => this.hot.evictIdle(IDLE_MS), 60_000).unref();
  }

  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    makePrivateDir(options.dir);
    const path = join(options.dir, DB_FILE);
    await migrateFileStore(options.dir, path, options.log);
    let failed: (e: Error) => void = () => undefined;
    const onFailure = (e: Error) => failed(e);
    // Made (schema included) here, so the two threads start side by side: each loads the
    // TypeScript loader on its own (~0.5 s on these machines).
    openDatabase(path, 'write').close();
    const [writer, reader] = await Promise.allSettled([
      WorkerRpc.start(new URL('./writer-worker.ts', import.meta.url), { path }, { onFailure }),
      WorkerRpc.start(new URL('./reader-worker.ts', import.meta.url), { path }, { onFailure }),
    ]).then(async (started) => {
      const [w, r] = started;
      if (w.status === 'fulfilled' && r.status === 'fulfilled') return [w.value, r.value] as const;
      for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
      throw (w.status === 'rejected' ? w.reason : (r as PromiseRejectedResult).reason) as Error;
    });
    const start = await reader.ask<StartState>({ k: 'start' });
    const store = new SqliteStore(writer, reader, start, options.hotConsultations ?? 10_000);
    failed = (e) => {
      options.log?.error({ err: e }, 'store: a worker thread failed');
      store.commits.fail(e);
    };
    options.log?.info({ open: start.open.length, requests: start.requests.length, audit: start.auditTail ? start.auditTail.index + 1 : 0 }, 'store: ready');
    return store;
  }

  ready(): boolean {
    return this.commits.healthy;
  }

  stats(): StoreStats {
    return { fsyncs: this.commits.commits, records: this.commits.records, waiting: this.commits.queued };
  }

  async createConsultation(record: ConsultationRecord, options: CreateOptions = {}): Promise<CreateOutcome> {
    if (this.hot.has(record.id)) throw new Error(`store: consultation ${record.id} exists`);
    const first = this.requests.get(record);
    if (first !== undefined) return this.repeated(first, options);
    // Counted and applied with no await between: a create racing this one sees this one. So
    // the decision is final here, before the commit, and told at once.
    const open = this.openOfCitizen.get(record.citizen.id) ?? 0;
    const outcome: CreateOutcome = options.maxOpenPerCitizen !== undefined && open >= options.maxOpenPerCitizen ? { ok: false, reason: 'too-many-open', open } : { ok: true };
    if (!outcome.ok) {
      options.decided?.(outcome);
      return outcome;
    }
    const hot = this.hot.add({ ...record });
    this.requests.remember(record);
    this.markOpen(record.id, record.citizen.id, OPEN.has(record.state));
    const durable = this.hot.pin(hot, this.commits.submit({ k: 'create', c: { ...record } }));
    options.decided?.(outcome);
    this.creating.set(record.id, durable);
    try {
      await durable;
    } catch (e) {
      // Not stored (its id was taken, or the commit failed): forget what memory made of it.
      this.hot.drop(record.id);
      this.markOpen(record.id, record.citizen.id, false);
      throw e;
    } finally {
      this.creating.delete(record.id);
    }
    return outcome;
  }

  /** A request made before: its consultation as it stands once durable (a failed first write fails this too). */
  private async repeated(consultationId: string, options: CreateOptions): Promise<CreateOutcome> {
    const now = async () => {
      const hot = await this.load(consultationId);
      if (!hot) throw new Error(`store: consultation ${consultationId} of a remembered request is missing`);
      return { ...hot.c };
    };
    options.decided?.({ ok: false, reason: 'duplicate', consultation: await now() });
    await this.creating.get(consultationId);
    return { ok: false, reason: 'duplicate', consultation: await now() };
  }

  async transition(id: string, from: readonly ConsultationState[], patch: ConsultationPatch, heldBy?: string): Promise<TransitionResult> {
    const hot = this.hot.get(id) ?? (await this.load(id));
    // From here to the submit, no await: nothing else changes it in between.
    if (!hot) return { ok: false, reason: 'not-found' };
    const current = hot.c;
    if (!from.includes(current.state)) return { ok: false, reason: 'wrong-state', current: { ...current } };
    if (heldBy !== undefined && !isHeldBy(current, heldBy)) return { ok: false, reason: 'not-held', current: { ...current } };
    hot.c = applyPatch(current, patch);
    this.markOpen(id, hot.c.citizen.id, OPEN.has(hot.c.state));
    const after = { ...hot.c };
    await this.hot.pin(hot, this.commits.submit({ k: 'update', c: after }));
    return { ok: true, consultation: after };
  }

  async appendMessage(message: NewMessage): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const hot = this.hot.get(message.consultationId) ?? (await this.load(message.consultationId));
    if (!hot) throw new Error(`store: message for unknown consultation ${message.consultationId}`);
    return this.append(hot, message);
  }

  async appendIfAdmitted(message: NewMessage, admits: (c: ConsultationRecord) => boolean): Promise<AppendOutcome> {
    const hot = this.hot.get(message.consultationId) ?? (await this.load(message.consultationId));
    if (!hot) return { ok: false, reason: 'not-found' };
    // Checked and submitted with no await between: a transition made after this is written after it.
    if (!admits(hot.c)) return { ok: false, reason: 'refused', consultation: { ...hot.c } };
    const stored = await this.append(hot, message);
    return { ok: true, ...stored, consultation: { ...hot.c } };
  }

  private async append(hot: Hot, message: NewMessage): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const r = await this.hot.pin(hot, this.commits.submit({ k: 'append', m: { ...message, from: { ...message.from } } }));
    const stored = r.message as StoredMessage;
    if (stored.seq > hot.c.lastSeq) hot.c = { ...hot.c, lastSeq: stored.seq };
    return { message: stored, duplicate: r.duplicate === true };
  }

  async recordRead(receipt: ReadReceipt): Promise<void> {
    await this.commits.submit({ k: 'read', r: { ...receipt } });
  }

  async getConsultation(id: string): Promise<ConsultationRecord | undefined> {
    const hot = this.hot.get(id) ?? (await this.load(id));
    return hot && { ...hot.c };
  }

  /**
   * Read from disk once the writes made before it are (`GroupCommit.settled`): so it sees what
   * `getConsultation` sees (memory is ahead of the disk by the commit under way), as the file
   * store's answers from memory did — a client told of a transition lists it as it now stands.
   */
  async listConsultations(filter: ConsultationFilter): Promise<ConsultationRecord[]> {
    await this.commits.settled();
    return this.reader.ask({ k: 'list', filter });
  }

  history(consultationId: string, page: { beforeSeq?: number; limit: number }): Promise<HistoryPage> {
    return this.reader.ask({ k: 'history', id: consultationId, page });
  }

  async readReceipts(consultationId: string): Promise<ReadReceipt[]> {
    await this.commits.settled();
    return this.reader.ask({ k: 'readReceipts', id: consultationId });
  }

  async appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    const record = linkAudit(this.auditTail, entry);
    this.auditTail = record;
    await this.commits.submit({ k: 'audit', a: record });
    return record;
  }

  /** The chain's head as this node made it (the one writer of the chain): no read. */
  async auditHead(): Promise<AuditAnchor | undefined> {
    const tail = this.auditTail;
    return tail && { index: tail.index, hash: tail.hash };
  }

  async auditRecord(index: number): Promise<AuditRecord | undefined> {
    await this.commits.settled();
    return this.reader.ask({ k: 'auditRecord', index });
  }

  /** Reads the chain back from disk, so a record edited in the file is caught. */
  verifyAudit(): Promise<{ records: number; firstBroken: number }> {
    return this.reader.ask({ k: 'verifyAudit' });
  }

  async putRoster(day: string, shifts: Shift[]): Promise<void> {
    await this.commits.submit({ k: 'roster', day, shifts });
  }

  async roster(day: string): Promise<Shift[]> {
    await this.commits.settled();
    return this.reader.ask({ k: 'roster', day });
  }

  async appendDutyEvent(event: DutyEvent): Promise<void> {
    await this.commits.submit({ k: 'duty', e: event });
  }

  async dutyEvents(from: number, to: number): Promise<DutyEvent[]> {
    await this.commits.settled();
    return this.reader.ask({ k: 'dutyEvents', from, to });
  }

  async putAlert(alert: AlertRecord): Promise<boolean> {
    // Checked and taken with no await between: of two writers of the same version, one wins.
    if ((this.alertVersions.get(alert.id) ?? 0) !== alert.version - 1) return false;
    this.alertVersions.set(alert.id, alert.version);
    try {
      await this.commits.submit({ k: 'alert', a: structuredClone(alert) });
    } catch (e) {
      if (this.alertVersions.get(alert.id) === alert.version) this.alertVersions.set(alert.id, alert.version - 1);
      throw e;
    }
    return true;
  }

  async getAlert(id: string): Promise<AlertRecord | undefined> {
    await this.commits.settled();
    return this.reader.ask({ k: 'alert', id });
  }

  async listAlerts(filter: AlertFilter): Promise<AlertRecord[]> {
    await this.commits.settled();
    return this.reader.ask({ k: 'alerts', filter });
  }

  async close(): Promise<void> {
    clearInterval(this.idleSweep);
    await this.commits.drain();
    this.commits.fail(new Error('store: closed'));
    await this.reader.stop();
    await this.writer.stop();
  }

  /**
   * A consultation not in the hot cache, read from disk (one read for callers asking at once).
   * Nothing of it is in flight (a write pins it in the cache), so the disk has all of it.
   */
  private load(id: string): Promise<Hot | undefined> {
    let loading = this.loading.get(id);
    if (!loading) {
      loading = this.reader.ask<ConsultationRecord | undefined>({ k: 'consultation', id }).then((c) => this.hot.get(id) ?? (c && this.hot.add(c)));
      this.loading.set(id, loading);
      const done = () => this.loading.delete(id);
      loading.then(done, done);
    }
    return loading;
  }

  private markOpen(id: string, citizenId: string, open: boolean): void {
    if (this.open.has(id) === open) return;
    const n = (this.openOfCitizen.get(citizenId) ?? 0) + (open ? 1 : -1);
    if (open) this.open.set(id, citizenId);
    else this.open.delete(id);
    if (n > 0) this.openOfCitizen.set(citizenId, n);
    else this.openOfCitizen.delete(citizenId);
  }
}

export function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  return SqliteStore.open(options);
}
