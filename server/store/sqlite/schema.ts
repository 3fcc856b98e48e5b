import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync } from 'node:fs';
import { PRIVATE_FILE } from '../../data-dir.ts';
import type { ConsultationPatch, ConsultationRecord, DutyEvent, Person, StoredMessage } from '../port.ts';

export const DB_FILE = 'lawline.db';
const VERSION = 1;

/**
 * The tables. `n` numbers consultations in creation order: messages keyed by (n, seq) cluster
 * a consultation's transcript in a few adjacent leaves, and the consultations being written to
 * (the newest) share the right edge of every tree instead of random places in it, so a commit
 * dirties pages that stay cached whatever the history (B8). Message bodies sit in their own
 * column (`body`), apart from what is indexed.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS consultations (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, state TEXT NOT NULL, category TEXT NOT NULL, channel TEXT NOT NULL,
    citizen_id TEXT NOT NULL, lawyer_id TEXT, client_request_id TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_seq INTEGER NOT NULL,
    -- The whole record as JSON but lastSeq (the column above is the truth).
    record TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS consultations_citizen ON consultations (citizen_id, created_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS consultations_lawyer ON consultations (lawyer_id, created_at DESC, id DESC) WHERE lawyer_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS consultations_state ON consultations (state, created_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS consultations_created ON consultations (created_at DESC, id DESC);
  CREATE TABLE IF NOT EXISTS messages (
    n INTEGER NOT NULL, seq INTEGER NOT NULL, from_id TEXT NOT NULL, from_role TEXT NOT NULL, from_name TEXT NOT NULL,
    client_msg_id TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (n, seq)
  ) WITHOUT ROWID;
  -- Duplicate detection on disk: memory holds nothing per message, however long a consultation stays open.
  CREATE UNIQUE INDEX IF NOT EXISTS messages_client ON messages (n, from_id, client_msg_id);
  CREATE TABLE IF NOT EXISTS read_receipts (
    consultation_id TEXT NOT NULL, user_id TEXT NOT NULL, up_to_seq INTEGER NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (consultation_id, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS audit (
    idx INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL, actor_name TEXT NOT NULL,
    action TEXT NOT NULL, subject TEXT NOT NULL, owner TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS rosters (day TEXT PRIMARY KEY, shifts TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS duty_events (
    k INTEGER PRIMARY KEY, at INTEGER NOT NULL, lawyer_id TEXT NOT NULL, on_duty INTEGER NOT NULL, categories TEXT NOT NULL, region TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS duty_events_at ON duty_events (at, k);
  -- Risk alerts, whole (the supervisors' view), with their compare-and-set version.
  CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL, record TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS alerts_state ON alerts (state, created_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS alerts_created ON alerts (created_at DESC, id DESC);
`;

/**
 * Opens the database. The file is made 0600 before SQLite first opens it: SQLite gives its
 * -wal and -shm files the mode of the database file (`checkDataDir` refuses anything wider).
 * Writers get WAL with synchronous=FULL: in WAL mode NORMAL does not fsync at commit (only at
 * checkpoints), so a committed transaction could be lost to a power cut after the ack; FULL
 * fsyncs the WAL at every commit, one fsync per group commit, and an ack follows that commit.
 */
export function openDatabase(path: string, mode: 'write' | 'read' | 'bulk'): Database.Database {
  if (mode !== 'read' && !existsSync(path)) closeSync(openSync(path, 'wx', PRIVATE_FILE));
  const db = new Database(path, { readonly: mode === 'read', fileMustExist: true });
  // Readers wait out a writer's checkpoint instead of failing with SQLITE_BUSY.
  db.pragma('busy_timeout = 5000');
  if (mode === 'read') {
    db.pragma('cache_size = -16000');
    return db;
  }
  db.pragma('journal_mode = WAL');
  // bulk (migration into a file that is thrown away if it does not finish): no fsync per commit;
  // the migration fsyncs the file once at the end, before renaming it into place.
  db.pragma(`synchronous = ${mode === 'bulk' ? 'OFF' : 'FULL'}`);
  // 16 MB of page cache: the right edge of each tree and the leaves being written (B8).
  db.pragma('cache_size = -16000');
  // The log is reused from its start after each checkpoint; a burst that grew it is cut back to 64 MB.
  db.pragma('journal_size_limit = 67108864');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > VERSION) throw new Error(`store: ${path} was written by a newer lawline (schema ${version}, this one knows ${VERSION})`);
  db.exec(SCHEMA);
  db.pragma(`user_version = ${VERSION}`);
  return db;
}

export interface ConsultationRow {
  record: string;
  last_seq: number;
}

export const toConsultation = (row: ConsultationRow): ConsultationRecord => ({ ...(JSON.parse(row.record) as ConsultationRecord), lastSeq: row.last_seq });

/** The columns a consultation is stored under, in `INSERT` and `UPDATE` order. */
export function consultationColumns(c: ConsultationRecord): [string, string, string, string, string | null, string | null, number, number, string] {
  const { lastSeq: _stored, ...rest } = c;
  return [c.state, c.category, c.channel, c.citizen.id, c.lawyer?.id ?? null, c.clientRequestId ?? null, c.createdAt, c.updatedAt, JSON.stringify(rest)];
}

/** What a transition does to the record: null in a patch clears the field. */
export function applyPatch(c: ConsultationRecord, patch: ConsultationPatch): ConsultationRecord {
  const next = { ...c, ...patch } as ConsultationRecord & Record<string, unknown>;
  for (const key of ['lawyer', 'preferredLawyerId', 'preferredUntil'] as const) if (patch[key] === null) delete next[key];
  return next;
}

export interface MessageRow {
  seq: number;
  from_id: string;
  from_role: string;
  from_name: string;
  client_msg_id: string;
  at: number;
  body: string;
}

export const toMessage = (consultationId: string, r: MessageRow): StoredMessage => ({
  consultationId,
  seq: r.seq,
  from: { id: r.from_id, role: r.from_role as Person['role'], name: r.from_name },
  clientMsgId: r.client_msg_id,
  body: r.body,
  at: r.at,
});

export interface DutyRow {
  at: number;
  lawyer_id: string;
  on_duty: number;
  categories: string;
  region: string;
}

export const toDutyEvent = (r: DutyRow): DutyEvent => ({ lawyerId: r.lawyer_id, at: r.at, on: r.on_duty === 1, categories: JSON.parse(r.categories) as DutyEvent['categories'], region: r.region });
