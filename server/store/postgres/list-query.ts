import { CONSULTATION_STATES } from '../../../protocol/vocabulary.ts';
import type { ConsultationFilter } from '../port.ts';

const KNOWN_STATES = new Set<string>(CONSULTATION_STATES);

/**
 * The consultations query for a filter. States are written into the text, not passed as a
 * parameter: the store's connections plan generically, and only a literal list lets the
 * planner prove a partial index of open consultations applies (the message desk lists the open
 * message ones every second; a deployment keeps years of closed ones). States come from a
 * closed vocabulary, checked here, so the text stays free of input.
 */
export function listQuery(filter: ConsultationFilter): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => `$${values.push(v)}`;
  if (filter.participantId) {
    const id = param(filter.participantId);
    where.push(`(citizen_id = ${id} OR lawyer_id = ${id})`);
  }
  if (filter.citizenId) where.push(`citizen_id = ${param(filter.citizenId)}`);
  // lawyer_id is the lawyer who holds it now (`isHeldBy`).
  if (filter.lawyerId) where.push(`lawyer_id = ${param(filter.lawyerId)}`);
  if (filter.states) where.push(`state IN (${stateLiterals(filter.states)})`);
  if (filter.categories) where.push(`category = ANY(${param(filter.categories)})`);
  if (filter.channel) where.push(`record->>'channel' = ${param(filter.channel)}`);
  // A row comparison, which the citizen's index (created_at, id) answers as a range; ids compare
  // by code unit, as the file store does (`newestFirst`), whatever the database's collation.
  if (filter.before) where.push(`(created_at, id COLLATE "C") < (${param(filter.before.createdAt)}, ${param(filter.before.id)})`);
  const limit = filter.limit !== undefined ? ` LIMIT ${param(filter.limit)}` : '';
  return { text: `SELECT record, last_seq FROM consultations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id COLLATE "C" DESC${limit}`, values };
}

function stateLiterals(states: readonly string[]): string {
  const unknown = states.find((s) => !KNOWN_STATES.has(s));
  if (unknown !== undefined) throw new Error(`store: unknown consultation state ${JSON.stringify(unknown)}`);
  // An empty list matches nothing, as `= ANY('{}')` would.
  return states.length ? states.map((s) => `'${s}'`).join(', ') : 'NULL';
}
