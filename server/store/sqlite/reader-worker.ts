// The store's reader thread: history pages, lists and audit walks read the disk here, so a cold
// read never blocks the event loop. WAL: it reads the last commit while the writer writes.
import { parentPort, workerData } from 'node:worker_threads';
import type { AlertFilter, ConsultationFilter } from '../port.ts';
import { Reads } from './reads.ts';
import { openDatabase } from './schema.ts';
import { serve } from './worker-serve.ts';

const port = parentPort;
if (!port) throw new Error('store: reader-worker is not in a worker');
const db = openDatabase((workerData as { path: string }).path, 'read');
const reads = new Reads(db);

serve(port, (req) => {
  switch (req.k) {
    case 'start':
      return reads.start();
    case 'consultation':
      return reads.consultation(req.id as string);
    case 'list':
      return reads.list(req.filter as ConsultationFilter);
    case 'history':
      return reads.history(req.id as string, req.page as { beforeSeq?: number; limit: number });
    case 'readReceipts':
      return reads.readReceipts(req.id as string);
    case 'roster':
      return reads.roster(req.day as string);
    case 'dutyEvents':
      return reads.dutyEvents(req.from as number, req.to as number);
    case 'alert':
      return reads.alert(req.id as string);
    case 'alerts':
      return reads.alerts(req.filter as AlertFilter);
    case 'auditRecord':
      return reads.auditRecord(req.index as number);
    case 'verifyAudit':
      return reads.verifyAudit();
    case 'close':
      db.close();
      return true;
    default:
      throw new Error(`store: reader asked for ${req.k}`);
  }
});
