import { Op, type FrameSpec } from '../helpers/ws-wire.ts';
import { END, pong, REPLY_LOST_TO_FAILURE, type Case } from './case.ts';
import { binaryPing, ping } from './requests.ts';
import { conformanceSuite } from './suite.ts';

/**
 * Autobahn sections 1 (framing), 2 (pings and pongs), 3 (reserved bits) and 4 (opcodes).
 * An echo in Autobahn is a lawline request here: a `ping` request sized to the case's
 * length (text), or a padded msgpack ping (binary, answered SCHEMA_VIOLATION for its id).
 */

const HELLO = 'Hello, world!';

const sizes = [0, 125, 126, 127, 128, 65535, 65536];

const textSizes: Case[] = sizes.map((n, i) => ({
  id: `1.1.${i + 1}`,
  title: `text message of ${n} bytes`,
  send: (c) => c.send({ opcode: Op.TEXT, payload: n === 0 ? '' : ping(2, n) }),
  // An empty message is not JSON: lawline answers it with an error frame, which is its echo.
  expect: [n === 0 ? 'error BAD_ENCODING' : 'reply 2 ok', ...END],
}));

const binarySizes: Case[] = sizes.map((n, i) => ({
  id: `1.2.${i + 1}`,
  title: `binary message of ${n} bytes`,
  encoding: 'msgpack',
  send: (c) => c.send({ opcode: Op.BINARY, payload: n === 0 ? Buffer.alloc(0) : binaryPing(2, n) }),
  expect: [n === 0 ? 'error BAD_ENCODING' : 'reply 2 SCHEMA_VIOLATION', ...END],
}));

const textChopped: Case = {
  id: '1.1.8',
  title: 'text message of 65536 bytes sent in chops of 997 bytes',
  send: (c) => c.send({ opcode: Op.TEXT, payload: ping(2, 65536) }, { chunk: 997 }),
  expect: ['reply 2 ok', ...END],
};

const binaryChopped: Case = {
  id: '1.2.8',
  title: 'binary message of 65536 bytes sent in chops of 997 bytes',
  encoding: 'msgpack',
  send: (c) => c.send({ opcode: Op.BINARY, payload: binaryPing(2, 65536) }, { chunk: 997 }),
  expect: ['reply 2 SCHEMA_VIOLATION', ...END],
};

const pings: Case[] = [
  { id: '2.1', title: 'ping without payload', send: (c) => c.send({ opcode: Op.PING }), expect: [pong(), ...END] },
  { id: '2.2', title: 'ping with a small text payload', send: (c) => c.send({ opcode: Op.PING, payload: HELLO }), expect: [pong(HELLO), ...END] },
  {
    id: '2.3',
    title: 'ping with a small binary payload',
    send: (c) => c.send({ opcode: Op.PING, payload: Buffer.from('00fffefdfcfb00ff', 'hex') }),
    expect: [pong(Buffer.from('00fffefdfcfb00ff', 'hex')), ...END],
  },
  { id: '2.4', title: 'ping with 125 bytes', send: (c) => c.send({ opcode: Op.PING, payload: Buffer.alloc(125, 0xfe) }), expect: [pong(Buffer.alloc(125, 0xfe)), ...END] },
  // RFC 6455 5.5: control frames carry at most 125 bytes.
  { id: '2.5', title: 'ping with 126 bytes fails the connection', send: (c) => c.send({ opcode: Op.PING, payload: Buffer.alloc(126, 0xfe) }), expect: ['fail 1002'] },
  {
    id: '2.6',
    title: 'ping with 125 bytes sent one byte at a time',
    send: (c) => c.send({ opcode: Op.PING, payload: Buffer.alloc(125, 0xfe) }, { chunk: 1 }),
    expect: [pong(Buffer.alloc(125, 0xfe)), ...END],
  },
  { id: '2.7', title: 'unsolicited pong without payload is ignored', send: (c) => c.send({ opcode: Op.PONG }), expect: END },
  { id: '2.8', title: 'unsolicited pong with payload is ignored', send: (c) => c.send({ opcode: Op.PONG, payload: 'unsolicited pong payload' }), expect: END },
  {
    id: '2.9',
    title: 'unsolicited pong, then ping',
    send: (c) => c.send([{ opcode: Op.PONG, payload: 'unsolicited pong payload' }, { opcode: Op.PING, payload: 'ping payload' }]),
    expect: [pong('ping payload'), ...END],
  },
  ...[undefined, 1].map((chunk, i): Case => ({
    id: `2.${10 + i}`,
    title: `ten pings with payload${chunk ? ', sent one byte at a time' : ''}`,
    send: (c) => c.send(tenPings(), chunk ? { chunk } : {}),
    expect: [...tenPings().map((f) => pong(f.payload)), ...END],
  })),
];

