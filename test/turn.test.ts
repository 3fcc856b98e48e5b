import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iceServersFor, type IceConfig, type IceServer } from '../media/turn.ts';
import { Coturn } from './helpers/coturn.ts';
import { launchChromium } from './helpers/web-page.ts';

// The relay credentials lawline hands out with a call, checked by the relay itself: Debian's
// coturn with the shared secret, and Chromium told to use nothing but the relay
// (`iceTransportPolicy: 'relay'`), as a party behind a firewall that lets only TURN out must.
let relay: Coturn;
let browser: Browser;
let site: Server;
let origin: string;

beforeAll(async () => {
  relay = await Coturn.start();
  browser = await launchChromium();
  // getUserMedia wants a secure context: a page from 127.0.0.1 is one.
  site = createServer((_req, res) => res.end('<!doctype html><title>relay</title>'));
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(site.address() as { port: number }).port}/`;
});
afterAll(async () => {
  await browser?.close();
  site?.close();
  await relay?.stop();
});

const config = (secret: string): IceConfig => ({ stunUrls: [], turn: { urls: [relay.url], secret, ttlSec: 600 } });

interface RelayOutcome {
  connected: boolean;
  /** Candidate types of the pair each side chose. */
  pairs: string[][];
  relayCandidates: number;
  /** STUN error codes Chromium met while gathering (401: the relay refused the credential). */
  errors: number[];
  framesDecoded: number;
  echoed: string;
}

/**
 * Two peer connections in one page, each allowed only relayed candidates, one sending its fake
 * camera and a data-channel message to the other. Every packet between them crosses coturn.
 */
async function callThroughRelay(page: Page, iceServers: IceServer[], waitMs: number): Promise<RelayOutcome> {
  return page.evaluate(
    async ({ iceServers, waitMs }) => {
      const errors: number[] = [];
      let relayCandidates = 0;
      const make = () => {
        const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
        pc.addEventListener('icecandidateerror', (e) => errors.push((e as RTCPeerConnectionIceErrorEvent).errorCode));
        return pc;
      };
      const caller = make();
      const callee = make();
      const wire = (from: RTCPeerConnection, to: RTCPeerConnection) =>
        from.addEventListener('icecandidate', (e) => {
          if (!e.candidate) return;
          if (e.candidate.type === 'relay') relayCandidates += 1;
          void to.addIceCandidate(e.candidate);
        });
      wire(caller, callee);
      wire(callee, caller);
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
      for (const t of stream.getTracks()) caller.addTrack(t, stream);
      const channel = caller.createDataChannel('chat');
      const echoed = new Promise<string>((resolve) => callee.addEventListener('datachannel', (e) => e.channel.addEventListener('message', (m) => resolve(String(m.data)))));
      channel.addEventListener('open', () => channel.send('through the relay'));
      await caller.setLocalDescription(await caller.createOffer());
      await callee.setRemoteDescription(caller.localDescription as RTCSessionDescriptionInit);
      await callee.setLocalDescription(await callee.createAnswer());
      await caller.setRemoteDescription(callee.localDescription as RTCSessionDescriptionInit);

      const deadline = Date.now() + waitMs;
      const connected = () => caller.connectionState === 'connected' && callee.connectionState === 'connected';
      while (Date.now() < deadline && !connected()) await new Promise((r) => setTimeout(r, 100));
      // A second of video after connecting, so that frames are decoded on the far side.
      if (connected()) await new Promise((r) => setTimeout(r, 1500));
      const chosenPair = async (pc: RTCPeerConnection): Promise<string[]> => {
        const stats = await pc.getStats();
        const byId = new Map<string, Record<string, unknown>>();
        stats.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
        for (const s of byId.values()) {
          if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
          const pair = byId.get(s.selectedCandidatePairId as string);
          return [byId.get(pair?.localCandidateId as string)?.candidateType as string, byId.get(pair?.remoteCandidateId as string)?.candidateType as string];
        }
        return [];
      };
      let framesDecoded = 0;
      (await callee.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded = Number(s.framesDecoded ?? 0);
      });
      const outcome = {
        connected: connected(),
        pairs: [await chosenPair(caller), await chosenPair(callee)],
        relayCandidates,
        errors,
        framesDecoded,
        echoed: connected() ? await Promise.race([echoed, new Promise<string>((r) => setTimeout(() => r(''), 2000))]) : '',
      };
      for (const t of stream.getTracks()) t.stop();
      caller.close();
      callee.close();
      return outcome;
    },
    { iceServers, waitMs },
  );
}

async function page(): Promise<Page> {
  const p = await (await browser.newContext()).newPage();
  await p.goto(origin);
  return p;
}

describe('relay credentials', () => {
  it('are a username that carries its expiry and the party, and a password that changes with either', () => {
    const now = 1_800_000_000_000;
    const { iceServers, expiresAt } = iceServersFor({ stunUrls: ['stun:stun.example.org'], turn: { urls: ['turn:t.example.org'], secret: 's'.repeat(16), ttlSec: 600 } }, 'lawyer-7', now);
    expect(expiresAt).toBe(now + 600_000);
    expect(iceServers[0]).toEqual({ urls: ['stun:stun.example.org'] });
    expect(iceServers[1]?.username).toBe(`${now / 1000 + 600}:lawyer-7`);
    const other = iceServersFor({ stunUrls: [], turn: { urls: ['turn:t.example.org'], secret: 's'.repeat(16), ttlSec: 600 } }, 'lawyer-8', now).iceServers[0];
    expect(other?.credential).not.toBe(iceServers[1]?.credential);
    expect(iceServersFor({ stunUrls: [] }, 'lawyer-7', now)).toEqual({ iceServers: [] });
  });

  it('let Chromium relay video and data through coturn when nothing else is allowed', async () => {
    const p = await page();
    const outcome = await callThroughRelay(p, iceServersFor(config(relay.secret), 'citizen-1', Date.now()).iceServers, 15_000);
    expect(outcome, relay.log()).toMatchObject({ connected: true, echoed: 'through the relay', errors: [] });
    expect(outcome.pairs).toEqual([
      ['relay', 'relay'],
      ['relay', 'relay'],
    ]);
    expect(outcome.framesDecoded).toBeGreaterThan(10);
    await p.context().close();
  }, 30_000);

  it('are refused by coturn when forged with another secret, or expired', async () => {
    const p = await page();
    const forged = await callThroughRelay(p, iceServersFor(config('not-the-relays-secret-at-all'), 'citizen-1', Date.now()).iceServers, 4000);
    const expired = await callThroughRelay(p, iceServersFor(config(relay.secret), 'citizen-1', Date.now() - 3600_000).iceServers, 4000);
    for (const outcome of [forged, expired]) {
      expect(outcome.connected).toBe(false);
      expect(outcome.relayCandidates).toBe(0);
      // 401 Unauthorized, from the relay, for each allocation Chromium tried.
      expect(outcome.errors.length).toBeGreaterThan(0);
      expect(new Set(outcome.errors)).toEqual(new Set([401]));
    }
    await p.context().close();
  }, 30_000);
});
