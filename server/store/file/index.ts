import { join } from 'node:path';
import type { ConsultationState } from '../../../protocol/vocabulary.ts';
import type { Logger } from '../../log.ts';
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
import { isHeldBy, newestFirst } from '../port.ts';
import { firstBrokenLink, linkAudit } from '../audit-chain.ts';
import { Indexes } from './indexes.ts';
import { decodeRecord, encodeRecord, type LogRecord } from './records.ts';
import { SegmentLog, type Location } from './segment-log.ts';

export interface FileStoreOptions {
  dir: string;
  segmentBytes?: number;
  log?: Logger;
}

const CLOSED: ReadonlySet<ConsultationState> = new Set(['closed', 'cancelled']);

/**
 * The embedded store. Every mutation is checked and applied to the in-memory indexes
 * synchronously (so two concurrent callers cannot both win a compare-and-set), then appended
 * to the segment log; the promise resolves after the group fsync that covers it.
 */
export class FileStore implements Store {
  /**
   * consultationId -> (senderId, clientMsgId) -> the first write: its promise while in flight,
   * then just its seq (the message itself is on disk; retries are rare). Open consultations only.
   */
  private readonly dedup = new Map<string, Map<string, Promise<StoredMessage> | number>>();
  /** Consultations whose create is in flight, until durable: a repeat of its request waits for it. */
  private readonly creating = new Map<string, Promise<void>>();

  private constructor(
    private readonly log: SegmentLog,
    private readonly ix: Indexes,
  ) {}

  static async open(options: FileStoreOptions): Promise<FileStore> {
    const { log, recovered } = await SegmentLog.open(join(options.dir, 'segments'), options.segmentBytes ?? 64 * 1024 * 1024, options.log);
    const ix = new Indexes();
    const store = new FileStore(log, ix);
    for (const { payload, location } of recovered) {
      const record = decodeRecord(payload);
      ix.apply(record, location);
      if (record.k === 'message') store.rememberForDedup(record.m, record.m.seq);
    }
    for (const id of ix.consultations.keys()) if (!ix.open.has(id)) store.forgetDedup(id);
    options.log?.info({ records: recovered.length, consultations: ix.consultations.size }, 'store: recovered');
    return store;
  }

  ready(): boolean {
    return this.log.healthy;
  }

  stats(): StoreStats {
    return { fsyncs: this.log.fsyncs, records: this.log.records, waiting: this.log.waiting };
  }

  async createConsultation(record: ConsultationRecord, options: CreateOptions = {}): Promise<CreateOutcome> {
    if (this.ix.consultations.has(record.id)) throw new Error(`store: consultation ${record.id} exists`);
    const first = this.ix.requests.get(record);
    if (first !== undefined) return this.repeated(first, options);
    // Counted and written with no await between: a create racing this one sees this one's
    // record. So the decision is final here, before the fsync, and told at once.
    const open = options.maxOpenPerCitizen === undefined ? 0 : this.ix.openOf(record.citizen.id);
    const outcome: CreateOutcome = options.maxOpenPerCitizen !== undefined && open >= options.maxOpenPerCitizen ? { ok: false, reason: 'too-many-open', open } : { ok: true };
    const durable = outcome.ok ? this.write({ k: 'consultation', c: { ...record } }) : undefined;
    options.decided?.(outcome);
    if (durable) {
      this.creating.set(record.id, durable);
      await durable.finally(() => this.creating.delete(record.id));
    }
    return outcome;
  }

  /** A request made before: its consultation as it stands once durable (a failed first write fails this too). */
  private async repeated(consultationId: string, options: CreateOptions): Promise<CreateOutcome> {
    const now = () => ({ ...(this.ix.consultations.get(consultationId) as ConsultationRecord) });
    options.decided?.({ ok: false, reason: 'duplicate', consultation: now() });
    await this.creating.get(consultationId);
    return { ok: false, reason: 'duplicate', consultation: now() };
  }

