import { beforeAll, expect } from 'vitest';
import { CloseCode } from '../../protocol/errors.ts';
import { closePayload, Op, type FrameSpec } from '../helpers/ws-wire.ts';
import type { Case } from './case.ts';
import { chatSend, ping } from './requests.ts';
import { conformanceSuite, type Suite } from './suite.ts';

/**
 * Autobahn section 7: the close handshake and close codes. Each case closes the connection
 * itself, so no sentinel follows: what comes back is the server's answer to the close.
 */

const close = (code: number, reason: Buffer | string = ''): FrameSpec => ({ opcode: Op.CLOSE, payload: closePayload(code, reason) });

/**
 * uWS checks a received close code with `code < 1000 || code > 4999 || (code > 1011 && code < 4000) ||
 * 1004..1006` (WebSocketProtocol.h, parseClosePayload) and answers a code it refuses, an empty
 * body or one byte, with a close frame that has no code; its close handler then reports 1006.
 */
const NO_CODE_BACK = 'uWS answers with a close frame without a code (Autobahn: "or empty")';

const REPLY_AFTER_CLOSE =
  'lawline replies once the request is done (a chat.send: once the store has it); uWS answers the close frame at once, in C++, ' +
  'and the socket is gone before the reply is written. The request itself is carried out (checked). Autobahn fails 7.1.1 for ' +
  'this; lawline cannot delay uWS\'s close reply, and nothing is lost: an unacknowledged chat.send is resent with its clientMsgId ' +
  'and deduplicated (invariant 1)';

