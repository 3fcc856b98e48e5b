import type { ConsultationRecord, StoredMessage } from '../store/port.ts';

/** The requests server/alerts answers (the rest of the table is consultation/'s and presence/'s). */
export type AlertRequest = 'alert.list' | 'alert.ack' | 'alert.annotate' | 'alert.close' | 'alert.rules';

/**
 * What the other domain folders tell the risk watch (server/alerts) as consultations happen,
 * without importing it: implemented there, wired in node.ts. Each call returns at once and never
 * throws: the watch works after the caller has answered (an alert must not slow an ack).
 */
export interface ConsultationObserver {
  /** A message was stored, either direction (not a repeat of one stored before). */
  messageStored(c: ConsultationRecord, m: StoredMessage): void;
  /** The message desk found a message consultation's answer overdue (once, on the node leading the jobs). */
  slaBreached(c: ConsultationRecord): void;
}
