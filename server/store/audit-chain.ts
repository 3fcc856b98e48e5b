import { createHash } from 'node:crypto';
import type { AuditEntry, AuditRecord } from './port.ts';

export const GENESIS = '0'.repeat(64);

/** The chain link: changing any field of any earlier record changes every later hash. */
export function auditHash(prevHash: string, index: number, e: AuditEntry): string {
  const canonical = JSON.stringify({
    index,
    at: e.at,
    actor: { id: e.actor.id, role: e.actor.role, name: e.actor.name },
    action: e.action,
    subject: e.subject,
    owner: e.owner ?? null,
  });
  return createHash('sha256').update(prevHash).update(canonical).digest('hex');
}

export function linkAudit(prev: { index: number; hash: string } | undefined, entry: AuditEntry): AuditRecord {
  const index = prev ? prev.index + 1 : 0;
  const prevHash = prev?.hash ?? GENESIS;
  return { ...entry, index, prevHash, hash: auditHash(prevHash, index, entry) };
}

/** True when `r`, the record at position `i`, follows from a record whose hash is `prevHash`. */
export function linkHolds(prevHash: string, i: number, r: AuditRecord): boolean {
  return r.index === i && r.prevHash === prevHash && auditHash(prevHash, i, r) === r.hash;
}

/** Index of the first record that does not follow from the one before it, or -1. */
export function firstBrokenLink(records: readonly AuditRecord[]): number {
  let prevHash = GENESIS;
  for (const [i, r] of records.entries()) {
    if (!linkHolds(prevHash, i, r)) return i;
    prevHash = r.hash;
  }
  return -1;
}
