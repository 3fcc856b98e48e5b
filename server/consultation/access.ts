import type { Identity } from '../auth/identity.ts';
import type { ConsultationRecord } from '../store/port.ts';

/**
 * How a person relates to a consultation. `party` is the citizen or the assigned lawyer;
 * `delegate` an assistant of that lawyer; `overseer` a supervisor. Reads by a delegate or
 * an overseer are access to someone else's data and are audited.
 */
export type Relation = 'party' | 'delegate' | 'overseer' | 'none';

export function relation(identity: Identity, c: ConsultationRecord): Relation {
  if (identity.role === 'citizen') return c.citizen.id === identity.id ? 'party' : 'none';
  if (identity.role === 'lawyer') return c.lawyer?.id === identity.id ? 'party' : 'none';
  if (identity.role === 'assistant') return c.lawyer !== undefined && c.lawyer.id === identity.lawyerId ? 'delegate' : 'none';
  if (identity.role === 'supervisor') return 'overseer';
  return 'none';
}

/** A lawyer sees the queue of the categories on their token; none declared means all. */
export function servesCategory(identity: Identity, c: ConsultationRecord): boolean {
  return !identity.categories || identity.categories.length === 0 || identity.categories.includes(c.category);
}

/** Who may write in which state: a citizen may add detail while waiting; the lawyer's side once active. */
export function maySend(identity: Identity, c: ConsultationRecord): boolean {
  const rel = relation(identity, c);
  if (identity.role === 'citizen') return rel === 'party' && (c.state === 'queued' || c.state === 'picked' || c.state === 'active');
  return (rel === 'party' || rel === 'delegate') && c.state === 'active';
}
