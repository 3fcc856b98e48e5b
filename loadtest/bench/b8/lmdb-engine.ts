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

/** A consultation being written to: its state and seq in memory, retries of writes not yet durable. */
interface Hot {
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
  const consultations: Database<ConsultationRecord, string> = env.openDB({ name: 'consultations' });
  const messages: Database<MessageValue, [string, number]> = env.openDB({ name: 'messages' });
  const clientIds: Database<number, [string, string, string]> = env.openDB({ name: 'client-ids' });
  /** [personId, createdAt, consultationId]: a person's consultations in time order. */
  const byPerson: Database<boolean, [string, number, string]> = env.openDB({ name: 'by-person' });
  const hot = new Map<string, Hot>();

  const durable = async (p: Promise<boolean>) => {
    await p;
    await (p as Promise<boolean> & { flushed?: Promise<void> }).flushed;
  };

  const load = (id: string): Hot | undefined => {
    let h = hot.get(id);
    if (h) return h;
    const c = consultations.get(id);
    if (!c) return undefined;
    let lastSeq = 0;
    for (const key of messages.getKeys({ start: [id, SEQ_END], end: [id, 0], reverse: true, limit: 1 })) lastSeq = (key as [string, number])[1];
    h = { state: c.state, lastSeq, inFlight: new Map() };
    if (c.state === 'active') hot.set(id, h);
    return h;
  };

  return {
    async create(c) {
      void byPerson.put([c.citizen.id, c.createdAt, c.id], true);
      if (c.lawyer) void byPerson.put([c.lawyer.id, c.createdAt, c.id], true);
      const written = consultations.put(c.id, c);
      hot.set(c.id, { state: c.state, lastSeq: c.lastSeq, inFlight: new Map() });
      await durable(written);
    },
    async append(m) {
      const h = load(m.consultationId);
      if (!h || h.state !== 'active') return { refused: true };
      const key = `${m.from.id}\u0000${m.clientMsgId}`;
      const pending = h.inFlight.get(key);
      if (pending) return { seq: await pending, duplicate: true };
      const first = clientIds.get([m.consultationId, m.from.id, m.clientMsgId]);
      if (first !== undefined) return { seq: first, duplicate: true };
      const seq = ++h.lastSeq;
      void clientIds.put([m.consultationId, m.from.id, m.clientMsgId], seq);
      const written = durable(messages.put([m.consultationId, seq], { f: m.from, c: m.clientMsgId, b: m.body, a: m.at })).then(() => seq);
      h.inFlight.set(key, written);
      // Once durable the index on disk answers retries (a failed write is retried afresh).
      void written.then(
        () => h.inFlight.delete(key),
        () => h.inFlight.delete(key),
      );
      return { seq: await written, duplicate: false };
    },
    async finish(id, at) {
      const c = consultations.get(id);
      const h = load(id);
      if (!c || !h) throw new Error(`lmdb: close of unknown consultation ${id}`);
      h.state = 'closed';
      await durable(consultations.put(id, { ...c, state: 'closed', updatedAt: at, lastSeq: h.lastSeq }));
      await Promise.all(h.inFlight.values());
      hot.delete(id);
    },
    async history(id, limit) {
      const c = consultations.get(id);
      if (!c) return { consultation: undefined, messages: [] };
      const page: StoredMessage[] = [];
      for (const { key, value } of messages.getRange({ start: [id, SEQ_END], end: [id, 0], reverse: true, limit })) {
        page.push({ consultationId: id, seq: (key as [string, number])[1], from: value.f, clientMsgId: value.c, body: value.b, at: value.a });
      }
      return { consultation: { ...c, lastSeq: load(id)?.lastSeq ?? c.lastSeq }, messages: page.reverse() };
    },
    async shutdown() {
      await env.flushed;
      await env.close();
    },
  };
}
