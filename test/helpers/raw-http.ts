import net from 'node:net';

/** One HTTP/1.1 response as it came off the wire. */
export interface HttpAnswer {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** What became of one raw exchange: the answers read, how the connection ended, and any bytes that were not HTTP. */
export interface RawOutcome {
  answers: HttpAnswer[];
  /** closed: FIN from the server; reset: RST; open: still open when we stopped waiting. */
  ended: 'closed' | 'reset' | 'open';
  /** Set when the server sent bytes that are not a well-formed HTTP/1.1 response. */
  malformed?: string;
}

export interface RawOptions {
  /** The request was HEAD: its answer has no body whatever Content-Length says. */
  head?: boolean;
  /** Pause between chunks (a slow client). */
  gapMs?: number;
  /** Close our sending side after the last chunk (a client that gives up mid-request). */
  halfClose?: boolean;
  /** After the first answer, if the connection stays open, ask for /healthz on it: the next answer must be ok. */
  followUp?: boolean;
  timeoutMs?: number;
}

type Parsed = { answer: HttpAnswer; used: number } | { incomplete: true } | { malformed: string };

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/** Parses one response from the front of `buf`; `closed` says no more bytes will come. */
export function parseAnswer(buf: Buffer, head: boolean, closed: boolean): Parsed {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return buf.length > 64 * 1024 ? { malformed: 'header block over 64 KB' } : { incomplete: true };
  const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = STATUS_LINE.exec(statusLine ?? '');
  if (!status) return { malformed: `not a status line: ${JSON.stringify(statusLine?.slice(0, 80))}` };
  const headers = new Map<string, string>();
  for (const line of lines) {
    const m = HEADER_LINE.exec(line);
    if (!m) return { malformed: `not a header line: ${JSON.stringify(line.slice(0, 80))}` };
    headers.set((m[1] as string).toLowerCase(), m[2] as string);
  }
  const code = Number(status[1]);
  const start = end + 4;
  if (head || code < 200 || code === 204 || code === 304) return { answer: { status: code, headers, body: Buffer.alloc(0) }, used: start };
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) return parseChunked(buf, start, code, headers);
  const length = headers.get('content-length');
  if (length === undefined) {
    return closed ? { answer: { status: code, headers, body: buf.subarray(start) }, used: buf.length } : { incomplete: true };
  }
  if (!/^\d+$/.test(length)) return { malformed: `bad content-length ${length}` };
  const n = Number(length);
  if (buf.length < start + n) return closed ? { malformed: `body cut short: ${buf.length - start} of ${n} bytes` } : { incomplete: true };
  return { answer: { status: code, headers, body: buf.subarray(start, start + n) }, used: start + n };
}

function parseChunked(buf: Buffer, from: number, status: number, headers: Map<string, string>): Parsed {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return { incomplete: true };
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) return { malformed: 'bad chunk size' };
    if (buf.length < eol + 2 + size + 2) return { incomplete: true };
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
    if (size === 0) return { answer: { status, headers, body: Buffer.concat(parts) }, used: at };
  }
}

const FOLLOW_UP = 'GET /healthz HTTP/1.1\r\nHost: lawline\r\n\r\n';

/**
 * Sends `chunks` over a fresh TCP connection to 127.0.0.1:`port` and reads what comes back,
 * checking that every byte is part of a well-formed HTTP/1.1 response.
 */
export function rawExchange(port: number, chunks: (Buffer | string)[], options: RawOptions = {}): Promise<RawOutcome> {
  const { head = false, gapMs = 0, halfClose = false, followUp = false, timeoutMs = 2000 } = options;
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const answers: HttpAnswer[] = [];
    let buf = Buffer.alloc(0);
    let followed = false;
    let done = false;
    const finish = (ended: RawOutcome['ended'], malformed?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answers, ended, ...(malformed ? { malformed } : {}) });
    };
    const timer = setTimeout(() => finish('open'), timeoutMs);
    const drain = (closed: boolean): void => {
      for (;;) {
        if (buf.length === 0) return closed ? finish('closed') : undefined;
        const parsed = parseAnswer(buf, head && answers.length === 0, closed);
        if ('malformed' in parsed) return finish(closed ? 'closed' : 'open', parsed.malformed);
        if ('incomplete' in parsed) return closed ? finish('closed', `connection closed inside a response (${buf.length} bytes)`) : undefined;
        answers.push(parsed.answer);
        buf = buf.subarray(parsed.used);
        if (followUp && !followed && !closed && !socket.writableEnded) {
          followed = true;
          socket.write(FOLLOW_UP);
          continue;
        }
        // Waiting for the follow-up's answer.
        if (followed && answers.length < 2) continue;
        if (buf.length) return finish('open', `bytes after the last response: ${JSON.stringify(buf.subarray(0, 80).toString('latin1'))}`);
        return finish(closed ? 'closed' : 'open');
      }
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      drain(false);
    });
    socket.on('end', () => drain(true));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const cut = buf.length ? `reset inside a response (${buf.length} bytes)` : undefined;
      finish('reset', e.code === 'ECONNRESET' || e.code === 'EPIPE' ? cut : e.message);
    });
    socket.on('connect', async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (done || socket.destroyed) return;
        if (i > 0 && gapMs) await new Promise((r) => setTimeout(r, gapMs));
        socket.write(chunk);
      }
      if (halfClose && !done) socket.end();
    });
  });
}
