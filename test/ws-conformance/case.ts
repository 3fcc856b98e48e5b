import { isUtf8 } from 'node:buffer';
import { decodeFrame, encodeFrame } from '../../protocol/codec.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { ServerFrame } from '../../protocol/frames.ts';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, type Encoding } from '../../protocol/version.ts';
import { closePayload, Op, WireClient, type FrameSpec, type WireFrame } from '../helpers/ws-wire.ts';
import { jsonRequest } from './requests.ts';

/**
 * Runs one Autobahn|Testsuite case, translated into lawline's terms, and writes down what
 * the server did as a list of events:
 *   `reply 2 ok`, `reply 2 SCHEMA_VIOLATION`, `error BAD_ENCODING`, `1000 round trips: ok`,
 *   `pong "text"` (or its bytes in hex), `close 1000`, `close` (a close frame without a code),
 *   `dropped` (TCP closed without a close frame), `open A` (still open at marker A),
 *   `timeout` (nothing more within the case's time). Pushes are left out: not the case's doing.
 * Where Autobahn expects an echo, a case sends a lawline request and expects its reply.
 * Every case starts with hello (id 1); a case that does not close the connection itself ends
 * with a `ping` request (the sentinel, shown as `reply S ok`) and then a normal close, so
 * "nothing happened" is seen at once instead of waited for.
 */

/**
 * Autobahn's grades, plus DEVIATION: an outcome Autobahn would fail, or an RFC requirement
 * not met, that we accept for the reason the case gives.
 */
export type Grade = 'OK' | 'NON-STRICT' | 'INFORMATIONAL' | 'DEVIATION' | 'FAILED';

export interface Case {
  /** Autobahn case number (an `L` suffix marks a lawline-only case). */
  id: string;
  title: string;
  encoding?: Encoding;
  /** false: the case starts before hello (default: hello, id 1, answered before the case). */
  hello?: false;
  send: (c: CaseClient) => Promise<void>;
  /**
   * The events RFC 6455 asks for, as Autobahn grades OK. Two patterns, as Autobahn matches close codes:
   * `fail 1002` fails the connection: a close frame with that code or none, or TCP dropped (RFC 7.1.7);
   * `closing 1000/3000` answers a close: a close frame with one of those codes or none (RFC 5.5.1).
   * A trailing `?` makes an event optional.
   */
  expect: string[];
  /** Another outcome this server is allowed, and why (the grade Autobahn gives it, or a deviation we accept). */
  otherwise?: { expect: string[]; grade: Exclude<Grade, 'OK' | 'FAILED'>; why: string };
  /** Autobahn leaves the outcome to the implementation: graded INFORMATIONAL when it matches. */
  informational?: true;
  /** What is worth knowing about how the server got its grade (e.g. a code uWS omits). */
  note?: string;
  /** Checks after the case, beyond its events (e.g. that a message arrived byte for byte). */
  verify?: () => Promise<void>;
}

export const SENTINEL_ID = 4_000_000_000;

/** How a case that kept the connection ends: the sentinel answered, then our normal close echoed. */
export const END = ['reply S ok', 'close 1000'];

/**
 * Why a reply may be missing when a protocol error follows its request: lawline answers after
 * the handler's promise settles, in the next batched write (server/gateway/outbound.ts), and
 * uWS fails the connection as soon as it parses the bad frame, often in the same read.
 * Autobahn grades the missing echo NON-STRICT in exactly these cases (3.2-3.4, 4.x.3-5, 5.15).
 */
export const REPLY_LOST_TO_FAILURE =
  'lawline replies asynchronously; a protocol error in the same read fails the connection before the reply is written (Autobahn: NON-STRICT)';

/** `pong`, `pong "text"`, `pong 125×fe` or `pong 00ff…`: the payload readable in a report. */
export function pong(payload: Buffer | string = ''): string {
  const b = Buffer.from(payload);
  if (b.length === 0) return 'pong';
  if (b.every((x) => x >= 0x20 && x < 0x7f)) return `pong ${JSON.stringify(b.toString())}`;
  if (b.length > 8 && b.every((x) => x === b[0])) return `pong ${b.length}×${b.subarray(0, 1).toString('hex')}`;
  return `pong ${b.toString('hex')}`;
}

const PUSH = 'push ';
const errorNames = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

function describe(frame: WireFrame, encoding: Encoding): string {
  const flaws = [frame.masked && 'masked', frame.rsv && `rsv ${frame.rsv}`, !frame.fin && 'fragmented'].filter(Boolean);
  // RFC 6455 5.1: a server must not mask; lawline never sends extensions or fragments.
  if (flaws.length) return `bad server frame (${flaws.join(', ')})`;
  if (frame.opcode === Op.PONG) return pong(frame.payload);
  if (frame.opcode === Op.CLOSE) {
    if (frame.payload.length < 2) return frame.payload.length ? 'bad close frame (1-byte payload)' : 'close';
    // RFC 6455 5.5.1: the reason is UTF-8 (and, 5.5, at most 123 bytes: the frame parser has no larger control frames).
    if (!isUtf8(frame.payload.subarray(2))) return `close ${frame.payload.readUInt16BE(0)} (reason not UTF-8)`;
    return `close ${frame.payload.readUInt16BE(0)}`;
  }
  if (frame.opcode !== Op.TEXT && frame.opcode !== Op.BINARY) return `server opcode ${frame.opcode}`;
  const decoded = decodeFrame(frame.payload, frame.opcode === Op.BINARY, encoding, Infinity);
  if (!decoded.ok) return `undecodable server frame: ${decoded.error.message}`;
  const f = decoded.value as ServerFrame;
  if (f.type === 'push') return `${PUSH}${f.event}`;
  const name = (code: number) => errorNames.get(code) ?? String(code);
  if (f.type === 'error') return `error ${name(f.error.code)}`;
  return `reply ${f.id === SENTINEL_ID ? 'S' : f.id} ${f.ok ? 'ok' : name(f.error.code)}`;
}

