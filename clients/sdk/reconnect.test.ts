import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/errors.ts';
import { ReconnectPolicy } from './reconnect.ts';

// Where a client that knows several nodes goes when its connection closes. 1006: the socket
// went without a close frame (a node killed); `opened` false: nothing answered (refused).

const URLS = ['ws://a', 'ws://b', 'ws://c'];
const policy = () => new ReconnectPolicy(URLS, { minDelayMs: 10, maxDelayMs: 100 }, false);
/** A client greeted on its first url whose node then died: the live connection goes, the retry there is refused. */
function lostItsNode(p = policy()): ReconnectPolicy {
  p.helloAnswered();
  expect(p.afterClose(1006, true, true)).toMatchObject({ kind: 'retry' });
  // Once is a blip: the same node, where the session can be resumed.
  expect(p.url).toBe('ws://a');
  p.afterClose(1006, false, false);
  return p;
}

describe('ReconnectPolicy', () => {
  it('spreads the clients of a node that died over the others, none left on the dead one', () => {
    const landed = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const url = lostItsNode().url;
      landed.set(url, (landed.get(url) ?? 0) + 1);
    }
    expect(landed.get('ws://a')).toBeUndefined();
    // Each of the two about half: all on the next in the list was the herd it replaces.
    expect(landed.get('ws://b')).toBeGreaterThan(60);
    expect(landed.get('ws://c')).toBeGreaterThan(60);
  });

  it('does not go back to a url given up on while another is left, and starts over once all were', () => {
    for (let i = 0; i < 50; i++) {
      const p = lostItsNode();
      const second = p.url;
      p.afterClose(1006, false, false);
      const third = p.url;
      expect(new Set(['ws://a', second, third]).size).toBe(3);
      p.afterClose(1006, false, false);
      expect(['ws://a', second]).toContain(p.url);
    }
  });

  it('moves on at once from a node that drains or is full, and stays on one that answers again', () => {
    const p = policy();
    p.helloAnswered();
    p.afterClose(CloseCode.DRAINING, true, true);
    const next = p.url;
    expect(next).not.toBe('ws://a');
    p.helloAnswered();
    p.afterClose(CloseCode.CONNECTION_LIMIT, true, true);
    expect(p.url).not.toBe(next);
    p.helloAnswered();
    const here = p.url;
    p.afterClose(1006, true, true);
    expect(p.url).toBe(here);
  });

  it('keeps its one url', () => {
    const p = new ReconnectPolicy(['ws://only'], { minDelayMs: 10, maxDelayMs: 100 }, false);
    for (let i = 0; i < 5; i++) p.afterClose(1006, false, false);
    expect(p.url).toBe('ws://only');
  });
});
