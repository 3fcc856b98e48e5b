// The store's writer thread: better-sqlite3 is synchronous, so every write runs here, off the
// event loop. Each batch the main thread posts is one transaction: one WAL fsync (schema.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './schema.ts';
import { serve } from './worker-serve.ts';
import { Writes, type WriteOp } from './writes.ts';

const port = parentPort;
if (!port) throw new Error('store: writer-worker is not in a worker');
const db = openDatabase((workerData as { path: string }).path, 'write');
const writes = new Writes(db);

serve(port, (req) => {
  switch (req.k) {
    case 'batch':
      return writes.batch.immediate(req.ops as WriteOp[]);
    case 'close':
      // The last connection to close checkpoints the WAL into the database file.
      db.close();
      return true;
    default:
      throw new Error(`store: writer asked for ${req.k}`);
  }
});
