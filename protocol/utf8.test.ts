import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWellFormedText, isWellFormedUtf8 } from './utf8.ts';

describe('isWellFormedUtf8', () => {
  it('accepts every code point and refuses every UTF-16 surrogate encoded as if it were one', () => {
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      const bytes = cp >= 0xd800 && cp <= 0xdfff ? Buffer.from([0xed, 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]) : Buffer.from(String.fromCodePoint(cp));
      if (isWellFormedUtf8(bytes) !== !(cp >= 0xd800 && cp <= 0xdfff)) throw new Error(`wrong at U+${cp.toString(16)}`);
    }
  });

  it('agrees with Node (simdutf) on arbitrary bytes, whole and in a window', () => {
    // Bytes mostly from the multi-byte range, where the mistakes would be.
    const bytes = fc.uint8Array({ maxLength: 24 }).map((a) => Uint8Array.from(a, (x) => (x < 64 ? x : 0x80 + (x % 0x80))));
    fc.assert(
      fc.property(bytes, fc.nat(), fc.nat(), (b, x, y) => {
        const [start, end] = b.length ? [x % b.length, y % (b.length + 1)].sort((p, q) => p - q) : [0, 0];
        expect(isWellFormedUtf8(b)).toBe(isUtf8(b));
        expect(isWellFormedUtf8(b, start, end)).toBe(isUtf8(b.subarray(start, end)));
      }),
      { numRuns: 20_000 },
    );
  });

  it('refuses overlong forms, code points past U+10FFFF and sequences cut short', () => {
    for (const hex of ['c0af', 'e080af', 'f08080af', 'c1bf', 'e09fbf', 'f08fbfbf', 'f4908080', 'f7bfbfbf', 'f888808080', 'e080', 'cebae1bd', 'fe', 'ff']) {
      expect(isWellFormedUtf8(Buffer.from(hex, 'hex')), hex).toBe(false);
    }
  });
});

describe('isWellFormedText', () => {
  it('agrees with a UTF-8 round trip (which replaces a lone surrogate) on arbitrary UTF-16', () => {
    // Units mostly from around the surrogate range, where the mistakes would be.
    const units = fc.array(fc.integer({ min: 0, max: 0x3ff }).map((x) => (x < 0x40 ? 0x41 + (x % 26) : 0xd7c0 + x)), { maxLength: 16 });
    fc.assert(
      fc.property(units, (u) => {
        const s = String.fromCharCode(...u);
        expect(isWellFormedText(s)).toBe(Buffer.from(s, 'utf8').toString('utf8') === s);
      }),
      { numRuns: 20_000 },
    );
    expect(isWellFormedText('张三 😀')).toBe(true);
    expect(isWellFormedText('\ud83d')).toBe(false);
    expect(isWellFormedText('\ude00\ud83d')).toBe(false);
  });
});
