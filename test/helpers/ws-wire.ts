import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * A WebSocket client written down to the byte over `node:net`, for the conformance tests:
 * it sends exactly the frames it is told (reserved bits, bad opcodes, unmasked, fragmented,
 * split across TCP writes) and reports exactly what the server sent back, close frame or not.
 * `ws` cannot do this: it refuses to send most of what those tests need.
 */

export const Op = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export interface FrameSpec {
  opcode: number;
  payload?: Buffer | string;
  /** default true */
  fin?: boolean;
  /** RSV1..RSV3 as bits 4, 2, 1 (default 0) */
  rsv?: number;
  /** default true: RFC 6455 5.3 requires every client frame masked */
  mask?: boolean;
}

export interface WireFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

export function encodeFrame({ opcode, payload = Buffer.alloc(0), fin = true, rsv = 0, mask = true }: FrameSpec): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const n = body.length;
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  head[1] = (mask ? 0x80 : 0) | (lengthBytes === 0 ? n : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) head.writeUInt16BE(n, 2);
  if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(n), 2);
  if (!mask) return Buffer.concat([head, body]);
  const key = randomBytes(4);
  key.copy(head, 2 + lengthBytes);
  const masked = Buffer.alloc(n);
  for (let i = 0; i < n; i++) masked[i] = (body[i] as number) ^ (key[i & 3] as number);
  return Buffer.concat([head, masked]);
}

/** One message as data frames of `size` bytes: the first carries the opcode, the rest continue it, the last has FIN. */
export function fragments(payload: Buffer, size: number, opcode: number = Op.TEXT): FrameSpec[] {
  const count = Math.max(1, Math.ceil(payload.length / size));
  return Array.from({ length: count }, (_, i) => ({
    opcode: i === 0 ? opcode : Op.CONTINUATION,
    fin: i === count - 1,
    payload: payload.subarray(i * size, (i + 1) * size),
  }));
}

/** A close frame's payload: code then UTF-8 reason (or raw bytes, to send invalid ones). */
export function closePayload(code: number, reason: Buffer | string = ''): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, typeof reason === 'string' ? Buffer.from(reason) : reason]);
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export class WireClient {
  readonly frames: WireFrame[] = [];
  /** The server ended the TCP connection (FIN or reset). */
  tcpClosed = false;
  /** We sent a close frame (our own, or the answer to the server's: RFC 6455 5.5.1). */
  closeSent = false;
  /** The socket's last error, if any (a reset is how some failed connections end). */
  socketError: string | undefined;
  private pending: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => {
      this.tcpClosed = true;
      this.wake();
    });
    // ECONNRESET, or EPIPE on a write after the server failed the connection: kept for the
    // reader, and 'close' follows, so the case sees the connection gone.
    socket.on('error', (e) => (this.socketError = e.message));
  }

  /** Opens TCP and performs the opening handshake, checking the server's accept key. */
  static connect(port: number, subprotocol: string, path = '/ws'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      const key = randomBytes(16).toString('base64');
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.off('error', reject);
        const lines = head.subarray(0, end).toString('latin1').split('\r\n');
        const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const accept = createHash('sha1').update(key + GUID).digest('base64');
        if (!lines[0]?.startsWith('HTTP/1.1 101') || headers.get('sec-websocket-accept') !== accept || headers.get('sec-websocket-protocol') !== subprotocol) {
          socket.destroy();
          return reject(new Error(`handshake refused: ${lines.join(' | ')}`));
        }
        const client = new WireClient(socket);
        client.receive(head.subarray(end + 4));
        resolve(client);
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${subprotocol}\r\n\r\n`,
      );
    });
  }

  /**
   * Writes frames back to back; with `chunk`, the bytes go out in writes of that size (one
   * TCP segment each on loopback with Nagle off), `delayMs` apart, so the server sees a frame
   * arrive in pieces.
   */
  async send(frames: FrameSpec | FrameSpec[], options: { chunk?: number; delayMs?: number } = {}): Promise<void> {
    const list = Array.isArray(frames) ? frames : [frames];
    if (list.some((f) => f.opcode === Op.CLOSE)) this.closeSent = true;
    await this.write(Buffer.concat(list.map(encodeFrame)), options);
  }

  /** Writes bytes as they are (a frame cut in pieces, a header no encoder would make). */
  async write(bytes: Buffer, options: { chunk?: number; delayMs?: number } = {}): Promise<void> {
    const size = options.chunk ?? bytes.length;
    for (let at = 0; at < bytes.length; at += size) {
      if (this.socket.destroyed) return;
      this.socket.write(bytes.subarray(at, at + size));
      if (options.delayMs !== undefined) await new Promise((r) => setTimeout(r, options.delayMs));
      else if (options.chunk !== undefined) await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Writes bytes and resolves once the socket has taken them (or closed): a flood sent in a
   * loop goes at the server's pace instead of piling up in this process's buffer.
   */
  writeDrained(bytes: Buffer): Promise<void> {
    // Never resolved in a microtask: a loop of these would starve the reads that end it.
    if (this.socket.destroyed || this.socket.write(bytes)) return new Promise((r) => setImmediate(r));
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Waits for (and removes) the next frame; undefined once TCP closed or after `timeoutMs`. */
  async next(timeoutMs: number): Promise<WireFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame) return frame;
      const left = deadline - Date.now();
      if (this.tcpClosed || left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server has closed TCP, or false after `timeoutMs`. */
  async waitTcpClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.tcpClosed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.tcpClosed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const frame = this.parse();
      if (!frame) break;
      this.frames.push(frame);
      // A client echoes the close it receives; the server then closes TCP (RFC 6455 5.5.1, 7.1.1).
      if (frame.opcode === Op.CLOSE && !this.closeSent) {
        this.closeSent = true;
        this.socket.write(encodeFrame({ opcode: Op.CLOSE, payload: frame.payload.subarray(0, 2) }));
      }
    }
    this.wake();
  }

  private parse(): WireFrame | undefined {
    const buf = this.pending;
    if (buf.length < 2) return undefined;
    const b0 = buf[0] as number;
    const b1 = buf[1] as number;
    let at = 2;
    let length = b1 & 0x7f;
    if (length === 126) {
      if (buf.length < 4) return undefined;
      length = buf.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (buf.length < 10) return undefined;
      length = Number(buf.readBigUInt64BE(2));
      at = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    const key = masked ? buf.subarray(at, at + 4) : undefined;
    if (masked) at += 4;
    if (buf.length < at + length) return undefined;
    const payload = Buffer.from(buf.subarray(at, at + length));
    if (key) for (let i = 0; i < length; i++) payload[i] = (payload[i] as number) ^ (key[i & 3] as number);
    this.pending = buf.subarray(at + length);
    return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload };
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
