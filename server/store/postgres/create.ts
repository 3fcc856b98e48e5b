import type { PoolClient } from 'pg';
import { OPEN_STATES, type ConsultationRecord, type CreateOutcome } from '../port.ts';

/** From the closed vocabulary, written into the text as list-query.ts does (the statements plan generically). */
const OPEN = OPEN_STATES.map((s) => `'${s}'`).join(', ');

export async function insertConsultation(c: PoolClient, record: ConsultationRecord): Promise<void> {
  await c.query({
    name: 'create-consultation',
    text: `INSERT INTO consultations (id, state, category, region, citizen_id, lawyer_id, created_at, updated_at, last_seq, record)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    values: [record.id, record.state, record.category, record.region, record.citizen.id, record.lawyer?.id ?? null, record.createdAt, record.updatedAt, record.lastSeq, record],
  });
}

/** The advisory lock that puts one citizen's capped creates, from any node, one after the other (see insertUnderCap). */
export const citizenOpensLock = (record: ConsultationRecord): string => `opens.${record.citizen.id}`;

/**
 * Inserts the consultation if its citizen has fewer than `max` open ones; run in a batch that
 * holds `citizenOpensLock` (CommitBatcher's `locks`), so creates for one citizen go one after
 * the other. The lock is taken in a statement before this count, so the count reads after the
 * other create's commit (a statement that locked and counted at once would count from a
 * snapshot taken before it waited).
 */
export async function insertUnderCap(c: PoolClient, record: ConsultationRecord, max: number): Promise<CreateOutcome> {
  const counted = await c.query({ name: 'count-citizen-opens', text: `SELECT count(*)::int AS n FROM consultations WHERE citizen_id = $1 AND state IN (${OPEN})`, values: [record.citizen.id] });
  const open = Number((counted.rows[0] as { n: number }).n);
  if (open >= max) return { ok: false, reason: 'too-many-open', open };
  await insertConsultation(c, record);
  return { ok: true };
}
