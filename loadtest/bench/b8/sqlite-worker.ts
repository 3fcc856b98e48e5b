// The SQLite arm's writer: better-sqlite3 is synchronous, so it runs here, off the event loop.
// Each batch the main thread posts is one transaction (one WAL fsync: synchronous=FULL).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { ConsultationRecord, StoredMessage } from '../../../server/store/port.ts';
import type { SqliteOp, SqliteResult } from './sqlite-ops.ts';

const db = new Database(`${workerData.dir as string}/lawline.db`);
db.pragma('journal_mode = WAL');
// FULL: the WAL is fsynced at every commit, so a resolved append is durable (NORMAL is not).
db.pragma('synchronous = FULL');
// 16 MB of page cache: the leaves of the consultations being written and the inner pages.
db.pragma('cache_size = -16000');
db.exec(`
  -- n: a number in creation order. Keyed by it, the consultations being written to (the newest)
  -- share the right edge of every tree below instead of being scattered over the whole of it by
  -- their random ids: a commit dirties pages that stay in the cache, whatever the history.
  CREATE TABLE IF NOT EXISTS consultations (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, state TEXT NOT NULL, citizen_id TEXT NOT NULL, lawyer_id TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_seq INTEGER NOT NULL, record TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS consultations_citizen ON consultations (citizen_id, created_at DESC, id);
  CREATE INDEX IF NOT EXISTS consultations_lawyer ON consultations (lawyer_id, created_at DESC) WHERE lawyer_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS consultations_open ON consultations (state, created_at DESC) WHERE state IN ('queued', 'picked', 'active');
  -- Clustered by (consultation, seq): a history page is a few adjacent leaves.
  CREATE TABLE IF NOT EXISTS messages (
    n INTEGER NOT NULL, seq INTEGER NOT NULL, from_id TEXT NOT NULL, from_role TEXT NOT NULL,
    from_name TEXT NOT NULL, client_msg_id TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (n, seq)
  ) WITHOUT ROWID;
  -- Duplicate detection on disk: memory holds nothing per message.
  CREATE UNIQUE INDEX IF NOT EXISTS messages_client ON messages (n, from_id, client_msg_id);
`);

const insertConsultation = db.prepare('INSERT INTO consultations (id, state, citizen_id, lawyer_id, created_at, updated_at, last_seq, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
const selectState = db.prepare<[string], { n: number; state: string; last_seq: number }>('SELECT n, state, last_seq FROM consultations WHERE id = ?');
const selectClient = db.prepare<[number, string, string], { seq: number }>('SELECT seq FROM messages WHERE n = ? AND from_id = ? AND client_msg_id = ?');
const insertMessage = db.prepare('INSERT INTO messages (n, seq, from_id, from_role, from_name, client_msg_id, body, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
const updateSeq = db.prepare('UPDATE consultations SET last_seq = ? WHERE n = ?');
const updateState = db.prepare("UPDATE consultations SET state = ?, updated_at = ? WHERE id = ? AND state = 'active'");
const selectRecord = db.prepare<[string], { n: number; record: string; state: string; last_seq: number; updated_at: number }>('SELECT n, record, state, last_seq, updated_at FROM consultations WHERE id = ?');
const selectPage = db.prepare<[number, number], { seq: number; from_id: string; from_role: string; from_name: string; client_msg_id: string; body: string; at: number }>(
  'SELECT seq, from_id, from_role, from_name, client_msg_id, body, at FROM messages WHERE n = ? ORDER BY seq DESC LIMIT ?',
);

/** A batch: every op in one transaction; state read once per consultation, its last_seq written once. */
const write = db.transaction((ops: SqliteOp[]): SqliteResult[] => {
  const touched = new Map<string, { n: number; state: string; last_seq: number; dirty: boolean } | undefined>();
  const stateOf = (id: string) => {
    if (!touched.has(id)) {
      const row = selectState.get(id);
      touched.set(id, row && { ...row, dirty: false });
    }
    return touched.get(id);
  };
  const results = ops.map((op): SqliteResult => {
    switch (op.k) {
      case 'create': {
        const c = op.c;
        insertConsultation.run(c.id, c.state, c.citizen.id, c.lawyer?.id ?? null, c.createdAt, c.updatedAt, c.lastSeq, JSON.stringify(c));
        return { k: 'done' };
      }
      case 'append': {
        const m = op.m;
        const c = stateOf(m.consultationId);
        if (!c || c.state !== 'active') return { k: 'refused' };
        const first = selectClient.get(c.n, m.from.id, m.clientMsgId);
        if (first) return { k: 'stored', seq: first.seq, duplicate: true };
        c.last_seq++;
        c.dirty = true;
        insertMessage.run(c.n, c.last_seq, m.from.id, m.from.role, m.from.name, m.clientMsgId, m.body, m.at);
        return { k: 'stored', seq: c.last_seq, duplicate: false };
      }
      case 'finish': {
        const c = stateOf(op.id);
        updateState.run('closed', op.at, op.id);
        if (c) c.state = 'closed';
        return { k: 'done' };
      }
    }
  });
  for (const c of touched.values()) if (c?.dirty) updateSeq.run(c.last_seq, c.n);
  return results;
});

function history(id: string, limit: number): { consultation: ConsultationRecord | undefined; messages: StoredMessage[] } {
  const row = selectRecord.get(id);
  if (!row) return { consultation: undefined, messages: [] };
  const consultation = { ...(JSON.parse(row.record) as ConsultationRecord), state: row.state as ConsultationRecord['state'], lastSeq: row.last_seq, updatedAt: row.updated_at };
  const messages = selectPage
    .all(row.n, limit)
    .reverse()
    .map((r) => ({ consultationId: id, seq: r.seq, from: { id: r.from_id, role: r.from_role as StoredMessage['from']['role'], name: r.from_name }, clientMsgId: r.client_msg_id, body: r.body, at: r.at }));
  return { consultation, messages };
}

const port = parentPort;
if (!port) throw new Error('sqlite-worker: not in a worker');
port.on('message', (req: { n: number; ops?: SqliteOp[]; history?: { id: string; limit: number }; close?: true }) => {
  try {
    if (req.ops) port.postMessage({ n: req.n, results: write.immediate(req.ops) });
    else if (req.history) port.postMessage({ n: req.n, history: history(req.history.id, req.history.limit) });
    else if (req.close) {
      db.close();
      port.postMessage({ n: req.n, closed: true });
    }
  } catch (e) {
    port.postMessage({ n: req.n, error: (e as Error).message });
  }
});
port.postMessage({ n: 0, ready: true });