  async transition(id: string, from: readonly ConsultationState[], patch: ConsultationPatch, heldBy?: string): Promise<TransitionResult> {
    // Checked and applied with no await between: nothing else writes in between (see the class comment).
    const current = this.ix.consultations.get(id);
    if (!current) return { ok: false, reason: 'not-found' };
    if (!from.includes(current.state)) return { ok: false, reason: 'wrong-state', current: { ...current } };
    if (heldBy !== undefined && !isHeldBy(current, heldBy)) return { ok: false, reason: 'not-held', current: { ...current } };
    const done = this.write({ k: 'transition', id, patch: { ...patch } });
    const after = { ...(this.ix.consultations.get(id) as ConsultationRecord) };
    if (CLOSED.has(patch.state)) this.forgetDedup(id);
    await done;
    return { ok: true, consultation: after };
  }

  async appendIfAdmitted(message: NewMessage, admits: (c: ConsultationRecord) => boolean): Promise<AppendOutcome> {
    // One process owns the index: nothing can change the consultation between this check and the write.
    const c = this.ix.consultations.get(message.consultationId);
    if (!c) return { ok: false, reason: 'not-found' };
    if (!admits(c)) return { ok: false, reason: 'refused', consultation: { ...c } };
    const stored = await this.appendMessage(message);
    return { ok: true, ...stored, consultation: { ...(this.ix.consultations.get(c.id) ?? c) } };
  }

