import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.ts';
import { checkJson } from './json-guard.ts';

/** Every string in a parsed JSON value, keys included. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}
/** Independent of the guard: UTF-8 has no way to write a lone surrogate, so the round trip changes it. */
const unicode = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s;

describe('checkJson', () => {
  it('refuses exactly the JSON texts with a string that escapes a lone surrogate, keys included', () => {
    const piece = fc.constantFrom('a', '中', '😀', '\\ud800', '\\uDBFF', '\\udc00', '\\uDFFF', '\\ud83d\\ude00', '\\\\', '\\\\u', 'ud800', '\\u0041', '\\"', '\\n', '\\u00e9', '\\u');
    const str = fc.array(piece, { maxLength: 6 }).map((p) => `"${p.join('')}"`);
    const text = fc.tuple(str, str, str).map(([k, v, w]) => `{${k}:[${v},{"x":${w}}]}`);
    let parsed = 0;
    fc.assert(
      fc.property(text, (t) => {
        let value: unknown;
        try {
          value = JSON.parse(t);
        } catch {
          return; // not JSON (a bare \u): JSON.parse's own refusal, BAD_ENCODING all the same
        }
        parsed++;
        const bad = checkJson(t, 32);
        expect(bad === undefined, t).toBe(strings(value).every(unicode));
        if (bad) expect(bad.code).toBe(ErrorCode.BAD_ENCODING);
        expect(checkJson(t, 32, false)).toBeUndefined();
      }),
      { numRuns: 20_000 },
    );
    expect(parsed).toBeGreaterThan(5_000);
  });

  it('still counts depth past escapes, and not inside strings', () => {
    expect(checkJson('[[["\\ud83d\\ude00",[1]]]]', 3)?.code).toBe(ErrorCode.TOO_DEEP);
    expect(checkJson('["[[[[\\"[[["]', 2)).toBeUndefined();
  });
});
