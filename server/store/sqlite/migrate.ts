import { existsSync, openSync, closeSync, fsyncSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../log.ts';
import { segmentFiles } from '../file/segment-reader.ts';
import { WorkerRpc } from './worker-rpc.ts';

export const SEGMENTS = 'segments';
/** Where the file store's segments go once migrated: kept, never deleted by lawline (the operator may, once satisfied). */
export const MIGRATED = 'segments.migrated';

export interface MigrationSummary {
  records: number;
  consultations: number;
  messages: number;
  bytes: number;
}

/**
 * Upgrade in place: a store dir written by the file store (`segments/`, no `lawline.db`) is
 * copied into SQLite on first start. Crash-safe by construction: the copy is built in
 * `lawline.db.migrating` (whatever a crashed attempt left there is deleted first and the copy
 * starts over; the segments are only read), fsynced, then renamed to `lawline.db` in one step;
 * only after that is `segments/` renamed to `segments.migrated/` (kept: nothing is deleted). A
 * crash between the two renames is finished at the next start. Streamed in 4 MB reads and
 * 5,000-record transactions in a worker thread: memory stays flat whatever the history.
 */
export async function migrateFileStore(dir: string, dbPath: string, log?: Logger): Promise<MigrationSummary | undefined> {
  const segments = join(dir, SEGMENTS);
  if (!existsSync(segments)) return undefined;
  if (existsSync(dbPath)) {
    // Migrated, and stopped before the segments were put aside.
    putAside(dir);
    return undefined;
  }
  const partial = `${dbPath}.migrating`;
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${partial}${suffix}`, { force: true });
  const files = segmentFiles(segments);
  const total = files.reduce((n, f) => n + statSync(f).size, 0);
  log?.info({ segments: files.length, bytes: total }, 'store: migrating the file store to SQLite (the old segments are kept)');
  const started = Date.now();
  const worker = await WorkerRpc.start(
    new URL('./migrate-worker.ts', import.meta.url),
    { path: partial, files },
    { onEvent: (progress) => log?.info({ ...(progress as object), bytes: total }, 'store: migrating') },
  );
  let summary: MigrationSummary;
  try {
    summary = await worker.ask<MigrationSummary>({ k: 'migrate' });
  } finally {
    await worker.stop();
  }
  fsyncFile(partial);
  renameSync(partial, dbPath);
  fsyncFile(dir);
  putAside(dir);
  log?.info({ ...summary, ms: Date.now() - started, keptIn: join(dir, MIGRATED) }, 'store: migrated the file store to SQLite');
  return summary;
}

/** `segments/` to `segments.migrated/` (or `.2`, `.3` … if an earlier one is there). */
function putAside(dir: string): void {
  let target = join(dir, MIGRATED);
  for (let i = 2; existsSync(target); i++) target = join(dir, `${MIGRATED}.${i}`);
  renameSync(join(dir, SEGMENTS), target);
  fsyncFile(dir);
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
