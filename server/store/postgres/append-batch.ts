import type { PoolClient } from 'pg';
import type { NewMessage, StoredMessage } from '../port.ts';
import type { CommitBatcher } from './commit-batcher.ts';

/** What one append came to: see `AppendBatch.append`. */
export type BatchedAppend =
  | { k: 'stored'; message: StoredMessage; duplicate: boolean; lastSeq: number }
  /** The consultation changed (a transition) since the version the sender was checked against. */
  | { k: 'stale' }
  | { k: 'not-found' };

interface Entry {
  message: NewMessage;
  version: number;
  resolve: (r: BatchedAppend) => void;
  reject: (e: unknown) => void;
}

type Row = Record<string, unknown>;

/*
 * All of a batch's messages in one statement. Each consultation's row is locked (in id order,
 * the order of every lock on consultations: commit-batcher.ts's LOCK_CONSULTATIONS) and must still be
 * at the version its sender was checked against; messages already stored under their client
 * id come back as they are; the rest get the next seqs in the order they arrived.
 *
 * Both lookups are lateral, one row at a time: a join would let the generic plan, made once
 * per connection and perhaps on empty tables, hash a sequential scan of the table for good
 * (measured: one scan of every message per message sent).
 */
export const APPEND_MESSAGES = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::integer[])
      WITH ORDINALITY AS i (consultation_id, from_id, client_msg_id, sender, body, at, version, ord)
  ), locked AS (
    SELECT c.* FROM (SELECT DISTINCT consultation_id FROM input ORDER BY 1) ids
      CROSS JOIN LATERAL (SELECT id, version, last_seq FROM consultations WHERE id = ids.consultation_id FOR UPDATE) c
  ), existing AS (
    SELECT i.ord, m.* FROM input i
      CROSS JOIN LATERAL (SELECT seq, sender, body, at FROM messages m
                           WHERE m.consultation_id = i.consultation_id AND m.from_id = i.from_id AND m.client_msg_id = i.client_msg_id
                           LIMIT 1) m
  ), fresh AS (
    SELECT i.*, l.last_seq + row_number() OVER (PARTITION BY i.consultation_id ORDER BY i.ord) AS seq
      FROM input i JOIN locked l ON l.id = i.consultation_id AND l.version = i.version
     WHERE i.ord NOT IN (SELECT ord FROM existing)
  ), bumped AS (
    UPDATE consultations c SET last_seq = f.last_seq
      FROM (SELECT consultation_id, max(seq) AS last_seq FROM fresh GROUP BY consultation_id) f
     WHERE c.id = f.consultation_id
    RETURNING c.id, c.last_seq
  ), inserted AS (
    INSERT INTO messages (consultation_id, seq, from_id, client_msg_id, sender, body, at)
    SELECT consultation_id, seq, from_id, client_msg_id, sender::jsonb, body, at FROM fresh
  )
  SELECT i.ord, l.id IS NOT NULL AS found, f.seq, COALESCE(b.last_seq, l.last_seq) AS last_seq,
         e.seq AS existing_seq, e.sender AS existing_sender, e.body AS existing_body, e.at AS existing_at
    FROM input i
    LEFT JOIN locked l ON l.id = i.consultation_id
    LEFT JOIN fresh f ON f.ord = i.ord
    LEFT JOIN existing e ON e.ord = i.ord
    LEFT JOIN bumped b ON b.id = i.consultation_id
   ORDER BY i.ord`;

/**
 * Chat messages written together: every append made while earlier writes are committing
 * rides in the next transaction as part of one statement, so a batch of messages costs one
 * round trip and one plan, not one per message. A batch that fails as a whole (another node
 * stored one of its client ids at the same moment) rejects every append in it; the store
 * answers the one that clashed and submits the others again.
 */
export class AppendBatch {
  private waiting: Entry[] = [];
  /** A job is queued in the batcher and has not yet taken `waiting`. */
  private queued = false;

  constructor(private readonly batcher: CommitBatcher) {}

  /** Stores `message` if its consultation is still at `version`. */
  append(message: NewMessage, version: number): Promise<BatchedAppend> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, version, resolve, reject });
      if (!this.queued) this.submit();
    });
  }

  private submit(): void {
    this.queued = true;
    // Taken when the job first runs; a batch run again (with savepoints) writes the same entries.
    let taken: Entry[] | undefined;
    const take = () => {
      if (!taken) {
        taken = this.waiting;
        this.waiting = [];
        this.queued = false;
      }
      return taken;
    };
    this.batcher.submit((client) => write(client, take()), {
      records: () => take().length,
      standalone: true,
      consultations: () => take().map((entry) => entry.message.consultationId),
    }).then(
      (results) => take().forEach((entry, i) => entry.resolve(results[i] as BatchedAppend)),
      (e: unknown) => take().forEach((entry) => entry.reject(e)),
    );
  }
}

async function write(client: PoolClient, entries: readonly Entry[]): Promise<BatchedAppend[]> {
  // One version per consultation in a statement: an entry checked against another is stale.
  const versionOf = new Map<string, number>();
  const sent: Entry[] = [];
  for (const entry of entries) {
    const id = entry.message.consultationId;
    if (!versionOf.has(id)) versionOf.set(id, entry.version);
    if (versionOf.get(id) === entry.version) sent.push(entry);
  }
  const column = <T>(of: (m: NewMessage) => T) => sent.map((e) => of(e.message));
  const r = await client.query({
    // Named: each connection parses and plans it once.
    name: 'append-messages',
    text: APPEND_MESSAGES,
    values: [
      column((m) => m.consultationId),
      column((m) => m.from.id),
      column((m) => m.clientMsgId),
      column((m) => JSON.stringify(m.from)),
      column((m) => m.body),
      column((m) => m.at),
      sent.map((e) => e.version),
    ],
  });
  const outcomes = new Map<Entry, BatchedAppend>();
  sent.forEach((entry, i) => outcomes.set(entry, outcome(entry.message, r.rows[i] as Row)));
  return entries.map((entry) => outcomes.get(entry) ?? { k: 'stale' });
}

function outcome(m: NewMessage, row: Row): BatchedAppend {
  if (!row.found) return { k: 'not-found' };
  const lastSeq = Number(row.last_seq);
  if (row.existing_seq !== null) {
    const message = { consultationId: m.consultationId, seq: Number(row.existing_seq), from: row.existing_sender as StoredMessage['from'], clientMsgId: m.clientMsgId, body: row.existing_body as string, at: Number(row.existing_at) };
    return { k: 'stored', message, duplicate: true, lastSeq };
  }
  if (row.seq === null) return { k: 'stale' };
  return { k: 'stored', message: { ...m, seq: Number(row.seq) }, duplicate: false, lastSeq };
}
