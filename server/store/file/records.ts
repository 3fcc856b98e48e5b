import { Packr, Unpackr } from 'msgpackr';
import type { AlertRecord, AuditRecord, ConsultationPatch, ConsultationRecord, DutyEvent, ReadReceipt, Shift, StoredMessage } from '../port.ts';

/** What one segment record holds. Tags are stored on disk: never rename one. */
export type LogRecord =
  | { k: 'consultation'; c: ConsultationRecord }
  | { k: 'transition'; id: string; patch: ConsultationPatch }
  | { k: 'message'; m: StoredMessage }
  | { k: 'read'; r: ReadReceipt }
  | { k: 'audit'; a: AuditRecord }
  | { k: 'roster'; day: string; shifts: Shift[] }
  | { k: 'duty'; e: DutyEvent }
  | { k: 'alert'; a: AlertRecord };

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export const encodeRecord = (r: LogRecord): Buffer => packr.pack(r);

/** Records were written by this code and checksummed; a bad tag is disk corruption, a bug-level fault. */
export function decodeRecord(payload: Uint8Array): LogRecord {
  const r = unpackr.unpack(payload) as LogRecord;
  if (!r || typeof r !== 'object' || !['consultation', 'transition', 'message', 'read', 'audit', 'roster', 'duty', 'alert'].includes(r.k)) {
    throw new Error('store: unknown record type on disk');
  }
  return r;
}
