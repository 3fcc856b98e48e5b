import type { MessagePort } from 'node:worker_threads';

/** The worker side: answers each request with `handle`'s value, or its error, to that request alone. */
export function serve(port: MessagePort, handle: (req: { n: number; k: string } & Record<string, unknown>) => unknown): void {
  port.on('message', (req: { n: number; k: string } & Record<string, unknown>) => {
    try {
      port.postMessage({ n: req.n, value: handle(req) });
    } catch (e) {
      port.postMessage({ n: req.n, error: (e as Error).message ?? String(e) });
    }
  });
  port.postMessage({ n: 0, value: true });
}
