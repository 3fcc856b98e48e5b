import { err, ok, type Result } from '../../protocol/result.ts';
import type { Identity } from '../auth/identity.ts';
import type { ConsultationViewT } from '../../protocol/frames.ts';
import { person, toView } from '../kernel/views.ts';
import type { Person, ReadReceipt, Store, StoredMessage } from '../store/port.ts';
import { relation } from './access.ts';

/**
 * A consultation's service record (服务记录), whole, as its parties may keep it and a supervisor
 * may examine it: the consultation, every entry of its transcript in order (messages, and the
 * service entries lawline writes itself: a call started or ended), who read up to where, and the
 * lawyer's notes for everyone but the citizen, from whom they are always kept.
 */
export interface ServiceRecord {
  /** What its people see of the consultation anyway, and what a record adds. */
  consultation: ConsultationViewT & {
    opposingParty?: string;
    breached?: boolean;
    /** Not in a citizen's copy. */
    handover?: { from: Person; note: string };
    /** The lawyer's wrap-up note; not in a citizen's copy. */
    note?: string;
  };
  entries: RecordEntry[];
  readReceipts: { userId: string; upToSeq: number; at: number }[];
  exported: { at: number; by: Person };
}

export type RecordEntry =
  | { kind: 'message'; seq: number; at: number; from: Person; body: string }
  /** Written by lawline (`svc:` message ids); `event` as its writer recorded it (a call: `{ call: 'started' | 'ended', media, durationMs, reason, by }`). */
  | { kind: 'service'; seq: number; at: number; from: Person; event: Record<string, unknown> };

export interface RecordDeps {
  store: Pick<Store, 'getConsultation' | 'history' | 'readReceipts' | 'appendAudit'>;
  now: () => number;
}

export type RecordError = 'not-found' | 'not-member';

/** The record for `identity`, or why not; a read of someone else's record is audited before it is returned. */
export async function readServiceRecord(deps: RecordDeps, identity: Identity, consultationId: string): Promise<Result<ServiceRecord, RecordError>> {
  const c = await deps.store.getConsultation(consultationId);
  if (!c) return err('not-found');
  const rel = relation(identity, c);
  if (rel === 'none') return err('not-member');
  if (rel !== 'party') await deps.store.appendAudit({ at: deps.now(), actor: person(identity), action: 'consult.record.export', subject: c.id, owner: c.citizen.id });
  const messages = await wholeTranscript(deps.store, c.id);
  const forCitizen = identity.role === 'citizen';
  return ok({
    consultation: {
      ...toView(c),
      ...(c.opposingParty ? { opposingParty: c.opposingParty } : {}),
      ...(c.breached ? { breached: true } : {}),
      ...(!forCitizen && c.handover ? { handover: c.handover } : {}),
      ...(!forCitizen && c.note ? { note: c.note } : {}),
    },
    entries: messages.map(toEntry),
    readReceipts: (await deps.store.readReceipts(c.id)).map(({ userId, upToSeq, at }: ReadReceipt) => ({ userId, upToSeq, at })),
    exported: { at: deps.now(), by: person(identity) },
  });
}

/** Pages back from the newest: the store reads history newest first, a page at a time. */
async function wholeTranscript(store: RecordDeps['store'], id: string): Promise<StoredMessage[]> {
  const pages: StoredMessage[][] = [];
  let beforeSeq: number | undefined;
  for (;;) {
    const page = await store.history(id, { ...(beforeSeq !== undefined ? { beforeSeq } : {}), limit: 500 });
    pages.push(page.messages);
    if (!page.hasMore || page.messages.length === 0) break;
    beforeSeq = Math.min(...page.messages.map((m) => m.seq));
  }
  return pages.flat().sort((a, b) => a.seq - b.seq);
}

function toEntry(m: StoredMessage): RecordEntry {
  if (m.clientMsgId.startsWith('svc:')) {
    const event = parseEvent(m.body);
    if (event) return { kind: 'service', seq: m.seq, at: m.at, from: m.from, event };
  }
  return { kind: 'message', seq: m.seq, at: m.at, from: m.from, body: m.body };
}

function parseEvent(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    // Written by lawline itself; one that does not parse is shown as the message it is.
    return undefined;
  }
}
