import { fragments, Op, type FrameSpec } from '../helpers/ws-wire.ts';
import { END, pong, REPLY_LOST_TO_FAILURE, type Case, type CaseClient } from './case.ts';
import { binaryPing, ping } from './requests.ts';
import { conformanceSuite } from './suite.ts';

/**
 * Autobahn section 5: fragmentation. The fragments here are pieces of a lawline request,
 * so the reply shows the server put them back together; a ping between fragments must be
 * answered at once, before the message is complete.
 */

/** `payload` as a message in `n` nearly equal fragments. */
const inPieces = (payload: Buffer, n: number, opcode: number = Op.TEXT) => fragments(payload, Math.ceil(payload.length / n), opcode);

type Chops = { chunk?: number; delayMs?: number } | undefined;
/** Autobahn's three ways of putting octets on the wire: one write, one write per frame, one write per octet. */
const ways: [string, Chops][] = [
  ['', undefined],
  [' (frame-wise chops)', { delayMs: 5 }],
  [' (octet-wise chops)', { chunk: 1 }],
];

async function sendEach(c: CaseClient, frames: FrameSpec[], chops: Chops): Promise<void> {
  if (!chops) return c.send(frames);
  for (const f of frames) await c.send(f, chops);
}

const controlFragmented: Case[] = [Op.PING, Op.PONG].map((opcode, i) => ({
  id: `5.${i + 1}`,
  title: `${opcode === Op.PING ? 'ping' : 'pong'} in two fragments fails the connection`,
  send: (c) => c.send([{ opcode, fin: false, payload: 'fragment1' }, { opcode: Op.CONTINUATION, payload: 'fragment2' }]),
  expect: ['fail 1002'],
}));

const twoFragments: Case[] = ways.map(([how, chops], i) => ({
  id: `5.${3 + i}`,
  title: `request in two fragments${how}`,
  send: (c) => sendEach(c, inPieces(ping(2), 2), chops),
  expect: ['reply 2 ok', ...END],
}));

const pingBetween: Case[] = ways.map(([how, chops], i) => ({
  id: `5.${6 + i}`,
  title: `request in two fragments, a ping between them${how}`,
  send: (c) => {
    const [a, b] = inPieces(ping(2), 2) as [FrameSpec, FrameSpec];
    return sendEach(c, [a, { opcode: Op.PING, payload: 'ping payload' }, b], chops);
  },
  expect: [pong('ping payload'), 'reply 2 ok', ...END],
}));

/** A continuation with nothing to continue, then a whole request: RFC 6455 5.4 makes the first frame an error. */
const nothingToContinue: Case[] = [true, false].flatMap((fin, f) =>
  ways.map(([how, chops], i): Case => ({
    id: `5.${9 + 3 * f + i}`,
    title: `continuation (FIN = ${fin}) with nothing to continue, then a request${how}`,
    send: (c) => sendEach(c, [{ opcode: Op.CONTINUATION, fin, payload: 'non-continuation payload' }, { opcode: Op.TEXT, payload: ping(2) }], chops),
    expect: ['fail 1002'],
  })),
);

const misordered: Case[] = [
  {
    id: '5.15',
    title: 'request in two fragments, then a continuation with nothing to continue, then a text frame',
    send: (c) => c.send([...inPieces(ping(2), 2), { opcode: Op.CONTINUATION, fin: false, payload: 'fragment3' }, { opcode: Op.TEXT, payload: 'fragment4' }]),
    expect: ['reply 2 ok', 'fail 1002'],
    otherwise: { expect: ['fail 1002'], grade: 'NON-STRICT', why: REPLY_LOST_TO_FAILURE },
  },
  ...[false, true].map((fin, i): Case => ({
    id: `5.${16 + i}`,
    title: `twice: continuation (FIN = ${fin}) with nothing to continue, then a request in two fragments`,
    send: (c) => {
      const once: FrameSpec[] = [{ opcode: Op.CONTINUATION, fin, payload: 'fragment1' }, ...inPieces(ping(2), 2)];
      return c.send([...once, ...once]);
    },
    expect: ['fail 1002'],
  })),
  {
    id: '5.18',
    title: 'two fragments both with the text opcode',
    send: (c) => c.send([{ opcode: Op.TEXT, fin: false, payload: 'fragment1' }, { opcode: Op.TEXT, payload: 'fragment2' }]),
    expect: ['fail 1002'],
  },
];

/** Five fragments with a ping after the second and after the fourth, and a wait in between (Autobahn waits 1 s). */
const slowWithPings: Case[] = [undefined, { delayMs: 5 }].map((chops, i) => ({
  id: `5.${19 + i}`,
  title: `request in five fragments with two pings and a pause${chops ? ' (frame-wise chops)' : ''}`,
  send: async (c) => {
    const [f1, f2, f3, f4, f5] = inPieces(ping(2), 5) as FrameSpec[];
    await sendEach(c, [f1, f2, { opcode: Op.PING, payload: 'pongme 1!' }] as FrameSpec[], chops);
    await new Promise((r) => setTimeout(r, 50));
    await sendEach(c, [f3, f4, { opcode: Op.PING, payload: 'pongme 2!' }, f5] as FrameSpec[], chops);
  },
  expect: [pong('pongme 1!'), pong('pongme 2!'), 'reply 2 ok', ...END],
}));

/** lawline's own frames are binary msgpack: the same reassembly on that subprotocol. */
const binary: Case[] = [
  {
    id: '5.L1',
    title: 'msgpack request in three binary fragments with a ping between',
    encoding: 'msgpack',
    send: (c) => {
      const [a, b, d] = inPieces(binaryPing(2, 300), 3, Op.BINARY) as [FrameSpec, FrameSpec, FrameSpec];
      return c.send([a, b, { opcode: Op.PING, payload: 'between' }, d]);
    },
    expect: [pong('between'), 'reply 2 SCHEMA_VIOLATION', ...END],
  },
  {
    id: '5.L2',
    title: 'binary fragment, then a text frame before the message ends',
    encoding: 'msgpack',
    send: (c) => c.send([{ opcode: Op.BINARY, fin: false, payload: binaryPing(2, 300).subarray(0, 100) }, { opcode: Op.TEXT, payload: 'text' }]),
    expect: ['fail 1002'],
  },
];

conformanceSuite('fragments', [...controlFragmented, ...twoFragments, ...pingBetween, ...nothingToContinue, ...misordered, ...slowWithPings, ...binary]);
