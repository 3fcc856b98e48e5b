import { Worker } from 'node:worker_threads';
import type { StoredMessage, ConsultationRecord } from '../../../server/store/port.ts';
import type { BenchEngine } from './engine.ts';
import type { SqliteOp, SqliteResult } from './sqlite-ops.ts';

interface Waiting {
  op: SqliteOp;
  resolve: (r: SqliteResult) => void;
  reject: (e: Error) => void;
}

type Reply = { n: number; results?: SqliteResult[]; history?: { consultation: ConsultationRecord | undefined; messages: StoredMessage[] }; error?: string; ready?: true; closed?: true };

/**
 * SQLite (better-sqlite3, WAL, synchronous=FULL) in a worker thread. Group commit as the file
 * store does it: the first write goes at once; writes made while a transaction is in the
 * worker wait and go together as the next one.
 */
export async function openSqliteEngine(dir: string): Promise<BenchEngine> {
  // Node 20 does not pass the tsx loader (--import tsx) on to workers: the worker registers it first.
  const entry = new URL('./sqlite-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { dir } });
  const replies = new Map<number, (r: Reply) => void>();
  let next = 1;
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (r: Reply) => (r.ready ? resolve() : reject(new Error(r.error))));
  });
  worker.on('message', (r: Reply) => {
    const done = replies.get(r.n);
    replies.delete(r.n);
    done?.(r);
  });
  const ask = (req: Record<string, unknown>) =>
    new Promise<Reply>((resolve, reject) => {
      const n = next++;
      replies.set(n, (r) => (r.error ? reject(new Error(`sqlite: ${r.error}`)) : resolve(r)));
      worker.postMessage({ n, ...req });
    });

  let waiting: Waiting[] = [];
  let writing = false;
  let commits = 0;
  const flush = async () => {
    writing = true;
    while (waiting.length) {
      const batch = waiting;
      waiting = [];
      try {
        const { results } = await ask({ ops: batch.map((w) => w.op) });
        commits++;
        batch.forEach((w, i) => w.resolve((results as SqliteResult[])[i] as SqliteResult));
      } catch (e) {
        for (const w of batch) w.reject(e as Error);
      }
    }
    writing = false;
  };
  const submit = (op: SqliteOp) =>
    new Promise<SqliteResult>((resolve, reject) => {
      waiting.push({ op, resolve, reject });
      if (!writing) void flush();
    });

  return {
    async create(c) {
      await submit({ k: 'create', c });
    },
    async append(m) {
      const r = await submit({ k: 'append', m });
      return r.k === 'stored' ? { seq: r.seq, duplicate: r.duplicate } : { refused: true };
    },
    async finish(id, at) {
      await submit({ k: 'finish', id, at });
    },
    async history(id, limit) {
      const r = await ask({ history: { id, limit } });
      return r.history as { consultation: ConsultationRecord | undefined; messages: StoredMessage[] };
    },
    commits: () => commits,
    async shutdown() {
      while (writing) await new Promise((r) => setImmediate(r));
      await ask({ close: true });
      await worker.terminate();
    },
  };
}
