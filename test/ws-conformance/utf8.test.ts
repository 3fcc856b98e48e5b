import { beforeAll, expect, it } from 'vitest';
import { encodeFrame, fragments, Op } from '../helpers/ws-wire.ts';
import { END, type Case, type CaseClient } from './case.ts';
import { binaryChatSend, chatSend, ping } from './requests.ts';
import { conformanceSuite, type Suite } from './suite.ts';
import { UTF8_CATEGORIES } from './utf8-sequences.ts';

/**
 * Autobahn section 6: UTF-8 in text frames. Where Autobahn expects its text echoed, the text
 * is the body of a chat message (lawline's JSON subprotocol) and the store must give it back
 * byte for byte; invalid UTF-8, whole or split across fragments, must fail the connection
 * with 1007 before lawline sees any of it.
 */

const HELLO_UTF8 = 'Hello-µ@ßöäüàá-UTF-8!!';
const KOSME = Buffer.from('cebae1bdb9cf83cebcceb5', 'hex');
/** κόσμε, a UTF-16 surrogate (ED A0 80: never valid in UTF-8), then "edited". */
const INVALID = Buffer.concat([KOSME, Buffer.from('eda080', 'hex'), Buffer.from('edited')]);

/** Text inside a JSON string: control characters escaped (JSON forbids them raw), everything else as it is. */
const inJson = (text: string) => Buffer.from(JSON.stringify(text).slice(1, -1));

/** How a case puts a chat.send frame on the wire; `bodyAt` is where the body's bytes start. */
type SendAs = (c: CaseClient, frame: Buffer, bodyAt: number) => Promise<void>;
const whole: SendAs = (c, frame) => c.send({ opcode: Op.TEXT, payload: frame });
const byteFragments: SendAs = (c, frame) => c.send(fragments(frame, 1));

/** The text each valid case sent, by clientMsgId: after the cases, the store must hold exactly these. */
const sent = new Map<string, string>();