function cases(suite: Suite): Case[] {
  const orderly: Case[] = [
    {
      id: '7.1.1',
      title: 'request, then close',
      send: async (c) => c.send([{ opcode: Op.TEXT, payload: chatSend(2, await suite.consultation(), 'm-7.1.1', Buffer.from('Hello World!')) }, close(1000)]),
      expect: ['reply 2 ok', 'closing 1000'],
      otherwise: { expect: ['closing 1000'], grade: 'DEVIATION', why: REPLY_AFTER_CLOSE },
      verify: async () => expect(await eventually(async () => (await suite.messages()).some((m) => m.clientMsgId === 'm-7.1.1'))).toBe(true),
    },
    { id: '7.1.2', title: 'two close frames', send: (c) => c.send([close(1000), { opcode: Op.CLOSE }]), expect: ['closing 1000'] },
    { id: '7.1.3', title: 'ping after close', send: (c) => c.send([close(1000), { opcode: Op.PING }]), expect: ['closing 1000'] },
    { id: '7.1.4', title: 'request after close', send: (c) => c.send([close(1000), { opcode: Op.TEXT, payload: ping(2) }]), expect: ['closing 1000'] },
    {
      id: '7.1.5',
      title: 'fragment, close, last fragment',
      send: (c) => c.send([{ opcode: Op.TEXT, fin: false, payload: ping(2).subarray(0, 10) }, close(1000), { opcode: Op.CONTINUATION, payload: ping(2).subarray(10) }]),
      expect: ['closing 1000'],
    },
    {
      // Autobahn sends 256 KiB; lawline's limit is 64 KiB (section 9), so the largest request it answers.
      id: '7.1.6',
      title: 'largest request, small request, close, ping',
      send: (c) => c.send([{ opcode: Op.TEXT, payload: ping(2, 65536) }, { opcode: Op.TEXT, payload: ping(3) }, close(1000), { opcode: Op.PING }]),
      expect: ['reply 2 ok', 'reply 3 ok', 'closing 1000'],
      informational: true,
      otherwise: { expect: ['reply 2 ok?', 'reply 3 ok?', 'closing 1000'], grade: 'INFORMATIONAL', why: REPLY_AFTER_CLOSE },
    },
  ];

  const payloads: Case[] = [
    { id: '7.3.1', title: 'close without payload', send: (c) => c.send({ opcode: Op.CLOSE }), expect: ['closing 1000'], note: 'no code received, none sent back' },
    { id: '7.3.2', title: 'close with a one-byte payload', send: (c) => c.send({ opcode: Op.CLOSE, payload: 'a' }), expect: ['fail 1002'], note: NO_CODE_BACK },
    { id: '7.3.3', title: 'close 1000', send: (c) => c.send(close(1000)), expect: ['closing 1000'] },
    { id: '7.3.4', title: 'close 1000 with a reason', send: (c) => c.send(close(1000, 'Hello World!')), expect: ['closing 1000'] },
    { id: '7.3.5', title: 'close 1000 with a 123-byte reason', send: (c) => c.send(close(1000, '*'.repeat(123))), expect: ['closing 1000'] },
    // 2 + 124 = 126 bytes: more than a control frame may carry (RFC 6455 5.5).
    { id: '7.3.6', title: 'close 1000 with a 124-byte reason', send: (c) => c.send(close(1000, '*'.repeat(124))), expect: ['fail 1002'] },
    {
      id: '7.5.1',
      title: 'close with a reason that is not UTF-8',
      send: (c) => c.send(close(1000, Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex'))),
      expect: ['fail 1002/1007'],
      note: NO_CODE_BACK,
    },
  ];

  const valid: Case[] = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999].map((code, i) => ({
    id: `7.7.${i + 1}`,
    title: `close with valid code ${code}`,
    send: (c) => c.send(close(code)),
    expect: [`closing 1000/${code}`],
    ...(code >= 3000 && code < 4000 ? { note: `${NO_CODE_BACK}: it takes 3000-3999 (registered codes, valid by RFC 6455 7.4.2) for invalid; lawline reads no meaning into a client's close code` } : {}),
  }));

  // Registered with IANA after RFC 6455 (service restart, try again later, bad gateway); Autobahn does not test them.
  const registeredLater: Case[] = [1012, 1013, 1014].map((code, i) => ({
    id: `7.7.L${i + 1}`,
    title: `close with code ${code}`,
    send: (c) => c.send(close(code)),
    expect: [`closing 1000/${code}`],
    informational: true,
    note: NO_CODE_BACK,
  }));

  // 1015 is not in Autobahn's list, but RFC 6455 7.4.1 forbids it in a close frame.
  const invalid: Case[] = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 1015].map((code, i) => ({
    id: i < 9 ? `7.9.${i + 1}` : '7.9.L1',
    title: `close with invalid code ${code}`,
    send: (c) => c.send(close(code)),
    expect: ['fail 1002'],
    note: NO_CODE_BACK,
  }));

  const outOfRange: Case[] = [5000, 65535].map((code, i) => ({
    id: `7.13.${i + 1}`,
    title: `close with code ${code}`,
    send: (c) => c.send(close(code)),
    expect: [`fail 1000/1002/${code}`],
    informational: true,
    note: NO_CODE_BACK,
  }));

  /** Not in Autobahn: the server starts the handshake, with a valid close frame, and ends TCP after the client's answer. */
  const serverFirst: Case = {
    id: '7.L1',
    title: 'the server closes first: unreadable first frame',
    hello: false,
    send: (c) => c.send({ opcode: Op.TEXT, payload: 'not json' }),
    expect: ['error BAD_ENCODING', `close ${CloseCode.PROTOCOL_VIOLATION}`],
  };

  const refusedHello: Case = {
    id: '7.L2',
    title: 'the server closes first: hello with a forged token',
    hello: false,
    send: (c) => c.send({ opcode: Op.TEXT, payload: c.request('hello', { token: 'e30.e30.forged' }, 1) }),
    expect: ['reply 1 TOKEN_INVALID', `close ${CloseCode.AUTH_FAILED}`],
  };

  return [...orderly, ...payloads, ...valid, ...registeredLater, ...invalid, ...outOfRange, serverFirst, refusedHello];
}

async function eventually(check: () => Promise<boolean>, ms = 2000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) if (await check()) return true;
  return false;
}

const suite = conformanceSuite('close', cases);
beforeAll(() => suite.consultation());
