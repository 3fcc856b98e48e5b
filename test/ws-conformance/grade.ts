import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Case, Grade } from './case.ts';

/**
 * Grading as Autobahn does it: the events must be the expected ones, except that a close code
 * may be missing where a close is due, and a failed connection may end without a close frame.
 */
function matches(o: string, e: string): boolean {
  const pattern = /^(fail|closing) ([\d/]+)$/.exec(e);
  if (!pattern) return o === e;
  // Autobahn: "The close code should have been X or empty"; failing may also just drop TCP.
  const codes = (pattern[2] as string).split('/');
  return o === 'close' || codes.some((code) => o === `close ${code}`) || (pattern[1] === 'fail' && o === 'dropped');
}

function same(observed: string[], expected: string[]): boolean {
  let i = 0;
  for (const e of expected) {
    const optional = e.endsWith('?');
    const wanted = optional ? e.slice(0, -1) : e;
    if (i < observed.length && matches(observed[i] as string, wanted)) i++;
    else if (!optional) return false;
  }
  return i === observed.length;
}

export function grade(k: Case, observed: string[]): Grade {
  if (same(observed, k.expect)) return k.informational ? 'INFORMATIONAL' : 'OK';
  if (k.otherwise && same(observed, k.otherwise.expect)) return k.otherwise.grade;
  return 'FAILED';
}

/** What every case did, written to dist/ws-conformance/<file>.json: the harness's Autobahn-style report. */
export class ConformanceReport {
  private readonly rows: object[] = [];

  constructor(private readonly name: string) {}

  /** `socketError`: how TCP ended when it ended in an error (a reset rather than a FIN). */
  add(k: Case, observed: string[], result: Grade, ms: number, socketError?: string): void {
    const why = result === k.otherwise?.grade ? { why: k.otherwise.why } : {};
    const extra = { ...why, ...(k.note ? { note: k.note } : {}), ...(socketError ? { socketError } : {}) };
    this.rows.push({ case: k.id, title: k.title, expected: k.expect, observed, grade: result, ...extra, ms });
  }

  write(): void {
    const dir = fileURLToPath(new URL('../../dist/ws-conformance/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}${this.name}.json`, JSON.stringify(this.rows, null, 1));
  }
}
