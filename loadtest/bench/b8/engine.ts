import type { ConsultationRecord, NewMessage, StoredMessage } from '../../../server/store/port.ts';

/**
 * What B8 drives: the chat path of an embedded store (the file store and the SQLite store
 * through their real ports, an LMDB prototype beside them). Every promise resolves once the write is
 * durable (fsynced); appends made while one commit is in flight ride in the next (group commit).
 */
export interface BenchEngine {
  /** Stores a new consultation (state `active`, a lawyer holding it). */
  create(c: ConsultationRecord): Promise<void>;
  /**
   * Stores a chat message as `chat.send` does: only if its consultation is active when written,
   * its seq assigned by the store; a repeated (consultation, sender, clientMsgId) stores nothing
   * and answers the first one's seq with `duplicate: true`.
   */
  append(m: NewMessage): Promise<{ seq: number; duplicate: boolean } | { refused: true }>;
  /** Closes a consultation: it takes no more messages. */
  finish(id: string, at: number): Promise<void>;
  /** What `consult.history` reads: the consultation, and its newest `limit` messages in seq order. */
  history(id: string, limit: number): Promise<{ consultation: ConsultationRecord | undefined; messages: StoredMessage[] }>;
  /** Transactions (or fsync batches) committed so far: messages per commit tells how well writes group. */
  commits(): number;
  shutdown(): Promise<void>;
}

export const ENGINES = ['file', 'sqlite', 'lmdb'] as const;
export type EngineName = (typeof ENGINES)[number];

export async function openEngine(name: EngineName, dir: string): Promise<BenchEngine> {
  switch (name) {
    case 'file':
      return (await import('./file-engine.ts')).openFileEngine(dir);
    case 'sqlite':
      return (await import('./sqlite-engine.ts')).openSqliteEngine(dir);
    case 'lmdb':
      return (await import('./lmdb-engine.ts')).openLmdbEngine(dir);
  }
}