  async appendMessage(message: NewMessage): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const key = dedupKey(message.from.id, message.clientMsgId);
    const first = this.dedup.get(message.consultationId)?.get(key);
    if (first !== undefined) return { message: typeof first === 'number' ? await this.message(message.consultationId, first) : await first, duplicate: true };
    const c = this.ix.consultations.get(message.consultationId);
    if (!c) throw new Error(`store: message for unknown consultation ${message.consultationId}`);
    const stored: StoredMessage = { ...message, seq: c.lastSeq + 1 };
    const durable = this.write({ k: 'message', m: stored }).then(() => stored);
    this.rememberForDedup(stored, durable);
    durable.then(
      () => this.dedup.get(message.consultationId)?.set(key, stored.seq),
      // A failed write must not poison retries: the next attempt with the same id writes afresh.
      () => this.dedup.get(message.consultationId)?.delete(key),
    );
    return { message: await durable, duplicate: false };
  }

  async recordRead(receipt: ReadReceipt): Promise<void> {
    await this.write({ k: 'read', r: { ...receipt } });
  }

  async getConsultation(id: string): Promise<ConsultationRecord | undefined> {
    const c = this.ix.consultations.get(id);
    return c && { ...c };
  }

  async listConsultations(filter: ConsultationFilter): Promise<ConsultationRecord[]> {
    return this.ix.filter(filter);
  }

  async history(consultationId: string, page: { beforeSeq?: number; limit: number }): Promise<HistoryPage> {
    const located = this.ix.located.get(consultationId);
    if (!located) return { messages: [], hasMore: false };
    // Walk back from the newest durable message before `beforeSeq`.
    let end = Math.min(page.beforeSeq !== undefined ? page.beforeSeq - 1 : located.size, located.size);
    while (end > 0 && located.get(end - 1) === undefined) end--;
    const start = Math.max(0, end - page.limit);
    const messages: StoredMessage[] = [];
    for (let i = start; i < end; i++) {
      const loc = located.get(i);
      if (!loc) continue;
      const record = decodeRecord(await this.log.read(loc));
      if (record.k === 'message') messages.push(record.m);
    }
    return { messages, hasMore: start > 0 };
  }

  async readReceipts(consultationId: string): Promise<ReadReceipt[]> {
    return [...(this.ix.reads.get(consultationId)?.values() ?? [])];
  }

  async appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    const record = linkAudit(this.ix.auditTail, entry);
    await this.write({ k: 'audit', a: record });
    return record;
  }

  async auditHead(): Promise<AuditAnchor | undefined> {
    const tail = this.ix.auditTail;
    return tail && { index: tail.index, hash: tail.hash };
  }

  async auditRecord(index: number): Promise<AuditRecord | undefined> {
    const loc = this.ix.audit[index];
    return loc && this.readAudit(loc);
  }

  /** Reads the chain back from disk, so a record edited in a segment file is caught. */
  async verifyAudit(): Promise<{ records: number; firstBroken: number }> {
    const records: AuditRecord[] = [];
    for (const loc of this.ix.audit) records.push(await this.readAudit(loc));
    return { records: records.length, firstBroken: firstBrokenLink(records) };
  }

  private async readAudit(loc: Location): Promise<AuditRecord> {
    const r = decodeRecord(await this.log.read(loc));
    if (r.k !== 'audit') throw new Error('store: audit index points at a non-audit record');
    return r.a;
  }

  async putRoster(day: string, shifts: Shift[]): Promise<void> {
    await this.write({ k: 'roster', day, shifts: shifts.map((s) => ({ ...s, categories: [...s.categories] })) });
  }

  async roster(day: string): Promise<Shift[]> {
    return (this.ix.rosters.get(day) ?? []).map((s) => ({ ...s, categories: [...s.categories] }));
  }

  async appendDutyEvent(event: DutyEvent): Promise<void> {
    await this.write({ k: 'duty', e: { ...event, categories: [...event.categories] } });
  }

  async dutyEvents(from: number, to: number): Promise<DutyEvent[]> {
    // Appended in time order by one node's clock: find the start by bisection.
    const events = this.ix.duty;
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((events[mid] as DutyEvent).at < from) lo = mid + 1;
      else hi = mid;
    }
    const out: DutyEvent[] = [];
    for (let i = lo; i < events.length && (events[i] as DutyEvent).at < to; i++) out.push({ ...(events[i] as DutyEvent) });
    return out;
  }

  async putAlert(alert: AlertRecord): Promise<boolean> {
    // Checked and written with no await between (see the class comment).
    if ((this.ix.alerts.get(alert.id)?.version ?? 0) !== alert.version - 1) return false;
    await this.write({ k: 'alert', a: structuredClone(alert) });
    return true;
  }

  async getAlert(id: string): Promise<AlertRecord | undefined> {
    const a = this.ix.alerts.get(id);
    return a && structuredClone(a);
  }

  async listAlerts(filter: AlertFilter): Promise<AlertRecord[]> {
    const states = filter.states && new Set(filter.states);
    const out = [...this.ix.alerts.values()].filter((a) => !states || states.has(a.state)).sort(newestFirst);
    return (filter.limit === undefined ? out : out.slice(0, filter.limit)).map((a) => structuredClone(a));
  }

  close(): Promise<void> {
    return this.log.close();
  }

  /** Applies to memory now (callers see it at once), durable when the promise resolves. */
  private write(record: LogRecord): Promise<void> {
    const pending = this.log.append(encodeRecord(record));
    this.ix.apply(record, undefined);
    return pending.then((location) => {
      if (record.k === 'message') this.ix.located.get(record.m.consultationId)?.set(record.m.seq - 1, location);
      if (record.k === 'audit') this.ix.audit[record.a.index] = location;
    });
  }

  private async message(consultationId: string, seq: number): Promise<StoredMessage> {
    const loc = this.ix.located.get(consultationId)?.get(seq - 1);
    const record = loc && decodeRecord(await this.log.read(loc));
    if (record?.k !== 'message') throw new Error(`store: message ${consultationId}#${seq} is durable but not on disk`);
    return record.m;
  }

  private rememberForDedup(m: StoredMessage, durable: Promise<StoredMessage> | number): void {
    let perConsultation = this.dedup.get(m.consultationId);
    if (!perConsultation) this.dedup.set(m.consultationId, (perConsultation = new Map()));
    perConsultation.set(dedupKey(m.from.id, m.clientMsgId), durable);
  }

  /** A closed consultation takes no more messages, so its ids need not be remembered. */
  private forgetDedup(consultationId: string): void {
    this.dedup.delete(consultationId);
  }
}

function dedupKey(senderId: string, clientMsgId: string): string {
  return `${senderId}\u0000${clientMsgId}`;
}

export function openFileStore(options: FileStoreOptions): Promise<FileStore> {
  return FileStore.open(options);
}