function cases(suite: Suite): Case[] {
  /** Sends `text` in a chat message (built once the consultation is known). */
  const message = (id: string, title: string, text: string, sendAs: SendAs, note?: string): Case => {
    sent.set(`m-${id}`, text);
    return {
      id,
      title,
      send: async (c) => {
        const frame = chatSend(2, await suite.consultation(), `m-${id}`, inJson(text));
        await sendAs(c, frame, frame.indexOf('"body":"') + 8);
        // The reply waits for the store, so it would come after the sentinel's: wait for it first.
        await c.next(2000);
      },
      expect: ['reply 2 ok', ...END],
      ...(note ? { note } : {}),
    };
  };
  /** Invalid UTF-8 as a message body: the connection fails with 1007 (and nothing is stored: checked after all cases). */
  const refused = (id: string, title: string, body: Buffer, sendAs: SendAs): Case => ({
    id,
    title,
    send: async (c) => sendAs(c, chatSend(2, await suite.consultation(), `m-${id}`, body), 0),
    expect: ['fail 1007'],
  });

  const empty: Case[] = [
    // An empty text is not JSON: the error frame is lawline's echo of it.
    { id: '6.1.1', title: 'empty text message', send: (k) => k.send({ opcode: Op.TEXT, payload: '' }), expect: ['error BAD_ENCODING', ...END] },
    {
      id: '6.1.2',
      title: 'text message in three empty fragments',
      send: (k) => k.send([{ opcode: Op.TEXT, fin: false }, { opcode: Op.CONTINUATION, fin: false }, { opcode: Op.CONTINUATION }]),
      expect: ['error BAD_ENCODING', ...END],
    },
    {
      id: '6.1.3',
      title: 'empty fragment, request, empty fragment',
      send: (k) => k.send([{ opcode: Op.TEXT, fin: false }, { opcode: Op.CONTINUATION, fin: false, payload: ping(2) }, { opcode: Op.CONTINUATION }]),
      expect: ['reply 2 ok', ...END],
    },
  ];

  const split: Case[] = [
    message('6.2.1', 'valid UTF-8 in one frame', HELLO_UTF8, whole),
    message('6.2.2', 'valid UTF-8 in two fragments split on a code point boundary', HELLO_UTF8, async (c, frame, bodyAt) => {
      const cut = bodyAt + Buffer.byteLength('Hello-µ@ßöä');
      await c.send([{ opcode: Op.TEXT, fin: false, payload: frame.subarray(0, cut) }, { opcode: Op.CONTINUATION, payload: frame.subarray(cut) }]);
    }),
    message('6.2.3', 'valid UTF-8 in one-byte fragments (cuts inside code points)', HELLO_UTF8, byteFragments),
    message('6.2.4', 'κόσμε in one-byte fragments', KOSME.toString(), byteFragments),
    refused('6.3.1', 'invalid UTF-8 in one frame', INVALID, whole),
    refused('6.3.2', 'invalid UTF-8 in one-byte fragments', INVALID, byteFragments),
  ];

  /**
   * 6.4: the message turns invalid in its second part (F4 90 80 80 would be U+110000, and it is
   * the 90 that makes it so); Autobahn waits after each part (1 s, here 50 ms) and grades failing
   * at once OK, failing only when the message is complete NON-STRICT.
   */
  const AT_END = "uWS validates a text message's UTF-8 once the message is complete, not as fragments arrive (Autobahn: NON-STRICT)";
  const failFast: Case[] = [
    { id: '6.4.1', how: 'in three fragments, the second F4 90 80 80', frames: true, second: [0, 4] },
    { id: '6.4.2', how: 'in three fragments, the second the one byte 90', frames: true, second: [1, 2] },
    { id: '6.4.3', how: 'in three chops of one frame, the second F4 90 80 80', frames: false, second: [0, 4] },
    { id: '6.4.4', how: 'in three chops of one frame, the second the one byte 90', frames: false, second: [1, 2] },
  ].map(({ id, how, frames, second }) => ({
    id,
    title: `UTF-8 that turns invalid in the middle, ${how}`,
    send: async (k) => {
      const body = Buffer.concat([KOSME, Buffer.from('f4908080', 'hex'), Buffer.from('edited')]);
      const frame = chatSend(2, await suite.consultation(), `m-${id}`, body);
      const at = frame.indexOf(Buffer.from('f490', 'hex'));
      const [from, to] = [at + (second[0] as number), at + (second[1] as number)];
      if (frames) {
        await k.send({ opcode: Op.TEXT, fin: false, payload: frame.subarray(0, from) });
        await k.pause(50, 'A');
        await k.send({ opcode: Op.CONTINUATION, fin: false, payload: frame.subarray(from, to) });
        await k.pause(50, 'B');
        await k.send({ opcode: Op.CONTINUATION, payload: frame.subarray(to) });
      } else {
        // One frame whose bytes arrive in three writes; the header and mask come with the first.
        const bytes = encodeFrame({ opcode: Op.TEXT, payload: frame });
        const header = bytes.length - frame.length;
        await k.wire.write(bytes.subarray(0, header + from));
        await k.pause(50, 'A');
        await k.wire.write(bytes.subarray(header + from, header + to));
        await k.pause(50, 'B');
        await k.wire.write(bytes.subarray(header + to));
      }
    },
    expect: ['open A', 'fail 1007'],
    otherwise: { expect: ['open A', 'open B', 'fail 1007'], grade: 'NON-STRICT', why: AT_END },
  }));

  const sequences = UTF8_CATEGORIES.flatMap((category, n) =>
    category.sequences.map(({ valid, hex }, j) => {
      const id = `6.${5 + n}.${j + 1}`;
      const title = `${category.title}: ${hex.length > 24 ? `${hex.slice(0, 24)}…` : hex} (${valid ? 'valid' : 'invalid'})`;
      const bytes = Buffer.from(hex, 'hex');
      if (!valid) return refused(id, title, bytes, whole);
      const text = bytes.toString();
      const escaped = /[\u0000-\u001f]/.test(text) ? 'a control character travels \\u-escaped: JSON forbids it raw in a string' : undefined;
      return message(id, title, text, whole, escaped);
    }),
  );

  /**
   * Not in Autobahn: lawline's own subprotocol is msgpack in binary frames, which RFC 6455 leaves
   * unchecked, so a string inside must be refused as a whole frame (BAD_ENCODING) by lawline
   * itself, or a body of invalid UTF-8 is stored with replacement characters and acked as sent.
   */
  const inMsgpack: Case[] = [
    ['surrogate', 'eda080'],
    ['overlong', 'c0af'],
    ['past U+10FFFF', 'f4908080'],
    ['cut short', 'e080'],
  ].map(([what, hex], i) => ({
    id: `6.L${i + 1}`,
    title: `msgpack chat message whose body is not UTF-8 (${what as string})`,
    encoding: 'msgpack',
    send: async (c) => c.send({ opcode: Op.BINARY, payload: binaryChatSend(2, await suite.consultation(), `m-6.L${i + 1}`, Buffer.from(hex as string, 'hex')) }),
    expect: ['error BAD_ENCODING', ...END],
  }));
  const validInMsgpack = KOSME.toString() + ' 😀 ' + HELLO_UTF8;
  sent.set('m-6.L5', validInMsgpack);
  inMsgpack.push({
    id: '6.L5',
    title: 'msgpack chat message with multi-byte UTF-8 (kept byte for byte)',
    encoding: 'msgpack',
    send: async (c) => {
      await c.send({ opcode: Op.BINARY, payload: binaryChatSend(2, await suite.consultation(), 'm-6.L5', Buffer.from(validInMsgpack)) });
      await c.next(2000);
    },
    expect: ['reply 2 ok', ...END],
  });

  /**
   * Not in Autobahn either: JSON can name a UTF-16 surrogate with an escape in perfectly valid
   * UTF-8 text, and a lone one is no more Unicode text than ED A0 80 in msgpack (6.L1): the same
   * BAD_ENCODING. Left in, the file store gave it back as three replacement characters and
   * PostgreSQL as one (a name or note with one, stored as jsonb, failed the request with 5000).
   */
  const escaped = (n: number, title: string, body: string, kept?: string): Case => {
    const id = `6.L${n}`;
    if (kept !== undefined) sent.set(`m-${id}`, kept);
    return {
      id,
      title: `JSON chat message whose body is ${title}`,
      send: async (c) => {
        await c.send({ opcode: Op.TEXT, payload: chatSend(2, await suite.consultation(), `m-${id}`, Buffer.from(body)) });
        if (kept !== undefined) await c.next(2000);
      },
      expect: kept === undefined ? ['error BAD_ENCODING', ...END] : ['reply 2 ok', ...END],
    };
  };
  const inJsonEscapes: Case[] = [
    escaped(6, 'an escaped lone high surrogate (\\ud800)', 'x\\ud800y'),
    escaped(7, 'an escaped lone low surrogate (\\udc00)', '\\udc00'),
    escaped(8, 'an escaped pair in the wrong order (\\udc00\\ud800)', '\\udc00\\ud800'),
    escaped(9, 'an escaped high surrogate before an escaped letter (\\uD800\\u0041)', '\\uD800\\u0041'),
    escaped(10, 'an escaped high surrogate before an escaped backslash and "udc00"', '\\ud800\\\\udc00'),
    escaped(11, 'an escaped high surrogate at the end of the text', '\\udbff'),
    escaped(12, 'an escaped surrogate pair (kept: one emoji)', '\\ud83d\\ude00', '😀'),
    escaped(13, 'an escaped backslash then "ud800" (kept: plain text)', '\\\\ud800', '\\ud800'),
  ];

  return [...empty, ...split, ...failFast, ...sequences, ...inMsgpack, ...inJsonEscapes];
}

const suite = conformanceSuite('utf8', cases);
// Opened before the cases, so that its queue pushes do not land in one.
beforeAll(() => suite.consultation());

it('stored every valid text byte for byte, and none of the invalid ones', async () => {
  const stored = new Map((await suite.messages()).map((m) => [m.clientMsgId, m.body]));
  expect(stored).toEqual(sent);
});