/** One case's connection: the wire client plus the events seen so far, in order. */
export class CaseClient {
  readonly events: string[] = [];
  private closeFrameSeen = false;

  private constructor(
    readonly wire: WireClient,
    readonly encoding: Encoding,
  ) {}

  /** Connects and (unless told not to) says hello, id 1, and waits for its reply. */
  static async open(port: number, encoding: Encoding, token: string, hello = true): Promise<CaseClient> {
    const wire = await WireClient.connect(port, encoding === 'json' ? SUBPROTOCOL_JSON : SUBPROTOCOL_MSGPACK);
    const c = new CaseClient(wire, encoding);
    if (!hello) return c;
    await c.send({ opcode: encoding === 'json' ? Op.TEXT : Op.BINARY, payload: c.request('hello', { token }, 1) });
    const frame = await wire.next(5000);
    const said = frame && describe(frame, encoding);
    if (said !== 'reply 1 ok') throw new Error(`hello failed: ${said ?? 'no answer'}`);
    return c;
  }

  request(type: string, data: unknown, id: number): Buffer {
    if (this.encoding === 'json') return jsonRequest(type, data, id);
    return Buffer.from(encodeFrame({ type, data, id }, 'msgpack'));
  }

  send(frames: FrameSpec | FrameSpec[], options?: { chunk?: number; delayMs?: number }): Promise<void> {
    return this.wire.send(frames, options);
  }

  /** Waits `ms`; if the connection is still open then, notes `open <label>` (Autobahn's "timeout A"). */
  async pause(ms: number, label: string): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    this.take();
    if (!this.wire.tcpClosed && !this.closeFrameSeen) this.events.push(`open ${label}`);
  }

  /**
   * Ends the case: sends the sentinel (unless the script already sent a close), a normal close
   * once the sentinel's reply is in, and collects events until the server has closed TCP.
   */
  async finish(timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    if (!this.wire.closeSent) await this.send({ opcode: this.encoding === 'json' ? Op.TEXT : Op.BINARY, payload: this.request('ping', {}, SENTINEL_ID) });
    for (;;) {
      const frame = await this.wire.next(deadline - Date.now());
      if (frame) {
        this.note(frame);
        if (this.events.at(-1) === 'reply S ok' && !this.wire.closeSent) await this.send({ opcode: Op.CLOSE, payload: closePayload(1000) });
        continue;
      }
      if (this.wire.tcpClosed) {
        if (!this.closeFrameSeen) this.events.push('dropped');
      } else this.events.push(this.closeFrameSeen ? 'close frame sent but TCP left open' : 'timeout');
      this.wire.destroy();
      return this.events;
    }
  }

  /**
   * `count` requests, each sent once the previous one's reply is in (Autobahn 9.7's round
   * trips); notes one event, `<count> round trips: <the replies' outcomes>`, or the first
   * answer that was not the reply.
   */
  async roundTrips(count: number, request: (id: number) => FrameSpec): Promise<void> {
    const outcomes = new Set<string>();
    for (let id = 2; id < count + 2; id++) {
      await this.send(request(id));
      const event = (await this.answer(2000)) ?? 'timeout';
      if (!event.startsWith(`reply ${id} `)) {
        this.events.push(`after ${id - 2} round trips: ${event}`);
        return;
      }
      outcomes.add(event.slice(`reply ${id} `.length));
    }
    this.events.push(`${count} round trips: ${[...outcomes].join(', ')}`);
  }

  /** Waits for the server's next frame other than a push and notes it (false: none within `timeoutMs`). */
  async next(timeoutMs: number): Promise<boolean> {
    const event = await this.answer(timeoutMs);
    if (event) this.events.push(event);
    return event !== undefined;
  }

  /** The next frame other than a push, described (a close frame is remembered as seen). */
  private async answer(timeoutMs: number): Promise<string | undefined> {
    for (const deadline = Date.now() + timeoutMs; ; ) {
      const frame = await this.wire.next(deadline - Date.now());
      if (!frame) return undefined;
      if (frame.opcode === Op.CLOSE) this.closeFrameSeen = true;
      const event = describe(frame, this.encoding);
      if (!event.startsWith(PUSH)) return event;
    }
  }

  private take(): void {
    for (let f = this.wire.frames.shift(); f; f = this.wire.frames.shift()) this.note(f);
  }

  private note(frame: WireFrame): void {
    if (frame.opcode === Op.CLOSE) this.closeFrameSeen = true;
    const event = describe(frame, this.encoding);
    // Pushes are lawline telling every session of the citizen about their consultation: not the case's doing.
    if (!event.startsWith(PUSH)) this.events.push(event);
  }
}
