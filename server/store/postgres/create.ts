import type { ClientBase } from 'pg';
import { OPEN_STATES, type ConsultationRecord } from '../port.ts';
import type { Seen } from './consultation-cache.ts';
import { toSeen, type Row } from './rows.ts';

/** From the closed vocabulary, written into the text as list-query.ts does (the statements plan generically). */
const OPEN = OPEN_STATES.map((s) => `'${s}'`).join(', ');

/**
 * Inserts the consultation; false if its citizen's `clientRequestId` made another one. The
 * unique index decides, also against another node's insert of it still in flight: this one
 * waits for that commit, then inserts nothing.
 */
export async function insertConsultation(c: ClientBase, record: ConsultationRecord): Promise<boolean> {
  const inserted = await c.query({
    name: 'create-consultation',
    text: `INSERT INTO consultations (id, state, category, region, citizen_id, lawyer_id, created_at, updated_at, last_seq, client_request_id, record)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (citizen_id, client_request_id) WHERE client_request_id IS NOT NULL DO NOTHING`,
    values: [record.id, record.state, record.category, record.region, record.citizen.id, record.lawyer?.id ?? null, record.createdAt, record.updatedAt, record.lastSeq, record.clientRequestId ?? null, record],
  });
  return inserted.rowCount === 1;
}

/** The consultation its citizen's `clientRequestId` made, as it stands now (by the unique index). */
export const FIND_REQUEST = 'SELECT record, last_seq, version FROM consultations WHERE citizen_id = $1 AND client_request_id = $2';

async function madeBy(c: ClientBase, record: ConsultationRecord): Promise<Seen | undefined> {
  if (record.clientRequestId === undefined) return undefined;
  const r = await c.query({ name: 'find-request', text: FIND_REQUEST, values: [record.citizen.id, record.clientRequestId] });
  return r.rowCount ? toSeen(r.rows[0] as Row) : undefined;
}

/** The advisory lock that puts one citizen's capped creates, from any node, one after the other (see createUnlessMade). */
export const citizenOpensLock = (record: ConsultationRecord): string => `opens.${record.citizen.id}`;

export type Created = { ok: true } | { ok: false; reason: 'too-many-open'; open: number } | { ok: false; reason: 'duplicate'; first: Seen };

/**
 * Inserts the consultation unless its citizen's `clientRequestId` made one already (that one
 * comes back, counted against nothing) or, with `max`, they have `max` open ones. A capped
 * create runs in a batch that holds `citizenOpensLock`, so creates for one citizen go one after
 * the other: the lock is taken in a statement before these reads, so they read after the other
 * create's commit (a statement that locked and counted at once would count from a snapshot taken
 * before it waited).
 */
export async function createUnlessMade(c: ClientBase, record: ConsultationRecord, max: number | undefined): Promise<Created> {
  const made = await madeBy(c, record);
  if (made) return { ok: false, reason: 'duplicate', first: made };
  if (max !== undefined) {
    const counted = await c.query({ name: 'count-citizen-opens', text: `SELECT count(*)::int AS n FROM consultations WHERE citizen_id = $1 AND state IN (${OPEN})`, values: [record.citizen.id] });
    const open = Number((counted.rows[0] as { n: number }).n);
    if (open >= max) return { ok: false, reason: 'too-many-open', open };
  }
  if (await insertConsultation(c, record)) return { ok: true };
  // Another node made this request between the look above and the insert (an uncapped create
  // takes no lock), and committed: this statement's snapshot, newer than its commit, sees it.
  const theirs = await madeBy(c, record);
  if (!theirs) throw new Error(`store: request ${record.clientRequestId} of ${record.citizen.id} conflicted with a row that is not there`);
  return { ok: false, reason: 'duplicate', first: theirs };
}
