import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, log: createLogger('debug', stream) };
}

describe('log redaction (invariant 6)', () => {
  it('never writes tokens, phone numbers, message bodies or notes', () => {
    const { lines, log } = capture();
    const secrets = { token: 'eyJSECRET', phone: '13800138000', body: '我被公司辞退了', note: 'wrap-up secret', firstMessage: 'first secret' };
    log.info(secrets, 'top level');
    log.info({ data: secrets, frame: { token: 'eyJSECRET2', body: 'nested body' } }, 'nested');
    log.child({ sessionId: 's1', consultationId: 'c1' }).info({ headers: { authorization: 'Bearer eyJSECRET3' } }, 'child');
    const out = lines.join('\n');
    for (const s of ['eyJSECRET', '13800138000', '我被公司辞退了', 'wrap-up secret', 'first secret', 'nested body']) {
      expect(out).not.toContain(s);
    }
    expect(out).toContain('"sessionId":"s1"');
    expect(out).toContain('"consultationId":"c1"');
    expect(out).toContain('[redacted]');
  });
});
