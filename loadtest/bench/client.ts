// What the driver jobs share: a lawline connection speaking msgpack, with request/reply
// matching, and a helper to open many of them a batch at a time.
import { Packr, Unpackr } from 'msgpackr';
import WebSocket from 'ws';
import { SUBPROTOCOL_MSGPACK } from '../../protocol/version.ts';

export const packr = new Packr({ useRecords: false, variableMapSize: true });
export const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
export type Frame = { type: string; id?: number; ok?: boolean; seq?: number; event?: string; data?: Record<string, unknown>; error?: { code: number; message: string } };

export function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, SUBPROTOCOL_MSGPACK, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** A lawline connection with request/reply matching, for setup steps. */
export class Session {
  private nextId = 1;
  private readonly waiting = new Map<number, (f: Frame) => void>();
  onPush: (f: Frame) => void = () => undefined;
  onReply: (f: Frame) => boolean = () => false;
  lastSeq = 0;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const f = unpackr.unpack(data) as Frame;
      if (f.type === 'push') {
        this.lastSeq = f.seq as number;
        this.onPush(f);
      } else if (f.type === 'reply' && !this.onReply(f)) {
        this.waiting.get(f.id as number)?.(f);
        this.waiting.delete(f.id as number);
      }
    });
  }
  static async connect(url: string, token: string): Promise<Session> {
    const s = new Session(await open(url));
    await s.call('hello', { token });
    return s;
  }
  id(): number {
    return this.nextId++;
  }
  call(type: string, data: unknown): Promise<Record<string, unknown>> {
    const id = this.id();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (f) => (f.ok ? resolve(f.data ?? {}) : reject(new Error(`${type}: ${f.error?.code} ${f.error?.message}`))));
      this.ws.send(packr.pack({ type, id, data }));
    });
  }
  ack(): void {
    this.ws.send(packr.pack({ type: 'ack', seq: this.lastSeq }));
  }
}

export async function inBatches<T>(count: number, batch: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => make(i + j)))));
  return out;
}
