// The check at the end of a virtual user: what the server acked and what was delivered,
// against each consultation's transcript (consult.history).
import { LIMITS, type ChatMessageT } from '../../../protocol/frames.ts';
import type { LawlineClient } from '../../../clients/sdk/index.ts';
import { sleep, within } from './common.ts';

export interface Sent {
  seq: number;
  body: string;
}

export interface TranscriptCheck {
  /** acked messages looked up */
  verified: number;
  /** acked and not in the transcript at their seq with their id and body */
  lost: number;
  /** the other party's messages in the transcript never delivered here */
  undelivered: number;
}

/**
 * Lost: every message the server acked to this user must be in the consultation's history at
 * its seq, with its id and body. Undelivered: those of the other party in history after the
 * first one delivered here must have come as chat.message (read again after a second, so one
 * still on its way is not counted).
 */
export async function checkTranscripts(
  client: LawlineClient,
  me: string | undefined,
  delivered: ReadonlyMap<string, ReadonlySet<number>>,
  acked: ReadonlyMap<string, ReadonlyMap<string, Sent>>,
  deadline: number,
): Promise<TranscriptCheck> {
  const result: TranscriptCheck = { verified: 0, lost: 0, undelivered: 0 };
  const consultations = new Set([...delivered.keys(), ...acked.keys()]);
  for (const consultationId of consultations) {
    const seqs = delivered.get(consultationId) ?? new Set<number>();
    const mine = acked.get(consultationId) ?? new Map<string, Sent>();
    const lowest = Math.min(...[...mine.values()].map((m) => m.seq), ...seqs);
    if (!Number.isFinite(lowest)) continue;
    const history = await readHistory(client, consultationId, lowest, deadline);
    for (const [clientMsgId, { seq, body }] of mine) {
      const stored = history.get(seq);
      result.verified++;
      if (!stored || stored.clientMsgId !== clientMsgId || stored.body !== body) result.lost++;
    }
    const firstDelivered = Math.min(...seqs);
    const missing = () => [...history.values()].filter((m) => m.from.id !== me && m.seq > firstDelivered && !seqs.has(m.seq));
    if (missing().length > 0) await sleep(1000);
    result.undelivered += missing().length;
  }
  return result;
}

/** The consultation's messages from `downTo` up, a page at a time from the newest. */
async function readHistory(client: LawlineClient, consultationId: string, downTo: number, deadline: number): Promise<Map<number, ChatMessageT>> {
  const bySeq = new Map<number, ChatMessageT>();
  let beforeSeq: number | undefined;
  for (;;) {
    const left = Math.max(1000, deadline - Date.now());
    const page = await within(
      client.request('consult.history', { consultationId, limit: LIMITS.historyPageMax, ...(beforeSeq ? { beforeSeq } : {}) }),
      left,
      'lawline.verify.timeout',
      'verify (history)',
    );
    for (const m of page.messages) bySeq.set(m.seq, m);
    const oldest = Math.min(...page.messages.map((m) => m.seq));
    if (!page.hasMore || page.messages.length === 0 || oldest <= downTo) return bySeq;
    beforeSeq = oldest;
  }
}
