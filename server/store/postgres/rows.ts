import type { ConsultationRecord } from '../port.ts';
import type { Seen } from './consultation-cache.ts';

export type Row = Record<string, unknown>;

/** A consultation row back into the record: `last_seq` is a column, the rest is `record`. */
export const toRecord = (row: Row): ConsultationRecord => ({ ...(row.record as ConsultationRecord), lastSeq: Number(row.last_seq) });
export const toSeen = (row: Row): Seen => ({ record: toRecord(row), version: Number(row.version) });
