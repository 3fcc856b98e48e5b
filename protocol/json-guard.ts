import { ErrorCode } from './errors.ts';
import type { ProtocolError } from './result.ts';

const loneSurrogate: ProtocolError = Object.freeze({
  code: ErrorCode.BAD_ENCODING,
  message: 'json: a string escapes a lone UTF-16 surrogate (\\ud800-\\udfff without its pair), which is not Unicode text',
});

/**
 * One pass over JSON text before `JSON.parse`: the msgpack guard's depth limit (aware of
 * strings, so brackets inside them do not count) and, unless told not to, no `\u` escape of a
 * lone UTF-16 surrogate. The text itself is UTF-8 already (the WebSocket layer checks a text
 * frame), so an escape is the only way a lone surrogate gets in: JSON.parse would hand one on,
 * where msgpack refuses the same string as bytes (BAD_ENCODING). Stored, the file store gave one
 * back as three replacement characters and PostgreSQL as one, or failed (5000) on a jsonb column.
 * Only a backslash costs more than the depth scan alone did. Measured on a chat.send with 1 KB
 * of Chinese: ~1.0 µs either way (no backslash in it), of ~5 µs for the whole decode; the same
 * text \u-escaped (as Python's json.dumps writes it) 2.2 µs before, 2.9 µs with this check.
 */
export function checkJson(text: string, maxDepth: number, wellFormedStrings = true): ProtocolError | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x22) inString = false;
      else if (c === 0x5c) {
        // The escaped character is skipped (a quote does not end the string); a \u escape's hex
        // digits are plain to this scan, and read only when they may name a surrogate (\uD…).
        const unit = wellFormedStrings && text.charCodeAt(i + 1) === 0x75 && (text.charCodeAt(i + 2) | 0x20) === 0x64 ? hex4(text, i + 2) : -1;
        if (unit >= 0xd800 && unit <= 0xdfff) {
          // A high surrogate's escape must be followed at once by a low one's: "\ud83d\ude00" is 😀.
          if (unit >= 0xdc00 || !escapesLowSurrogate(text, i + 6)) return loneSurrogate;
          i += 6;
        }
        i++;
      }
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return { code: ErrorCode.TOO_DEEP, message: `nesting deeper than ${maxDepth}` };
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

function escapesLowSurrogate(text: string, at: number): boolean {
  if (text.charCodeAt(at) !== 0x5c || text.charCodeAt(at + 1) !== 0x75) return false;
  const unit = hex4(text, at + 2);
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The UTF-16 unit four hex digits at `at` name, or -1 (JSON.parse then refuses the escape itself). */
function hex4(text: string, at: number): number {
  let n = 0;
  for (let k = at; k < at + 4; k++) {
    const c = text.charCodeAt(k);
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (digit < 0) return -1;
    n = n * 16 + digit;
  }
  return n;
}
