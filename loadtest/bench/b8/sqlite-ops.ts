import type { ConsultationRecord, NewMessage } from '../../../server/store/port.ts';

/** What the SQLite arm's main thread asks its writer thread for, one transaction per batch of these. */
export type SqliteOp = { k: 'create'; c: ConsultationRecord } | { k: 'append'; m: NewMessage } | { k: 'finish'; id: string; at: number };
export type SqliteResult = { k: 'done' } | { k: 'refused' } | { k: 'stored'; seq: number; duplicate: boolean };
