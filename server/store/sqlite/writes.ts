import type Database from 'better-sqlite3';
import type { AlertRecord, AuditRecord, ConsultationPatch, ConsultationRecord, DutyEvent, NewMessage, ReadReceipt, Shift, StoredMessage } from '../port.ts';
import { applyPatch, consultationColumns, toConsultation, toMessage, type ConsultationRow, type MessageRow } from './schema.ts';

/** What the main thread asks the writer for; a batch of these is one transaction (one fsync). */
export type WriteOp =
  | { k: 'create'; c: ConsultationRecord }
  /** The record as the main thread made it (lastSeq aside: the writer keeps that). */
  | { k: 'update'; c: ConsultationRecord }
  /** A file-store transition replayed by the migration. */
  | { k: 'patch'; id: string; patch: ConsultationPatch }
  | { k: 'append'; m: NewMessage }
  /** A file-store message replayed by the migration, its seq given. */
  | { k: 'import'; m: StoredMessage }
  | { k: 'read'; r: ReadReceipt }
  | { k: 'audit'; a: AuditRecord }
  | { k: 'roster'; day: string; shifts: Shift[] }
  | { k: 'duty'; e: DutyEvent }
  /** Its version was checked on the main thread (`SqliteStore.putAlert`). */
  | { k: 'alert'; a: AlertRecord };

export type WriteResult = { ok: true; message?: StoredMessage; duplicate?: boolean } | { ok: false; error: string };

interface Touched {
  n: number;
  lastSeq: number;
  dirty: boolean;
}

/** The writer's statements. One connection, one thread: batches run one after another. */
export class Writes {
  private readonly s;
  /** Every op of a batch in one transaction: a bad op fails alone. */
  readonly batch: Database.Transaction<(ops: WriteOp[]) => WriteResult[]>;

