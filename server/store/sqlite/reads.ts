import type Database from 'better-sqlite3';
import { GENESIS, linkHolds } from '../audit-chain.ts';
import type { AlertFilter, AlertRecord, AuditRecord, ConsultationFilter, ConsultationRecord, DutyEvent, HistoryPage, Person, ReadReceipt, Shift } from '../port.ts';
import { REQUEST_ID_MEMORY_MS } from '../port.ts';
import { toConsultation, toDutyEvent, toMessage, type ConsultationRow, type DutyRow, type MessageRow } from './schema.ts';

/** What the main thread loads at start: only what is live (open consultations, a day of request ids, the audit tail). */
export interface StartState {
  open: { id: string; citizenId: string }[];
  requests: ConsultationRecord[];
  auditTail: AuditRecord | undefined;
  /** Every alert's version (alerts are few), for the compare-and-set on the main thread. */
  alertVersions: [string, number][];
}

interface AuditRow {
  idx: number;
  at: number;
  actor_id: string;
  actor_role: string;
  actor_name: string;
  action: string;
  subject: string;
  owner: string | null;
  prev_hash: string;
  hash: string;
}

const toAudit = (r: AuditRow): AuditRecord => ({
  index: r.idx,
  at: r.at,
  actor: { id: r.actor_id, role: r.actor_role as Person['role'], name: r.actor_name },
  action: r.action,
  subject: r.subject,
  ...(r.owner !== null ? { owner: r.owner } : {}),
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** A list query's statements, by the shape of its filter (a handful of shapes in practice). */
const LIST_SHAPES = 64;

/** The reader's queries: one read-only connection in its own thread, so a cold page read never blocks the event loop. */
export class Reads {
  private readonly s;
  private readonly lists = new Map<string, Database.Statement<unknown[], ConsultationRow>>();

  constructor(private readonly db: Database.Database) {
    this.s = {
      consultation: db.prepare<[string], ConsultationRow>('SELECT record, last_seq FROM consultations WHERE id = ?'),
      page: db.prepare<[string, number, number], MessageRow>(
        'SELECT seq, from_id, from_role, from_name, client_msg_id, at, body FROM messages WHERE n = (SELECT n FROM consultations WHERE id = ?) AND seq < ? ORDER BY seq DESC LIMIT ?',
      ),
      reads: db.prepare<[string], { user_id: string; up_to_seq: number; at: number }>('SELECT user_id, up_to_seq, at FROM read_receipts WHERE consultation_id = ?'),
      audit: db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY idx'),
      auditTail: db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY idx DESC LIMIT 1'),
      auditAt: db.prepare<[number], AuditRow>('SELECT * FROM audit WHERE idx = ?'),
      roster: db.prepare<[string], { shifts: string }>('SELECT shifts FROM rosters WHERE day = ?'),
      duty: db.prepare<[number, number], DutyRow>('SELECT at, lawyer_id, on_duty, categories, region FROM duty_events WHERE at >= ? AND at < ? ORDER BY at, k'),
      open: db.prepare<[], { id: string; citizen_id: string }>("SELECT id, citizen_id FROM consultations WHERE state IN ('queued', 'picked', 'active')"),
      alert: db.prepare<[string], { record: string }>('SELECT record FROM alerts WHERE id = ?'),
      alertVersions: db.prepare<[], { id: string; version: number }>('SELECT id, version FROM alerts'),
      newest: db.prepare<[], { at: number | null }>('SELECT max(created_at) AS at FROM consultations'),
      requests: db.prepare<[number], ConsultationRow>('SELECT record, last_seq FROM consultations WHERE created_at > ? AND client_request_id IS NOT NULL ORDER BY created_at, n'),
    };
  }

  start(): StartState {
    const newest = this.s.newest.get()?.at ?? 0;
    const tail = this.s.auditTail.get();
    return {
      open: this.s.open.all().map((r) => ({ id: r.id, citizenId: r.citizen_id })),
      requests: this.s.requests.all(newest - REQUEST_ID_MEMORY_MS).map(toConsultation),
      auditTail: tail && toAudit(tail),
      alertVersions: this.s.alertVersions.all().map((r) => [r.id, r.version]),
    };
  }

  consultation(id: string): ConsultationRecord | undefined {
    const row = this.s.consultation.get(id);
    return row && toConsultation(row);
  }

  list(f: ConsultationFilter): ConsultationRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.participantId !== undefined) where.push('(citizen_id = ? OR lawyer_id = ?)'), args.push(f.participantId, f.participantId);
    if (f.citizenId !== undefined) where.push('citizen_id = ?'), args.push(f.citizenId);
    if (f.lawyerId !== undefined) where.push('lawyer_id = ?'), args.push(f.lawyerId);
    if (f.states) where.push(`state IN (${f.states.map(() => '?').join(', ') || 'NULL'})`), args.push(...f.states);
    if (f.categories) where.push(`category IN (${f.categories.map(() => '?').join(', ') || 'NULL'})`), args.push(...f.categories);
    if (f.channel !== undefined) where.push('channel = ?'), args.push(f.channel);
    if (f.before) where.push('(created_at < ? OR (created_at = ? AND id < ?))'), args.push(f.before.createdAt, f.before.createdAt, f.before.id);
    if (f.limit !== undefined) args.push(f.limit);
    const sql = `SELECT record, last_seq FROM consultations${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC${f.limit !== undefined ? ' LIMIT ?' : ''}`;
    let statement = this.lists.get(sql);
    if (!statement) {
      if (this.lists.size >= LIST_SHAPES) this.lists.clear();
      this.lists.set(sql, (statement = this.db.prepare<unknown[], ConsultationRow>(sql)));
    }
    return statement.all(...args).map(toConsultation);
  }

  history(consultationId: string, page: { beforeSeq?: number; limit: number }): HistoryPage {
    // One more than asked tells whether older ones remain.
    const rows = this.s.page.all(consultationId, page.beforeSeq ?? Number.MAX_SAFE_INTEGER, page.limit + 1);
    const hasMore = rows.length > page.limit;
    return { messages: rows.slice(0, page.limit).reverse().map((r) => toMessage(consultationId, r)), hasMore };
  }

  readReceipts(consultationId: string): ReadReceipt[] {
    return this.s.reads.all(consultationId).map((r) => ({ consultationId, userId: r.user_id, upToSeq: r.up_to_seq, at: r.at }));
  }

  roster(day: string): Shift[] {
    const row = this.s.roster.get(day);
    return row ? (JSON.parse(row.shifts) as Shift[]) : [];
  }

  dutyEvents(from: number, to: number): DutyEvent[] {
    return this.s.duty.all(from, to).map(toDutyEvent);
  }

  alert(id: string): AlertRecord | undefined {
    const row = this.s.alert.get(id);
    return row && (JSON.parse(row.record) as AlertRecord);
  }

  alerts(f: AlertFilter): AlertRecord[] {
    const states = f.states ? `WHERE state IN (${f.states.map(() => '?').join(', ') || 'NULL'})` : '';
    const sql = `SELECT record FROM alerts ${states} ORDER BY created_at DESC, id DESC${f.limit !== undefined ? ' LIMIT ?' : ''}`;
    const args = [...(f.states ?? []), ...(f.limit !== undefined ? [f.limit] : [])];
    return this.db
      .prepare<unknown[], { record: string }>(sql)
      .all(...args)
      .map((r) => JSON.parse(r.record) as AlertRecord);
  }

  auditRecord(index: number): AuditRecord | undefined {
    const row = this.s.auditAt.get(index);
    return row && toAudit(row);
  }

  /** Walks the chain row by row (one record in memory at a time, however long the log). */
  verifyAudit(): { records: number; firstBroken: number } {
    let prevHash = GENESIS;
    let records = 0;
    let firstBroken = -1;
    for (const row of this.s.audit.iterate()) {
      const r = toAudit(row);
      if (firstBroken < 0 && !linkHolds(prevHash, records, r)) firstBroken = records;
      prevHash = r.hash;
      records++;
    }
    return { records, firstBroken };
  }
}
