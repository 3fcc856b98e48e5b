import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from './codec.ts';
import { ErrorCode } from './errors.ts';
import { parseClientFrame } from './validate.ts';

const packr = new Packr({ useRecords: false });
const decode = (bytes: Uint8Array) => decodeFrame(bytes, true, 'msgpack');

function header(byte: number, length: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = byte;
  b.writeUInt32BE(length, 1);
  return b;
}

describe('decodeFrame', () => {
  it('round-trips a frame in both encodings', () => {
    const frame = { type: 'chat.send', id: 7, data: { consultationId: 'c1', clientMsgId: 'm1', body: '你好' } };
    for (const enc of ['msgpack', 'json'] as const) {
      const wire = encodeFrame(frame, enc);
      const bytes = typeof wire === 'string' ? new TextEncoder().encode(wire) : wire;
      const out = decodeFrame(bytes, enc === 'msgpack', enc);
      expect(out).toEqual({ ok: true, value: frame });
      expect(out.ok && parseClientFrame(out.value).ok).toBe(true);
    }
  });

  it.each([
    ['array32 claiming 4G elements', header(0xdd, 0xffffffff)],
    ['map32 claiming 4G pairs', header(0xdf, 0xffffffff)],
    ['str32 claiming 4 GB', header(0xdb, 0xffffffff)],
    ['bin32 claiming 4 GB', header(0xc6, 0xffffffff)],
    ['truncated map', packr.pack({ type: 'hello', id: 1 }).subarray(0, 6)],
  ])('refuses %s without allocating', (_name, bytes) => {
    const before = process.memoryUsage().rss;
    const out = decode(bytes);
    expect(out.ok).toBe(false);
    expect(!out.ok && out.error.code).toBe(ErrorCode.BAD_ENCODING);
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses nesting 10,000 deep before msgpackr recurses', () => {
    const deep = Buffer.alloc(10_001, 0x91);
    deep[10_000] = 0xc0;
    const out = decode(deep);
    expect(!out.ok && out.error.code).toBe(ErrorCode.TOO_DEEP);
    // and the decoder still works afterwards
    expect(decode(packr.pack({ type: 'ack', seq: 1 })).ok).toBe(true);
  });

  it('refuses deep JSON, extension types, trailing bytes, the wrong frame kind and oversize', () => {
    expect(decodeFrame(new TextEncoder().encode('['.repeat(10_000)), false, 'json')).toMatchObject({ ok: false, error: { code: ErrorCode.TOO_DEEP } });
    expect(decode(Buffer.from([0xd6, 0xff, 0, 0, 0, 1]))).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_ENCODING } });
    expect(decode(Buffer.concat([packr.pack({ a: 1 }), Buffer.from([0xc0])]))).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_ENCODING } });
    expect(decodeFrame(new TextEncoder().encode('{"type":"ack","seq":1}'), false, 'msgpack')).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_ENCODING } });
    expect(decodeFrame(new Uint8Array(70_000), true, 'msgpack')).toMatchObject({ ok: false, error: { code: ErrorCode.FRAME_TOO_LARGE } });
  });

  it('refuses a msgpack string that is not UTF-8, unless reading leniently as the SDK does', () => {
    // What the server's encoder makes of a lone surrogate a JSON client sent as "\ud800": ED A0 80.
    const relayed = encodeFrame({ type: 'push', seq: 1, event: 'chat.message', data: { body: '\ud800x' } }, 'msgpack') as Uint8Array;
    expect(Buffer.from(relayed).includes(Buffer.from('eda080', 'hex'))).toBe(true);
    expect(decodeFrame(relayed, true, 'msgpack')).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_ENCODING } });
    expect(decodeFrame(relayed, true, 'msgpack', undefined, 'lenient')).toMatchObject({ ok: true, value: { event: 'chat.message' } });
  });

  it('refuses a JSON escape of a lone surrogate with the same code, unless reading leniently', () => {
    const text = new TextEncoder().encode('{"type":"push","seq":1,"event":"chat.message","data":{"body":"\\ud800x"}}');
    expect(decodeFrame(text, false, 'json')).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_ENCODING } });
    expect(decodeFrame(text, false, 'json', undefined, 'lenient')).toMatchObject({ ok: true, value: { data: { body: '\ud800x' } } });
  });
});

describe('parseClientFrame', () => {
  it('rejects prototype keys as schema violations and pollutes nothing', () => {
    const hostile = JSON.parse('{"type":"chat.send","id":3,"data":{"consultationId":"c","clientMsgId":"m","body":"x","__proto__":{"polluted":1}}}');
    const out = parseClientFrame(hostile);
    expect(out).toMatchObject({ ok: false, error: { code: ErrorCode.SCHEMA_VIOLATION, id: 3 } });
    const ctor = parseClientFrame({ type: 'ack', seq: 1, constructor: { prototype: { polluted: 1 } } });
    expect(ctor.ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names unknown types and wrong field types with stable codes, keeping the id', () => {
    expect(parseClientFrame({ type: 'nope', id: 9, data: {} })).toMatchObject({ ok: false, error: { code: ErrorCode.UNKNOWN_TYPE, id: 9 } });
    expect(parseClientFrame({ type: 'chat.send', id: 4, data: { consultationId: 5 } })).toMatchObject({ ok: false, error: { code: ErrorCode.SCHEMA_VIOLATION, id: 4 } });
    expect(parseClientFrame([1, 2])).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_FRAME } });
    expect(parseClientFrame({ id: 1 })).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_FRAME, id: 1 } });
  });
});
