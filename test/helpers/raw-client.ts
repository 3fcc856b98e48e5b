import WebSocket from 'ws';
import { decodeFrame, encodeFrame } from '../../protocol/codec.ts';
import type { ServerFrame } from '../../protocol/frames.ts';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, type Encoding } from '../../protocol/version.ts';
import type { TestServer } from './server.ts';

/**
 * A bare protocol client over a real socket, for tests that must send exactly the bytes
 * they mean (malformed frames, hostile tokens) and read exactly what comes back.
 */
export class RawClient {
  readonly frames: ServerFrame[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];
  private nextId = 1;
  readonly closed: Promise<number>;

  private constructor(
    readonly ws: WebSocket,
    readonly encoding: Encoding,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const decoded = decodeFrame(data, isBinary, encoding, 16 * 1024 * 1024);
      if (!decoded.ok) throw new Error(`server sent an undecodable frame: ${decoded.error.message}`);
      this.frames.push(decoded.value as ServerFrame);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        this.wake();
        resolve(code);
      }),
    );
  }

  static connect(url: string, encoding: Encoding = 'msgpack', options: WebSocket.ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, encoding === 'msgpack' ? SUBPROTOCOL_MSGPACK : SUBPROTOCOL_JSON, options);
    const client = new RawClient(ws, encoding);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  sendRaw(data: Buffer | Uint8Array | string, binary = typeof data !== 'string'): void {
    this.ws.send(data, { binary });
  }

  send(frame: unknown): void {
    this.sendRaw(encodeFrame(frame, this.encoding) as Uint8Array | string);
  }

  /** Sends a request and returns its id. */
  request(type: string, data: unknown): number {
    const id = this.nextId++;
    this.send({ type, id, data });
    return id;
  }

  async call(type: string, data: unknown, timeoutMs = 5000): Promise<ServerFrame & { type: 'reply' }> {
    const id = this.request(type, data);
    return this.waitFor((f): f is ServerFrame & { type: 'reply' } => f.type === 'reply' && f.id === id, timeoutMs);
  }

  async hello(token: string, resume?: { sessionId: string; lastSeq: number }) {
    const reply = await this.call('hello', resume ? { token, resume } : { token });
    if (!reply.ok) throw new Error(`hello refused: ${reply.error.code} ${reply.error.message}`);
    return reply.data as { sessionId: string; resumed: boolean; seq: number; snapshot?: { consultations: { id: string }[] } };
  }

  /** Waits for (and removes) the first frame matching `match`. */
  async waitFor<F extends ServerFrame>(match: (f: ServerFrame) => f is F, timeoutMs?: number): Promise<F>;
  async waitFor(match: (f: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  async waitFor(match: (f: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(match);
      if (i >= 0) return this.frames.splice(i, 1)[0] as ServerFrame;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames seen: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitClose(timeoutMs = 5000): Promise<number> {
    return Promise.race([
      this.closed,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error('socket not closed in time')), timeoutMs)),
    ]);
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export const isPush = (event: string) => (f: ServerFrame): f is ServerFrame & { type: 'push' } => f.type === 'push' && f.event === event;

type Reply = Awaited<ReturnType<RawClient['call']>>;

/** The consultation a reply carries; an error reply throws, naming its code. */
export function consultationOf(reply: Reply): { id: string; state: string; lawyer?: { id: string } } {
  if (!reply.ok) throw new Error(`error ${reply.error.code}: ${reply.error.message}`);
  return (reply.data as { consultation: { id: string; state: string; lawyer?: { id: string } } }).consultation;
}

/** Raw clients signed in to a test file's server (`server()`: started in its beforeAll), all closed by `closeAll` (its afterEach). */
export class SignedIn {
  private readonly open: RawClient[] = [];

  constructor(private readonly server: () => Pick<TestServer, 'url' | 'token'>) {}

  async as(claims: Parameters<TestServer['token']>[0]): Promise<RawClient> {
    const client = await RawClient.connect(this.server().url);
    this.open.push(client);
    await client.hello(await this.server().token(claims));
    return client;
  }

  closeAll(): void {
    for (const c of this.open.splice(0)) c.close();
  }
}
