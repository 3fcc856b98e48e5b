import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** What a store worker answers: `n` names the request; `error` a failure of that request alone. */
export interface Reply<T = unknown> {
  n: number;
  value?: T;
  error?: string;
  /** Sent unasked by a worker (migration progress). */
  event?: unknown;
}

/**
 * A worker's entry and what it imports as one CommonJS script, packages left to `require` from
 * this folder. Node 20 does not pass the tsx loader (`--import tsx`) on to workers: registering
 * it in each worker cost ~1 s of start per thread on these machines (its transform of every
 * file, twice over), esbuild (the web bundle's) does it once in ~50 ms.
 */
const bundles = new Map<string, string>();
function bundled(entry: URL): string {
  let code = bundles.get(entry.href);
  if (code === undefined) {
    const out = buildSync({ entryPoints: [fileURLToPath(entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', write: false, logLevel: 'error' });
    const js = (out.outputFiles[0] as { text: string }).text;
    const from = JSON.stringify(fileURLToPath(import.meta.url));
    code = `((require) => {${js}\n})(require('node:module').createRequire(${from}));`;
    bundles.set(entry.href, code);
  }
  return code;
}

/** A worker thread running one of this folder's `*-worker.ts` files, asked by message and answered in order. */
export class WorkerRpc {
  private readonly replies = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private next = 1;
  private failure: Error | undefined;
  private readonly worker: Worker;

  private constructor(entry: URL, data: unknown, onEvent: (event: unknown) => void, onFailure: (e: Error) => void) {
    this.worker = new Worker(bundled(entry), { eval: true, workerData: data });
    this.worker.on('message', (r: Reply) => {
      if (r.event !== undefined) return onEvent(r.event);
      const waiting = this.replies.get(r.n);
      this.replies.delete(r.n);
      if (r.error !== undefined) waiting?.reject(new Error(r.error));
      else waiting?.resolve(r.value);
    });
    const fail = (e: Error) => {
      if (this.failure) return;
      this.failure = e;
      for (const w of this.replies.values()) w.reject(e);
      this.replies.clear();
      onFailure(e);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`store: worker exited (${code})`)));
  }

  /** Starts the worker and waits for its first reply (request 0: it opened what it needs). */
  static async start(entry: URL, data: unknown, options: { onEvent?: (event: unknown) => void; onFailure?: (e: Error) => void } = {}): Promise<WorkerRpc> {
    let started: (v: unknown) => void = () => undefined;
    let failed: (e: Error) => void = () => undefined;
    const ready = new Promise((resolve, reject) => ((started = resolve), (failed = reject)));
    const rpc = new WorkerRpc(entry, data, options.onEvent ?? (() => undefined), (e) => {
      failed(e);
      options.onFailure?.(e);
    });
    rpc.replies.set(0, { resolve: started, reject: failed });
    await ready;
    return rpc;
  }

  ask<T>(request: Record<string, unknown>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const n = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.replies.set(n, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ n, ...request });
    });
  }

  /** Asks the worker to close its database, then ends the thread. */
  async stop(): Promise<void> {
    if (!this.failure) await this.ask({ k: 'close' }).catch(() => undefined);
    this.failure ??= new Error('store: closed');
    await this.worker.terminate();
  }
}
