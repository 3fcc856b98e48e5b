import type { ChatMessageT, ConsultationViewT, PersonViewT, PushData } from '../../../protocol/frames.ts';

/** A message the server stored (it has a seq). */
export type ChatLine = Pick<ChatMessageT, 'seq' | 'clientMsgId' | 'from' | 'body' | 'at'>;

/** A message this device wrote that the server has not acknowledged yet (or refused). */
export interface Outgoing {
  clientMsgId: string;
  body: string;
  at: number;
  /** Set when the server refused it for good. */
  error?: string;
}

export type StateReason = PushData<'consult.state'>['reason'];

/** One consultation as every screen sees it: what the server says, its transcript, and what is being typed. */
export interface ConsultationEntry {
  view: ConsultationViewT;
  /** Why it last changed state, when the server said. */
  reason: StateReason;
  /** Stored messages, by seq, each once. */
  messages: readonly ChatLine[];
  outgoing: readonly Outgoing[];
  /** The composer's unsent text. */
  draft: string;
  /** The other party, while they type. */
  typing: PersonViewT | undefined;
  /** Highest seq of the other party's messages this device has told the server it read. */
  readUpTo: number;
  /** idle: listed (an ended one) but its transcript not asked for until someone opens it. */
  history: 'idle' | 'loading' | 'loaded' | 'failed';
  /** Older messages than the first held are on the server (`consult.history` pages backwards). */
  hasOlder: boolean;
}

export type Consultations = Readonly<Record<string, ConsultationEntry>>;

const blank = (view: ConsultationViewT): ConsultationEntry => ({ view, reason: undefined, messages: [], outgoing: [], draft: '', typing: undefined, readUpTo: 0, history: 'loading', hasOlder: false });

/** The server's newest view of a consultation (an older one, by updatedAt, is ignored). */
export function upsertView(cs: Consultations, view: ConsultationViewT, reason?: StateReason): Consultations {
  const known = cs[view.id];
  if (known && known.view.updatedAt > view.updatedAt) return cs;
  const entry = known ? { ...known, view, reason: reason ?? known.reason } : { ...blank(view), reason };
  return { ...cs, [view.id]: entry };
}

function change(cs: Consultations, id: string, f: (e: ConsultationEntry) => ConsultationEntry): Consultations {
  const e = cs[id];
  return e ? { ...cs, [id]: f(e) } : cs;
}

/** Stored messages (live, or a page of history), merged by seq; an outgoing message they include is no longer outgoing. */
export function addMessages(cs: Consultations, id: string, lines: readonly ChatLine[]): Consultations {
  return change(cs, id, (e) => {
    const bySeq = new Map(e.messages.map((m) => [m.seq, m]));
    let added = false;
    for (const l of lines) {
      if (bySeq.has(l.seq)) continue;
      bySeq.set(l.seq, { seq: l.seq, clientMsgId: l.clientMsgId, from: l.from, body: l.body, at: l.at });
      added = true;
    }
    if (!added) return e;
    const stored = new Set(lines.map((l) => l.clientMsgId));
    const typing = lines.some((l) => l.from.id === e.typing?.id) ? undefined : e.typing;
    return { ...e, messages: [...bySeq.values()].sort((a, b) => a.seq - b.seq), outgoing: e.outgoing.filter((o) => !stored.has(o.clientMsgId)), typing };
  });
}

/** A message written here, shown as sending; one already shown (stored, or sending) stays as it is. */
export const addOutgoing = (cs: Consultations, id: string, o: Outgoing): Consultations =>
  change(cs, id, (e) => (e.messages.some((m) => m.clientMsgId === o.clientMsgId) || e.outgoing.some((x) => x.clientMsgId === o.clientMsgId) ? e : { ...e, outgoing: [...e.outgoing, o] }));

/** The server stored an outgoing message: it becomes a stored line (unless its push came first). */
export function acked(cs: Consultations, id: string, clientMsgId: string, ack: { seq: number; at: number }, me: PersonViewT): Consultations {
  const o = cs[id]?.outgoing.find((x) => x.clientMsgId === clientMsgId);
  if (!o) return cs;
  return addMessages(cs, id, [{ seq: ack.seq, clientMsgId, from: me, body: o.body, at: ack.at }]);
}

export const failed = (cs: Consultations, id: string, clientMsgId: string, error: string): Consultations =>
  change(cs, id, (e) => ({ ...e, outgoing: e.outgoing.map((o) => (o.clientMsgId === clientMsgId ? { ...o, error } : o)) }));

export const setDraft = (cs: Consultations, id: string, draft: string): Consultations => change(cs, id, (e) => (e.draft === draft ? e : { ...e, draft }));

export const setTyping = (cs: Consultations, id: string, who: PersonViewT, typing: boolean): Consultations =>
  change(cs, id, (e) => (typing ? { ...e, typing: who } : e.typing?.id === who.id ? { ...e, typing: undefined } : e));

export const setHistory = (cs: Consultations, id: string, history: ConsultationEntry['history']): Consultations => change(cs, id, (e) => ({ ...e, history }));

export const setHasOlder = (cs: Consultations, id: string, hasOlder: boolean): Consultations => change(cs, id, (e) => (e.hasOlder === hasOlder ? e : { ...e, hasOlder }));

/** A page of ended consultations: each one new here is listed with its transcript left on the server until opened. */
export function addPast(cs: Consultations, views: readonly ConsultationViewT[]): Consultations {
  return views.reduce((acc, v) => (acc[v.id] ? upsertView(acc, v) : { ...acc, [v.id]: { ...blank(v), history: 'idle' as const } }), cs);
}

export const setReadUpTo = (cs: Consultations, id: string, seq: number): Consultations => change(cs, id, (e) => (seq > e.readUpTo ? { ...e, readUpTo: seq } : e));

/** Open first, newest first: the order every list of consultations shows. */
export function ordered(cs: Consultations): ConsultationEntry[] {
  const open = (e: ConsultationEntry) => (e.view.state === 'closed' || e.view.state === 'cancelled' ? 1 : 0);
  return Object.values(cs).sort((a, b) => open(a) - open(b) || b.view.createdAt - a.view.createdAt);
}

export const isOpen = (view: ConsultationViewT): boolean => view.state !== 'closed' && view.state !== 'cancelled';