  constructor(private readonly db: Database.Database) {
    this.s = {
      insertConsultation: db.prepare(
        'INSERT INTO consultations (state, category, channel, citizen_id, lawyer_id, client_request_id, created_at, updated_at, record, id, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      updateConsultation: db.prepare(
        'UPDATE consultations SET state = ?, category = ?, channel = ?, citizen_id = ?, lawyer_id = ?, client_request_id = ?, created_at = ?, updated_at = ?, record = ? WHERE id = ?',
      ),
      selectConsultation: db.prepare<[string], ConsultationRow>('SELECT record, last_seq FROM consultations WHERE id = ?'),
      selectSeq: db.prepare<[string], { n: number; last_seq: number }>('SELECT n, last_seq FROM consultations WHERE id = ?'),
      updateSeq: db.prepare('UPDATE consultations SET last_seq = ? WHERE n = ?'),
      selectClient: db.prepare<[number, string, string], MessageRow>('SELECT seq, from_id, from_role, from_name, client_msg_id, at, body FROM messages WHERE n = ? AND from_id = ? AND client_msg_id = ?'),
      insertMessage: db.prepare('INSERT INTO messages (n, seq, from_id, from_role, from_name, client_msg_id, at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      importMessage: db.prepare('INSERT OR IGNORE INTO messages (n, seq, from_id, from_role, from_name, client_msg_id, at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      upsertRead: db.prepare(
        'INSERT INTO read_receipts (consultation_id, user_id, up_to_seq, at) VALUES (?, ?, ?, ?) ON CONFLICT (consultation_id, user_id) DO UPDATE SET up_to_seq = excluded.up_to_seq, at = excluded.at WHERE excluded.up_to_seq >= read_receipts.up_to_seq',
      ),
      insertAudit: db.prepare('INSERT INTO audit (idx, at, actor_id, actor_role, actor_name, action, subject, owner, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      putRoster: db.prepare('INSERT INTO rosters (day, shifts) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET shifts = excluded.shifts'),
      putAlert: db.prepare(
        'INSERT INTO alerts (id, version, state, created_at, record) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, state = excluded.state, created_at = excluded.created_at, record = excluded.record',
      ),
      insertDuty: db.prepare('INSERT INTO duty_events (at, lawyer_id, on_duty, categories, region) VALUES (?, ?, ?, ?, ?)'),
    };
    this.batch = db.transaction((ops: WriteOp[]) => {
      // A consultation's n and last seq are read once per batch and its last seq written once.
      const touched = new Map<string, Touched | undefined>();
      const results = ops.map((op): WriteResult => {
        // No savepoint per op: each op changes the database in at most one statement, and SQLite
        // backs out a failed statement alone (a duplicate id, say), the transaction going on.
        try {
          return this.apply(op, touched);
        } catch (e) {
          return { ok: false, error: (e as Error).message };
        }
      });
      for (const t of touched.values()) if (t?.dirty) this.s.updateSeq.run(t.lastSeq, t.n);
      return results;
    });
  }

  private apply(op: WriteOp, touched: Map<string, Touched | undefined>): WriteResult {
    const s = this.s;
    const seqOf = (id: string): Touched => {
      if (!touched.has(id)) {
        const row = s.selectSeq.get(id);
        touched.set(id, row && { n: row.n, lastSeq: row.last_seq, dirty: false });
      }
      const t = touched.get(id);
      if (!t) throw new Error(`store: message for unknown consultation ${id}`);
      return t;
    };
    switch (op.k) {
      case 'create':
        s.insertConsultation.run(...consultationColumns(op.c), op.c.id, op.c.lastSeq);
        return { ok: true };
      case 'update':
        if (s.updateConsultation.run(...consultationColumns(op.c), op.c.id).changes !== 1) throw new Error(`store: update of unknown consultation ${op.c.id}`);
        return { ok: true };
      case 'patch': {
        const row = s.selectConsultation.get(op.id);
        if (!row) throw new Error(`store: transition of unknown consultation ${op.id}`);
        s.updateConsultation.run(...consultationColumns(applyPatch(toConsultation(row), op.patch)), op.id);
        return { ok: true };
      }
      case 'append': {
        const m = op.m;
        const t = seqOf(m.consultationId);
        const first = s.selectClient.get(t.n, m.from.id, m.clientMsgId);
        if (first) return { ok: true, message: toMessage(m.consultationId, first), duplicate: true };
        const seq = t.lastSeq + 1;
        s.insertMessage.run(t.n, seq, m.from.id, m.from.role, m.from.name, m.clientMsgId, m.at, m.body);
        t.lastSeq = seq;
        t.dirty = true;
        return { ok: true, message: { ...m, seq }, duplicate: false };
      }
      case 'import': {
        const m = op.m;
        const t = seqOf(m.consultationId);
        s.importMessage.run(t.n, m.seq, m.from.id, m.from.role, m.from.name, m.clientMsgId, m.at, m.body);
        if (m.seq > t.lastSeq) {
          t.lastSeq = m.seq;
          t.dirty = true;
        }
        return { ok: true };
      }
      case 'read':
        s.upsertRead.run(op.r.consultationId, op.r.userId, op.r.upToSeq, op.r.at);
        return { ok: true };
      case 'audit': {
        const a = op.a;
        s.insertAudit.run(a.index, a.at, a.actor.id, a.actor.role, a.actor.name, a.action, a.subject, a.owner ?? null, a.prevHash, a.hash);
        return { ok: true };
      }
      case 'roster':
        s.putRoster.run(op.day, JSON.stringify(op.shifts));
        return { ok: true };
      case 'duty':
        s.insertDuty.run(op.e.at, op.e.lawyerId, op.e.on ? 1 : 0, JSON.stringify(op.e.categories), op.e.region);
        return { ok: true };
      case 'alert':
        s.putAlert.run(op.a.id, op.a.version, op.a.state, op.a.createdAt, JSON.stringify(op.a));
        return { ok: true };
    }
  }
}