function tenPings(): FrameSpec[] {
  return Array.from({ length: 10 }, (_, i) => ({ opcode: Op.PING, payload: `payload-${i}` }));
}

/** Each frame in its own write, a few milliseconds apart (Autobahn's "frame-wise chops"). */
const framewise = { delayMs: 5 };

/** A request that is answered, then a bad frame, then a ping: the reply may or may not get out before the failure. */
function afterEcho(id: string, title: string, bad: FrameSpec, options: { chunk?: number; delayMs?: number } = {}): Case {
  return {
    id,
    title: `request, then ${title}, then ping`,
    send: async (c) => {
      for (const f of [{ opcode: Op.TEXT, payload: ping(2) }, bad, { opcode: Op.PING }]) await c.send(f, options);
    },
    expect: ['reply 2 ok', 'fail 1002'],
    otherwise: { expect: ['fail 1002'], grade: 'NON-STRICT', why: REPLY_LOST_TO_FAILURE },
  };
}

// Autobahn's "RSV = n" is the three-bit field's value, as `rsv` is here. No extension is negotiated (compression is off).
const reserved: Case[] = [
  { id: '3.1', title: 'text with RSV = 1', send: (c) => c.send({ opcode: Op.TEXT, payload: ping(2), rsv: 1 }), expect: ['fail 1002'] },
  afterEcho('3.2', 'text with RSV = 2', { opcode: Op.TEXT, payload: ping(3), rsv: 2 }),
  afterEcho('3.3', 'text with RSV = 3 (frame-wise chops)', { opcode: Op.TEXT, payload: ping(3), rsv: 3 }, framewise),
  afterEcho('3.4', 'text with RSV = 4 (octet-wise chops)', { opcode: Op.TEXT, payload: ping(3), rsv: 4 }, { chunk: 1 }),
  { id: '3.5', title: 'binary with RSV = 5', send: (c) => c.send({ opcode: Op.BINARY, payload: Buffer.from('00fffefdfcfb00ff', 'hex'), rsv: 5 }), expect: ['fail 1002'] },
  { id: '3.6', title: 'ping with RSV = 6', send: (c) => c.send({ opcode: Op.PING, payload: HELLO, rsv: 6 }), expect: ['fail 1002'] },
  { id: '3.7', title: 'close with RSV = 7', send: (c) => c.send({ opcode: Op.CLOSE, rsv: 7 }), expect: ['fail 1002'] },
];

function opcodeCases(section: string, opcodes: number[]): Case[] {
  const [a, b, c3, d, e] = opcodes as [number, number, number, number, number];
  return [
    { id: `${section}.1`, title: `reserved opcode ${a}`, send: (c) => c.send({ opcode: a }), expect: ['fail 1002'] },
    { id: `${section}.2`, title: `reserved opcode ${b} with payload`, send: (c) => c.send({ opcode: b, payload: 'reserved opcode payload' }), expect: ['fail 1002'] },
    afterEcho(`${section}.3`, `reserved opcode ${c3}`, { opcode: c3 }),
    afterEcho(`${section}.4`, `reserved opcode ${d} with payload`, { opcode: d, payload: HELLO }),
    afterEcho(`${section}.5`, `reserved opcode ${e} with payload (octet-wise chops)`, { opcode: e, payload: HELLO }, { chunk: 1 }),
  ];
}

/**
 * Not in Autobahn (it always masks): RFC 6455 5.1 says a server MUST close the connection on
 * an unmasked client frame. uWebSockets.js never looks at the MASK bit: it takes the first four
 * payload bytes as the key. Four filler bytes complete that misread frame; lawline receives the
 * garbage as a message and refuses it, and the stream is back in step for the sentinel.
 */
const lawlineOnly: Case[] = [
  {
    id: '1.L1',
    title: 'unmasked client frame',
    send: async (c) => {
      await c.send({ opcode: Op.TEXT, payload: ping(2), mask: false });
      await c.wire.write(Buffer.alloc(4));
    },
    expect: ['fail 1002'],
    otherwise: {
      expect: ['error BAD_ENCODING', ...END],
      grade: 'DEVIATION',
      why: 'uWS reads an unmasked frame as masked (RFC 6455 5.1 MUST close): harmless here, since the garbage only reaches lawline\'s own decoder on the sender\'s connection, and masking protects intermediaries from browser-made bytes, which are always masked',
    },
  },
  {
    id: '1.L2',
    title: '64-bit length with the most significant bit set',
    send: (c) => c.wire.write(Buffer.from([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 0x69, 0x68, 0x6f, 0x6e, 0x66])),
    expect: ['fail 1002'],
  },
];

conformanceSuite('framing', [...textSizes, textChopped, ...binarySizes, binaryChopped, ...pings, ...reserved, ...opcodeCases('4.1', [3, 4, 5, 6, 7]), ...opcodeCases('4.2', [11, 12, 13, 14, 15]), ...lawlineOnly]);
