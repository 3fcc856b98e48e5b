import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaLog } from '../media/engine.ts';
import { JanusEngine } from '../media/janus/engine.ts';
import { JanusRooms } from '../media/janus/rooms.ts';
import { JanusSocket } from '../media/janus/socket.ts';
import type { CallRoom, Sdp } from '../media/rooms.ts';
import { launchChromium } from './helpers/web-page.ts';

// Calls through the supervised Janus, between two Chromium pages with fake camera and
// microphone: each publishes, each receives the other, through `media/`'s rooms alone (the
// lawline protocol carries this signalling in the next step).
const parent = mkdtempSync(join(tmpdir(), 'lawline-rooms-'));
const quiet: MediaLog = { info() {}, warn() {}, error() {} };
let engine: JanusEngine;
let rooms: JanusRooms;
let browser: Browser;
let site: Server;
let origin: string;

beforeAll(async () => {
  engine = new JanusEngine({ runtimeParent: parent, log: quiet, rtpPorts: { min: 43000, max: 43200 } });
  const started = await engine.start();
  if (!started.ok) throw new Error(started.error.message);
  rooms = new JanusRooms(engine);
  browser = await launchChromium();
  // getUserMedia wants a secure context: a page from 127.0.0.1 is one.
  site = createServer((_req, res) => res.end('<!doctype html><title>call</title>'));
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(site.address() as { port: number }).port}/`;
});
afterAll(async () => {
  await browser?.close();
  site?.close();
  await engine?.stop();
  rmSync(parent, { recursive: true, force: true });
});

/** A page in a browser context of its own, with a peer connection per leg. */
async function party(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(origin);
  return page;
}

/** The page's offer to send its camera and microphone, with every candidate gathered (no trickle needed). */
const publishOffer = (page: Page): Promise<Sdp> =>
  page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    (window as unknown as { legs: Record<string, RTCPeerConnection> }).legs = { publish: pc };
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
    for (const t of stream.getTracks()) pc.addTrack(t, stream);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription?.toJSON() as Sdp;
  });

const setAnswer = (page: Page, answer: Sdp) => page.evaluate((a) => (window as unknown as { legs: Record<string, RTCPeerConnection> }).legs.publish?.setRemoteDescription(a), answer);

/** The page takes the SFU's offer of another participant's media and answers it. */
const receive = (page: Page, offer: Sdp): Promise<Sdp> =>
  page.evaluate(async (o) => {
    const pc = new RTCPeerConnection();
    (window as unknown as { legs: Record<string, RTCPeerConnection> }).legs.receive = pc;
    // Played, as a page shows a call: Chromium measures audio energy on what it plays out.
    pc.addEventListener('track', (e) => {
      if (e.track.kind !== 'audio') return;
      const audio = new Audio();
      audio.srcObject = new MediaStream([e.track]);
      void audio.play();
    });
    await pc.setRemoteDescription(o);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription?.toJSON() as Sdp;
  }, offer);

/** What the page has received so far: video frames decoded and audio energy. */
const received = (page: Page) =>
  page.evaluate(async () => {
    const pc = (window as unknown as { legs: Record<string, RTCPeerConnection> }).legs.receive;
    const out = { frames: 0, energy: 0 };
    for (const s of (await pc?.getStats())?.values() ?? []) {
      if (s.type !== 'inbound-rtp') continue;
      if (s.kind === 'video') out.frames += s.framesDecoded ?? 0;
      if (s.kind === 'audio') out.energy += s.totalAudioEnergy ?? 0;
    }
    return out;
  });

async function connect(room: CallRoom, a: Page, aId: string, b: Page, bId: string): Promise<void> {
  for (const [page, id] of [[a, aId], [b, bId]] as const) {
    const answer = await room.publish(id, await publishOffer(page));
    expect(answer.ok, id).toBe(true);
    if (answer.ok) await setAnswer(page, answer.value);
  }
  for (const [page, id, from] of [[a, aId, bId], [b, bId, aId]] as const) {
    const offer = await room.subscribe(id, from);
    expect(offer.ok ? true : offer.error, `${id} <- ${from}`).toBe(true);
    if (!offer.ok) return;
    expect((await room.accept(id, from, await receive(page, offer.value))).ok).toBe(true);
  }
}

/** Janus's own count of handles, read from its admin API. */
async function handlesInJanus(): Promise<number> {
  const control = engine.control();
  if (!control) throw new Error('engine not up');
  const admin = await JanusSocket.open(control.adminUrl, 'admin', control.adminKey, 2000);
  if (!admin.ok) throw new Error(admin.error.message);
  const sessions = await admin.value.request({ janus: 'list_sessions' }, 2000);
  let handles = 0;
  for (const id of sessions.ok ? (sessions.value.sessions as number[]) : []) {
    const list = await admin.value.request({ janus: 'list_handles', session_id: id }, 2000);
    handles += list.ok ? (list.value.handles as number[]).length : 0;
  }
  admin.value.close();
  return handles;
}

describe('call rooms in the supervised Janus', () => {
  it('carries camera and microphone both ways between two Chromium pages, and leaves no handle after the room closes', async () => {
    const opened = await rooms.open('c_call_1');
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const room = opened.value;
    const [citizen, lawyer] = [await party(), await party()];
    await connect(room, citizen, 'u_citizen', lawyer, 'u_lawyer');

    for (const page of [citizen, lawyer]) {
      await expect.poll(async () => (await received(page)).frames, { timeout: 15_000, interval: 250 }).toBeGreaterThan(20);
      await expect.poll(async () => (await received(page)).energy, { timeout: 5000, interval: 250 }).toBeGreaterThan(0);
    }
    // Still flowing, not a burst that stopped.
    const before = await received(lawyer);
    await expect.poll(async () => (await received(lawyer)).frames, { timeout: 5000, interval: 250 }).toBeGreaterThan(before.frames + 10);

    expect(await handlesInJanus()).toBe(5);
    await room.close();
    expect(rooms.size).toBe(0);
    // Janus tears a hung-up handle down after its detach is answered.
    await expect.poll(handlesInJanus, { timeout: 3000 }).toBe(0);
    for (const page of [citizen, lawyer]) await page.context().close();
  }, 60_000);

  it('loses its rooms when Janus is killed, and carries the call again on the Janus started in its place', async () => {
    const opened = await rooms.open('c_call_3');
    if (!opened.ok) throw new Error(opened.error.message);
    const [citizen, lawyer] = [await party(), await party()];
    await connect(opened.value, citizen, 'u_c3', lawyer, 'u_l3');
    await expect.poll(async () => (await received(lawyer)).frames, { timeout: 15_000, interval: 250 }).toBeGreaterThan(5);

    const restarted = new Promise<number>((r) => engine.onRestarted(r));
    process.kill(engine.pid() as number, 'SIGKILL');
    await restarted;
    expect(await opened.value.publish('u_c3', { type: 'offer', sdp: 'v=0\r\n' })).toMatchObject({ ok: false, error: { kind: 'lost' } });
    expect(rooms.size).toBe(0);

    // The same consultation's room, made again on the new Janus: the parties set up their legs again (an ICE restart's worth of work).
    const again = await rooms.open('c_call_3');
    if (!again.ok) throw new Error(again.error.message);
    const frames = (await received(lawyer)).frames;
    await connect(again.value, citizen, 'u_c3', lawyer, 'u_l3');
    await expect.poll(async () => (await received(lawyer)).frames, { timeout: 15_000, interval: 250 }).toBeGreaterThan(frames + 20);
    await again.value.close();
    await expect.poll(handlesInJanus, { timeout: 3000 }).toBe(0);
    for (const page of [citizen, lawyer]) await page.context().close();
  }, 60_000);

  it('refuses an SDP that is not one, and a subscription to nobody, and the engine goes on', async () => {
    const opened = await rooms.open('c_call_2');
    if (!opened.ok) throw new Error(opened.error.message);
    const room = opened.value;
    const restarts = engine.restarts;
    const garbage = await room.publish('u_x', { type: 'offer', sdp: 'v=0\r\nthis is not an sdp\r\n' });
    expect(garbage).toMatchObject({ ok: false, error: { kind: 'refused' } });
    expect(await room.subscribe('u_y', 'u_nobody')).toMatchObject({ ok: false, error: { kind: 'refused' } });
    expect(await room.accept('u_y', 'u_x', { type: 'answer', sdp: 'v=0\r\n' })).toMatchObject({ ok: false, error: { kind: 'refused' } });
    expect(engine.state).toBe('up');
    expect(engine.restarts).toBe(restarts);
    await room.close();
    await expect.poll(handlesInJanus, { timeout: 3000 }).toBe(0);
  });
});
