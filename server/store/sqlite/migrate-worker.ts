// Copies a file store's segments into a new SQLite file (migrate.ts), off the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeRecord, type LogRecord } from '../file/records.ts';
import { readSegments } from '../file/segment-reader.ts';
import type { MigrationSummary } from './migrate.ts';
import { openDatabase } from './schema.ts';
import { serve } from './worker-serve.ts';
import { Writes, type WriteOp, type WriteResult } from './writes.ts';

const port = parentPort;
if (!port) throw new Error('store: migrate-worker is not in a worker');
const { path, files } = workerData as { path: string; files: string[] };
const db = openDatabase(path, 'bulk');
const writes = new Writes(db);
/** Records per transaction: large enough that commits cost nothing, small enough to hold. */
const BATCH = 5000;
// A line every 10 s: a 20 M history takes tens of minutes.
const PROGRESS_MS = 10_000;

function op(r: LogRecord): WriteOp {
  switch (r.k) {
    case 'consultation':
      return { k: 'create', c: r.c };
    case 'transition':
      return { k: 'patch', id: r.id, patch: r.patch };
    case 'message':
      return { k: 'import', m: r.m };
    case 'read':
      return { k: 'read', r: r.r };
    case 'audit':
      return { k: 'audit', a: r.a };
    case 'roster':
      return { k: 'roster', day: r.day, shifts: r.shifts };
    case 'duty':
      return { k: 'duty', e: r.e };
    case 'alert':
      return { k: 'alert', a: r.a };
  }
}

function migrate(): MigrationSummary {
  const summary: MigrationSummary = { records: 0, consultations: 0, messages: 0, bytes: 0 };
  let ops: WriteOp[] = [];
  let reported = Date.now();
  const commit = () => {
    const failed = writes.batch(ops).find((r): r is WriteResult & { ok: false } => !r.ok);
    // A record the file store recovered but SQLite refuses: stop, keep the segments, say which.
    if (failed) throw new Error(`store: migration stopped after ${summary.records} records: ${failed.error}`);
    ops = [];
  };
  for (const { payload, bytesDone } of readSegments(files)) {
    const record = decodeRecord(payload);
    ops.push(op(record));
    summary.records++;
    summary.bytes = bytesDone;
    if (record.k === 'consultation') summary.consultations++;
    if (record.k === 'message') summary.messages++;
    if (ops.length >= BATCH) commit();
    if (Date.now() - reported >= PROGRESS_MS) {
      reported = Date.now();
      port?.postMessage({ n: -1, event: { done: bytesDone, records: summary.records } });
    }
  }
  commit();
  // Everything into the database file itself, so the one file renamed into place holds it all.
  db.pragma('wal_checkpoint(TRUNCATE)');
  return summary;
}

serve(port, (req) => {
  switch (req.k) {
    case 'migrate':
      return migrate();
    case 'close':
      db.close();
      return true;
    default:
      throw new Error(`store: migrate worker asked for ${req.k}`);
  }
});
