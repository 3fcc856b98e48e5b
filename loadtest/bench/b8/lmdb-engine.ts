import { open, type Database } from 'lmdb';
import type { ConsultationRecord, Person, StoredMessage } from '../../../server/store/port.ts';
import type { BenchEngine } from './engine.ts';

/** A message as stored under [consultationId, seq]: the key holds those two. */
interface MessageValue {
  f: Person;
  c: string;
  b: string;
  a: number;
}

/** A consultation as stored: the record and its number (see `n` below). */
interface Stored {
  c: ConsultationRecord;
  n: number;
}

/** A consultation being written to: its number, state and seq in memory, retries of writes not yet durable. */
interface Hot {
  n: number;
  state: ConsultationRecord['state'];
  lastSeq: number;
  inFlight: Map<string, Promise<number>>;
}

/** Past every seq: the upper end of a consultation's key range. */
const SEQ_END = 2 ** 31;

/**
 * LMDB (lmdb-js): synchronous reads from the memory map on the event loop, writes batched per
 * event turn and committed on lmdb-js's own write thread. With overlappingSync (the default on
 * Linux) a write's promise resolves at commit, before the fsync: an ack waits for `flushed`.
 * Only consultations being written have state in memory (`Hot`), loaded on first use; duplicate
 * detection past the writes in flight is a lookup in an index on disk.
 */
export async function openLmdbEngine(dir: string): Promise<BenchEngine> {
  const env = open({ path: dir, maxDbs: 8, separateFlushed: true });
  const consultations: Database<Stored, string> = env.openDB({ name: 'consultations' });
  // Keyed by n, a number in creation order, not by the random id: the consultations being written
  // to (the newest) then share the right edge of the trees, and a commit copies few pages.
  const numbers: Database<string, number> = env.openDB({ name: 'numbers' });
  const messages: Database<MessageValue, [number, number]> = env.openDB({ name: 'messages' });
  const clientIds: Database<number, [number, string, string]> = env.openDB({ name: 'client-ids' });
  /** [personId, createdAt, consultationId]: a person's consultations in time order. */
  const byPerson: Database<boolean, [string, number, string]> = env.openDB({ name: 'by-person' });
  const hot = new Map<string, Hot>();
  let commits = 0;
  env.on('aftercommit', () => commits++);
  let nextN = 1;
  for (const key of numbers.getKeys({ reverse: true, limit: 1 })) nextN = (key as number) + 1;

  const durable = async (p: Promise<boolean>) => {
    await p;
    await (p as Promise<boolean> & { flushed?: Promise<void> }).flushed;
  };

  const load = (id: string): Hot | undefined => {
    let h = hot.get(id);
    if (h) return h;
    const s = consultations.get(id);
    if (!s) return undefined;
    let lastSeq = 0;
    for (const key of messages.getKeys({ start: [s.n, SEQ_END], end: [s.n, 0], reverse: true, limit: 1 })) lastSeq = (key as [number, number])[1];
    h = { n: s.n, state: s.c.state, lastSeq, inFlight: new Map() };
    if (s.c.state === 'active') hot.set(id, h);
    return h;
  };

  return {
    async create(c) {
      void byPerson.put([c.citizen.id, c.createdAt, c.id], true);
      if (c.lawyer) void byPerson.put([c.lawyer.id, c.createdAt, c.id], true);
      const n = nextN++;
      void numbers.put(n, c.id);
      const written = consultations.put(c.id, { c, n });
      hot.set(c.id, { n, state: c.state, lastSeq: c.lastSeq, inFlight: new Map() });
      await durable(written);
    },
    async append(m) {
      const h = load(m.consultationId);
      if (!h || h.state !== 'active') return { refused: true };
      const key = `${m.from.id}\u0000${m.clientMsgId}`;
      const pending = h.inFlight.get(key);
      if (pending) return { seq: await pending, duplicate: true };
      const first = clientIds.get([h.n, m.from.id, m.clientMsgId]);
      if (first !== undefined) return { seq: first, duplicate: true };
      const seq = ++h.lastSeq;
      void clientIds.put([h.n, m.from.id, m.clientMsgId], seq);
      const written = durable(messages.put([h.n, seq], { f: m.from, c: m.clientMsgId, b: m.body, a: m.at })).then(() => seq);
      h.inFlight.set(key, written);
      // Once durable the index on disk answers retries (a failed write is retried afresh).
      void written.then(
        () => h.inFlight.delete(key),
        () => h.inFlight.delete(key),
      );
      return { seq: await written, duplicate: false };
    },
    async finish(id, at) {
      const s = consultations.get(id);
      const h = load(id);
      if (!s || !h) throw new Error(`lmdb: close of unknown consultation ${id}`);
      h.state = 'closed';
      await durable(consultations.put(id, { c: { ...s.c, state: 'closed', updatedAt: at, lastSeq: h.lastSeq }, n: s.n }));
      await Promise.all(h.inFlight.values());
      hot.delete(id);
    },
    async history(id, limit) {
      const s = consultations.get(id);
      if (!s) return { consultation: undefined, messages: [] };
      const c = s.c;
      const page: StoredMessage[] = [];
      for (const { key, value } of messages.getRange({ start: [s.n, SEQ_END], end: [s.n, 0], reverse: true, limit })) {
        page.push({ consultationId: id, seq: (key as [number, number])[1], from: value.f, clientMsgId: value.c, body: value.b, at: value.a });
      }
      return { consultation: { ...c, lastSeq: load(id)?.lastSeq ?? c.lastSeq }, messages: page.reverse() };
    },
    commits: () => commits,
    async shutdown() {
      await env.flushed;
      await env.close();
    },
  };
}
