import type { Store } from '../../../server/store/port.ts';
import type { BenchEngine } from './engine.ts';

/** A product store through its real port, as the node drives it for chat. */
export function portEngine(name: string, store: Store): BenchEngine {
  return {
    async create(c) {
      const outcome = await store.createConsultation(c);
      if (!outcome.ok) throw new Error(`${name}: create refused: ${outcome.reason}`);
    },
    async append(m) {
      // chat.send: appendIfAdmitted with the sender's right to write checked against the consultation.
      const r = await store.appendIfAdmitted(m, (c) => c.state === 'active');
      if (!r.ok) return { refused: true };
      return { seq: r.message.seq, duplicate: r.duplicate };
    },
    async finish(id, at) {
      const r = await store.transition(id, ['active'], { state: 'closed', updatedAt: at });
      if (!r.ok) throw new Error(`${name}: close failed: ${r.reason}`);
    },
    async history(id, limit) {
      const consultation = await store.getConsultation(id);
      const page = consultation ? await store.history(id, { limit }) : { messages: [] };
      return { consultation, messages: page.messages };
    },
    commits: () => store.stats().fsyncs,
    shutdown: () => store.close(),
  };
}
