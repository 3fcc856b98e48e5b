import { ErrorCode } from './errors.ts';
import type { ProtocolError } from './result.ts';
import { isWellFormedUtf8 } from './utf8.ts';

/**
 * Walks a msgpack buffer's headers once, without building anything, before msgpackr sees it.
 * msgpackr recurses per container (10,000 nested arrays overflow its stack, leaving its
 * module-level read state behind) and trusts declared lengths until it runs off the end.
 * This pass refuses, in O(bytes) and O(depth) memory: nesting past `maxDepth`, a length
 * or element count larger than the bytes left, extension types (the protocol uses none,
 * and msgpackr would turn them into Dates or records), the reserved byte 0xc1, a string
 * that is not UTF-8 unless told not to (msgpackr would read replacement characters in its
 * place: a chat body would be stored altered and acked as sent), and trailing bytes after
 * the single top-level value.
 */
const truncated: ProtocolError = Object.freeze({ code: ErrorCode.BAD_ENCODING, message: 'msgpack: declared length exceeds frame' });
const notUtf8: ProtocolError = Object.freeze({ code: ErrorCode.BAD_ENCODING, message: 'msgpack: a string is not UTF-8' });

export function checkMsgpack(buf: Uint8Array, maxDepth: number, utf8Strings = true): ProtocolError | undefined {
  const end = buf.length;
  // Runs on every inbound frame: nothing is allocated until a frame nests.
  const parents: number[] = [];
  let pos = 0;
  let expected = 1;

  for (;;) {
    if (expected === 0) {
      const parent = parents.pop();
      if (parent === undefined) break;
      expected = parent;
      continue;
    }
    if (pos >= end) return truncated;
    const b = buf[pos++] as number;
    expected--;
    let items = 0;
    let skip = 0;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      // fixint, nil, booleans: header only
    } else if (b <= 0x8f) items = (b & 0x0f) * 2;
    else if (b <= 0x9f) items = b & 0x0f;
    else if (b <= 0xbf) skip = b & 0x1f;
    else {
      const width = LENGTH_WIDTH[b];
      const fixed = FIXED_SIZE[b];
      if (fixed !== undefined) skip = fixed;
      else if (width !== undefined) {
        if (width > end - pos) return truncated;
        let n = 0;
        for (let i = 0; i < width; i++) n = n * 256 + (buf[pos + i] as number);
        pos += width;
        if (b >= 0xdc && b <= 0xdd) items = n;
        else if (b >= 0xde) items = n * 2;
        else skip = n;
      } else {
        return { code: ErrorCode.BAD_ENCODING, message: `msgpack: type byte 0x${b.toString(16)} not allowed` };
      }
    }
    if (skip > end - pos) return truncated;
    // fixstr, str8, str16, str32: the bytes must be UTF-8. (bin is bytes; the protocol has no bin fields.)
    if (utf8Strings && ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb)) && !isWellFormedUtf8(buf, pos, pos + skip)) return notUtf8;
    pos += skip;
    if (items > 0) {
      // Every element takes at least one byte, so a count larger than what is left is a lie.
      if (items > end - pos) return truncated;
      if (parents.length + 1 > maxDepth) return { code: ErrorCode.TOO_DEEP, message: `nesting deeper than ${maxDepth}` };
      parents.push(expected);
      expected = items;
    }
  }
  if (pos !== end) return { code: ErrorCode.BAD_ENCODING, message: 'msgpack: trailing bytes after frame' };
  return undefined;
}

/** Bytes of payload after the type byte, for fixed-size scalars. */
const FIXED_SIZE: Partial<Record<number, number>> = {
  0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8,
};

/** Width of the length field for str, bin, array and map headers. */
const LENGTH_WIDTH: Partial<Record<number, 1 | 2 | 4>> = {
  0xc4: 1, 0xc5: 2, 0xc6: 4, 0xd9: 1, 0xda: 2, 0xdb: 4, 0xdc: 2, 0xdd: 4, 0xde: 2, 0xdf: 4,
};
