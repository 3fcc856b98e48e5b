import { Packr, Unpackr } from 'msgpackr';
import { ErrorCode } from './errors.ts';
import { LIMITS } from './frames.ts';
import { checkJson } from './json-guard.ts';
import { checkMsgpack } from './msgpack-guard.ts';
import { err, ok, type ProtocolError, type Result } from './result.ts';
import type { Encoding } from './version.ts';

// Plain maps and arrays only: no records (a stateful extension) and no shared structures.
const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Encodes a frame for the wire: bytes for msgpack, a string for JSON. */
export function encodeFrame(frame: unknown, encoding: Encoding): Uint8Array | string {
  return encoding === 'msgpack' ? packr.pack(frame) : JSON.stringify(frame);
}

/**
 * Decodes one WebSocket message into an unchecked value. Size first, then structure, then
 * parse; every failure is a value with a stable code. The result still has to pass the
 * schema (`validate.ts`) before anything trusts it.
 *
 * `strings`: 'utf8' (what the server takes in) refuses a string that is not Unicode text with
 * BAD_ENCODING on either subprotocol: a msgpack string that is not UTF-8, or a JSON escape of a
 * lone surrogate (a text frame's UTF-8 is checked by the WebSocket layer). 'lenient' (the SDK
 * reading the server) lets one through, since a server may relay a name or body stored before
 * the server refused them (msgpackr writes a lone surrogate as ED A0 80), and the SDK would
 * otherwise drop the frame.
 */
export function decodeFrame(
  message: ArrayBuffer | Uint8Array,
  isBinary: boolean,
  encoding: Encoding,
  maxBytes: number = LIMITS.maxFrameBytes,
  strings: 'utf8' | 'lenient' = 'utf8',
): Result<unknown, ProtocolError> {
  const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (bytes.byteLength > maxBytes) {
    return err({ code: ErrorCode.FRAME_TOO_LARGE, message: `frame larger than ${maxBytes} bytes` });
  }
  if (encoding === 'msgpack') {
    if (!isBinary) return err({ code: ErrorCode.BAD_ENCODING, message: 'text frame on the msgpack subprotocol' });
    const bad = checkMsgpack(bytes, LIMITS.maxDepth, strings === 'utf8');
    if (bad) return err(bad);
    try {
      return ok(unpackr.unpack(bytes));
    } catch (e) {
      return err({ code: ErrorCode.BAD_ENCODING, message: `msgpack: ${(e as Error).message}` });
    }
  }
  if (isBinary) return err({ code: ErrorCode.BAD_ENCODING, message: 'binary frame on the JSON subprotocol' });
  const text = textDecoder.decode(bytes);
  const bad = checkJson(text, LIMITS.maxDepth, strings === 'utf8');
  if (bad) return err(bad);
  try {
    return ok(JSON.parse(text));
  } catch (e) {
    return err({ code: ErrorCode.BAD_ENCODING, message: `json: ${(e as Error).message}` });
  }
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });
