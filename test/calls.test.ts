import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LawlineClient, LawlineError } from '../clients/sdk/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { LIMITS, type ChatMessageT, type PushData } from '../protocol/frames.ts';
import { assistant, citizen, lawyer, supervisor } from './helpers/people.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { gained, keepPeerConnections, received } from './helpers/call-media.ts';
import { FaultyProxy } from './helpers/proxy.ts';
import { JanusSocket } from '../media/janus/socket.ts';
import { launchChromium } from './helpers/web-page.ts';

// Calls through lawline end to end: a real node with its supervised Janus, two Chromium pages
// (fake camera and microphone) driving the SDK's `LawlineCall`, and Node clients for the
// refusals. One browser, two pages, the whole file.
let server: TestServer;
let browser: Browser;
let sdk: string;
let citizenPage: Page;
let lawyerPage: Page;
/** The citizen's and the lawyer's other devices, in Node: for refusals and what the transcript says. */
let cit: LawlineClient;
let law: LawlineClient;
let first: string;
let second: string;
const transcript: ChatMessageT[] = [];
const lawyerCalls: PushData<'call.state'>[] = [];

async function nodeClient(claims: Parameters<TestServer['token']>[0]): Promise<LawlineClient> {
  const c = new LawlineClient({ url: server.url, token: await server.token(claims), WebSocket });
  await c.connect();
  return c;
}

async function activeConsultation(asker = cit, taker = law): Promise<string> {
  const { consultation } = await asker.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
  await taker.request('consult.pick', { consultationId: consultation.id });
  await taker.request('consult.join', { consultationId: consultation.id });
  return consultation.id;
}

/** A page of the node's origin with the SDK as `window.lawline`, signed in; every peer connection it makes is kept on `window.pcs`. */
async function page(claims: Parameters<TestServer['token']>[0], url = server.url): Promise<Page> {
  const context = await browser.newContext({ bypassCSP: true });
  const p = await context.newPage();
  p.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  // Kept for getStats(): the SDK's connections are its own business otherwise.
  await context.addInitScript(keepPeerConnections);
  await p.goto(`http://127.0.0.1:${server.port}/healthz`);
  await p.addScriptTag({ content: sdk });
  await p.evaluate(
    async ({ token, url }) => {
      const w = window as unknown as Record<string, unknown>;
      w.errors = [];
      w.events = [];
      const { LawlineClient: Client } = (window as unknown as { lawline: typeof import('../clients/sdk/index.ts') }).lawline;
      const client = new Client({ url, token, reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
      client.on('call.state', (p) => (w.events as string[]).push(`${p.event}:${p.call.state}`));
      w.client = client;
      await client.connect();
    },
    { token: await server.token(claims), url },
  );
  return p;
}

/** Starts (`media`) or accepts (no `media`) the consultation's call on the page; the remote media is played, as a page shows a call. */
const join = (p: Page, consultationId: string, media?: 'voice' | 'video') =>
  p.evaluate(
    async ({ consultationId, media }) => {
      const w = window as unknown as Record<string, unknown>;
      const { LawlineCall } = (window as unknown as { lawline: typeof import('../clients/sdk/index.ts') }).lawline;
      const client = w.client as InstanceType<(typeof import('../clients/sdk/index.ts'))['LawlineClient']>;
      const call = media ? await LawlineCall.start(client, consultationId, media) : await LawlineCall.accept(client, consultationId);
      w.call = call;
      w.ended = undefined;
      call.on('error', (e) => (w.errors as string[]).push(String(e)));
      call.on('ended', (v) => (w.ended = v.endReason));
      call.on('remote', (stream) => {
        // Chromium measures audio energy on what it plays out.
        const audio = (w.audio as HTMLAudioElement | undefined) ?? new Audio();
        w.audio = audio;
        audio.srcObject = stream;
        // A new stream's load interrupts the previous play(): that rejection means nothing here.
        audio.play().catch(() => undefined);
      });
      return call.view?.state;
    },
    { consultationId, media },
  );

const onPage = (p: Page, script: string) => p.evaluate(script);

/** Frames and audio energy rise on the page (media flows to it now, not a burst that stopped). */
async function flowing(p: Page, what: { frames?: boolean; energy?: boolean } = { frames: true, energy: true }, timeout = 15_000): Promise<void> {
  const before = await received(p);
  if (what.frames) await expect.poll(async () => (await received(p)).frames, { timeout, interval: 250 }).toBeGreaterThan(before.frames + 10);
  if (what.energy) await expect.poll(async () => (await received(p)).energy, { timeout, interval: 250 }).toBeGreaterThan(before.energy);
}


async function refused(request: Promise<unknown>): Promise<number> {
  try {
    await request;
  } catch (e) {
    if (e instanceof LawlineError) return e.code;
    throw e;
  }
  return 0;
}

/** The node's /metrics, and one series' value in it (NaN when absent). */
const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text();
const figure = (text: string, series: string): number => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

beforeAll(async () => {
  const bundled = await build({ entryPoints: ['clients/sdk/index.ts'], bundle: true, format: 'iife', globalName: 'lawline', platform: 'browser', target: 'es2020', write: false, logLevel: 'warning' });
  sdk = bundled.outputFiles[0]?.text ?? '';
  server = await startTestServer({ LAWLINE_MEDIA: 'on', LAWLINE_MEDIA_RTP_PORTS: '44000-44400', LAWLINE_ROUTING: 'manual', LAWLINE_RESUME_WINDOW_MS: '3000', LAWLINE_STUN_URLS: 'stun:127.0.0.1:3478', LAWLINE_TURN_URLS: 'turn:127.0.0.1:3478', LAWLINE_TURN_SECRET: 'a-secret-of-twenty-chars', LAWLINE_RATE_PER_SEC: '1000', LAWLINE_RATE_BURST: '1000' });
  browser = await launchChromium();
  cit = await nodeClient(citizen('C1'));
  law = await nodeClient(lawyer('L1'));
  cit.on('chat.message', (m) => transcript.push(m));
  law.on('call.state', (p) => lawyerCalls.push(p));
  first = await activeConsultation();
  second = await activeConsultation();
  citizenPage = await page(citizen('C1'));
  lawyerPage = await page(lawyer('L1'));
}, 60_000);
afterAll(async () => {
  cit?.close();
  law?.close();
  await browser?.close();
  await server?.cleanup();
});

describe('calls through lawline and its Janus, between two Chromium pages', () => {
  it('hands each party the ICE servers of the call, with a relay credential of their own', async () => {
    const started = await cit.request('call.start', { consultationId: second, media: 'voice' });
    const accepted = await law.request('call.accept', { consultationId: second });
    const turnUser = (r: typeof started) => r.iceServers.find((s) => s.urls.some((u) => u.startsWith('turn:')))?.username ?? '';
    expect(started.iceServers[0]).toEqual({ urls: ['stun:127.0.0.1:3478'] });
    expect(turnUser(started)).toMatch(/^\d+:C1$/);
    expect(turnUser(accepted)).toMatch(/^\d+:L1$/);
    await law.request('call.hangup', { consultationId: second });
  });

  it('tells clients at hello that calls are available', async () => {
    const other = new LawlineClient({ url: server.url, token: await server.token(citizen('C9')), WebSocket });
    const hello = await other.connect();
    expect(hello.calls).toEqual({ available: true });
    other.close();
  });

  it('sets up a video call: each side receives the other\'s video and audio; the start is in the transcript', async () => {
    expect(await join(citizenPage, first, 'video')).toBe('ringing');
    await expect.poll(() => lawyerCalls.some((p) => p.event === 'ringing' && p.call.consultationId === first)).toBe(true);
    expect(await join(lawyerPage, first)).toBe('active');
    await flowing(citizenPage);
    await flowing(lawyerPage);
    await expect.poll(() => transcript.find((m) => m.consultationId === first && m.clientMsgId.startsWith('svc:call.started:'))?.body).toContain('"media":"video"');
    expect(await onPage(citizenPage, 'window.errors')).toEqual([]);
    expect(await onPage(lawyerPage, 'window.errors')).toEqual([]);
    // In the metrics: one call running on a live engine, set up once (start to both receiving).
    const m = await metrics();
    expect(figure(m, 'lawline_calls_active')).toBe(1);
    expect(figure(m, 'lawline_calls_ringing')).toBe(0);
    expect(figure(m, 'lawline_media_engine_up')).toBe(1);
    expect(figure(m, 'lawline_call_setup_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(figure(m, 'lawline_call_setup_seconds_sum')).toBeGreaterThan(0);
  }, 60_000);

  it('mute stops the other side\'s audio; camera off stops its video; both come back, and the other party is told', async () => {
    await onPage(lawyerPage, 'window.call.mute(true)');
    await expect.poll(() => lawyerCalls.at(-1)?.call.parties.find((p) => p.person.id === 'L1')?.audio).toBe(false);
    await new Promise((r) => setTimeout(r, 1000));
    const muted = await gained(citizenPage, 2000);
    expect(muted.energy).toBeLessThan(1e-6);
    expect(muted.frames).toBeGreaterThan(10);
    await onPage(lawyerPage, 'window.call.mute(false)');
    await flowing(citizenPage, { energy: true });

    await onPage(lawyerPage, 'window.call.camera(false)');
    await expect.poll(() => lawyerCalls.at(-1)?.call.parties.find((p) => p.person.id === 'L1')?.video).toBe(false);
    await new Promise((r) => setTimeout(r, 1000));
    const dark = await gained(citizenPage, 2000);
    expect(dark.frames).toBeLessThanOrEqual(1);
    expect(dark.energy).toBeGreaterThan(0);
    await onPage(lawyerPage, 'window.call.camera(true)');
    await flowing(citizenPage, { frames: true });
  }, 60_000);

  it('lets a supervisor listen in unseen: both parties reach them, the parties are told nothing and lose nothing, and the access is audited from start to end', async () => {
    const audited = async () => {
      const { records } = await server.node.store.verifyAudit();
      return Promise.all(Array.from({ length: records }, (_, i) => server.node.store.auditRecord(i)));
    };
    const before = (await audited()).length;
    const partyEvents = async () => [await onPage(citizenPage, 'window.events.length'), await onPage(lawyerPage, 'window.events.length')];
    const eventsBefore = await partyEvents();
    expect(await refused(cit.request('call.monitor', { consultationId: first }))).toBe(ErrorCode.FORBIDDEN);
    const sup = await page(supervisor('S1'));
    try {
      // Receive-only legs, one per party, answered with every candidate gathered.
      const legs = await sup.evaluate(async (consultationId) => {
        const w = window as unknown as Record<string, unknown>;
        const client = w.client as InstanceType<(typeof import('../clients/sdk/index.ts'))['LawlineClient']>;
        const monitor = await client.request('call.monitor', { consultationId });
        const audio = new Audio();
        const stream = new MediaStream();
        for (const leg of monitor.legs) {
          const pc = new RTCPeerConnection();
          pc.addEventListener('track', (e) => {
            stream.addTrack(e.track);
            audio.srcObject = stream;
            audio.play().catch(() => undefined);
          });
          await pc.setRemoteDescription(leg.sdp);
          await pc.setLocalDescription(await pc.createAnswer());
          await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
          await client.request('call.monitor.answer', { consultationId, from: leg.from.id, sdp: pc.localDescription?.toJSON() as { type: 'answer'; sdp: string } });
        }
        return monitor.legs.map((l) => l.from.id);
      }, first);
      expect(legs).toEqual(['C1', 'L1']);
      await flowing(sup);
      // The parties' media goes on as before, and nothing was pushed to them about it.
      await flowing(citizenPage);
      await flowing(lawyerPage);
      expect(await partyEvents()).toEqual(eventsBefore);
    } catch (e) {
      await sup.context().close();
      throw e;
    }
    const started = (await audited()).slice(before);
    expect(started.map((r) => [r?.action, r?.subject, r?.actor.id, r?.owner])).toEqual([['call.monitor.start', first, 'S1', 'C1']]);
    await sup.evaluate((id) => (window as unknown as { client: LawlineClient }).client.request('call.monitor.end', { consultationId: id }), first);
    const ended = (await audited()).slice(before + 1);
    expect(ended.map((r) => r?.action)).toEqual([expect.stringMatching(/^call\.monitor\.end:\d+s$/)]);
    await sup.context().close();
    await flowing(citizenPage);
  }, 60_000);

  it('refuses malformed and unwarranted signalling, each with its code, and the engine and the call go on', async () => {
    const pid = server.node.mediaPid();
    const sdp = (text: string) => ({ consultationId: first, sdp: { type: 'offer' as const, sdp: text } });
    expect(await refused(cit.request('call.offer', sdp('v=0\r\nthis is not an sdp\r\n')))).toBe(ErrorCode.SDP_INVALID);
    // SDP-shaped, but not WebRTC (no ICE, no DTLS): refused before the engine sees it.
    expect(await refused(cit.request('call.offer', sdp('v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n')))).toBe(ErrorCode.SDP_INVALID);
    const big = `v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\na=x:${'y'.repeat(LIMITS.maxSdpChars)}\r\n`;
    expect(await refused(cit.request('call.offer', sdp(big)))).toBe(ErrorCode.SDP_TOO_LARGE);
    const stranger = await nodeClient(citizen('C2'));
    expect(await refused(stranger.request('call.offer', sdp('v=0\r\n')))).toBe(ErrorCode.NOT_A_MEMBER);
    expect(await refused(stranger.request('call.start', { consultationId: first, media: 'voice' }))).toBe(ErrorCode.NOT_A_MEMBER);
    expect(await refused(stranger.request('call.hangup', { consultationId: first }))).toBe(ErrorCode.NOT_A_MEMBER);
    stranger.close();
    const helper = await nodeClient(assistant('A1', 'L1'));
    expect(await refused(helper.request('call.start', { consultationId: second, media: 'voice' }))).toBe(ErrorCode.FORBIDDEN);
    helper.close();
    // The lawyer holds a call: the citizen's other consultation with them cannot start a second.
    expect(await refused(cit.request('call.start', { consultationId: second, media: 'voice' }))).toBe(ErrorCode.LAWYER_IN_CALL);
    expect(await refused(cit.request('call.start', { consultationId: first, media: 'voice' }))).toBe(ErrorCode.CALL_STATE);
    expect(await refused(cit.request('call.accept', { consultationId: first }))).toBe(ErrorCode.CALL_STATE);
    expect(await refused(cit.request('chat.send', { consultationId: first, clientMsgId: 'svc:call.ended:forged', body: '{}' }))).toBe(ErrorCode.SCHEMA_VIOLATION);
    expect(server.node.mediaPid()).toBe(pid);
    await flowing(lawyerPage);
    await flowing(citizenPage);
  }, 60_000);

  it('comes back within 10 s of a kill -9 of Janus mid-call, with every chat message sent meanwhile delivered', async () => {
    const heard: string[] = [];
    const off = law.on('chat.message', (m) => heard.push(m.body));
    const pid = server.node.mediaPid();
    expect(pid).toBeGreaterThan(0);
    const before = await metrics();
    const killedAt = Date.now();
    process.kill(pid as number, 'SIGKILL');
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      sent.push(cit.sendChat(first, `during the restart ${i}`).acked);
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(sent);
    await expect.poll(() => server.node.mediaPid(), { timeout: 10_000 }).not.toBe(pid);
    await flowing(citizenPage, { frames: true, energy: true }, 10_000 - (Date.now() - killedAt));
    await flowing(lawyerPage, { frames: true, energy: true }, Math.max(1000, 10_000 - (Date.now() - killedAt)));
    const back = Date.now() - killedAt;
    console.log(`media back on both pages ${back} ms after kill -9 of Janus`);
    expect(back).toBeLessThan(10_000);
    await expect.poll(() => heard.filter((b) => b.startsWith('during the restart')).length).toBe(20);
    off();
    expect(lawyerCalls.filter((p) => p.event === 'renegotiate').length).toBeGreaterThan(0);
    // The supervisor's restart is counted; setting the same call up again is not a new setup.
    const after = await metrics();
    expect(figure(after, 'lawline_media_engine_restarts_total')).toBe(figure(before, 'lawline_media_engine_restarts_total') + 1);
    expect(figure(after, 'lawline_media_engine_up')).toBe(1);
    expect(figure(after, 'lawline_call_setup_seconds_count')).toBe(figure(before, 'lawline_call_setup_seconds_count'));
  }, 60_000);

  it('hang-up ends the call on both pages, frees the lawyer for another call, and the transcript has the end, how long and who', async () => {
    await onPage(citizenPage, 'window.call.hangup()');
    await expect.poll(() => onPage(lawyerPage, 'window.ended')).toBe('hangup');
    await expect.poll(() => transcript.find((m) => m.consultationId === first && m.clientMsgId.startsWith('svc:call.ended:'))?.body).toBeDefined();
    const entry = JSON.parse(transcript.find((m) => m.consultationId === first && m.clientMsgId.startsWith('svc:call.ended:'))?.body ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({ call: 'ended', reason: 'hangup', by: 'C1', media: 'video' });
    expect(entry.durationMs).toBeGreaterThan(1000);
    const device = new LawlineClient({ url: server.url, token: await server.token(lawyer('L1')), WebSocket });
    expect((await device.connect()).activeCalls).toEqual([]);
    device.close();
  }, 30_000);

  it('carries a voice-only call (audio both ways, no video), which ends when its consultation closes', async () => {
    expect(await join(lawyerPage, second, 'voice')).toBe('ringing');
    await expect.poll(() => onPage(citizenPage, `window.events.includes('ringing:ringing')`)).toBe(true);
    expect(await join(citizenPage, second)).toBe('active');
    await flowing(citizenPage, { energy: true });
    await flowing(lawyerPage, { energy: true });
    expect((await gained(citizenPage, 1000)).frames).toBe(0);
    await law.request('consult.close', { consultationId: second });
    await expect.poll(() => onPage(citizenPage, 'window.ended')).toBe('closed');
    await expect.poll(() => onPage(lawyerPage, 'window.ended')).toBe('closed');
  }, 60_000);

  it('ends a call when its consultation is transferred, and when a party is gone past the resume window, freeing the lawyer each time', async () => {
    const asker = await nodeClient(citizen('C3'));
    const other = await nodeClient(lawyer('L2'));
    const ends: string[] = [];
    asker.on('call.state', (p) => p.event === 'ended' && ends.push(p.call.endReason ?? ''));
    // Signalling only, no media: the call and its room exist as soon as it is answered.
    const moved = await activeConsultation(asker, other);
    await asker.request('call.start', { consultationId: moved, media: 'voice' });
    await other.request('call.accept', { consultationId: moved });
    await other.request('consult.transfer', { consultationId: moved, category: 'labor', note: 'for a colleague' });
    await expect.poll(() => ends).toEqual(['transferred']);

    const dropped = await activeConsultation(asker, other);
    await asker.request('call.start', { consultationId: dropped, media: 'video' });
    await other.request('call.accept', { consultationId: dropped });
    other.close();
    // Still resumable: the call waits for them.
    await new Promise((r) => setTimeout(r, 1500));
    expect(ends).toEqual(['transferred']);
    await expect.poll(() => ends, { timeout: 6000 }).toEqual(['transferred', 'disconnected']);
    // The lawyer's slot is free: a call with them can start again.
    const back = await nodeClient(lawyer('L2'));
    const again = await activeConsultation(asker, back);
    expect((await asker.request('call.start', { consultationId: again, media: 'voice' })).call.state).toBe('ringing');
    await asker.request('call.hangup', { consultationId: again });
    asker.close();
    back.close();
  }, 30_000);

  it('survives the WebSocket dropping mid-call (the session resumes, media flows on), and a call.restart sets both sides up again', async () => {
    const proxy = await FaultyProxy.start(server.port);
    const asker = await nodeClient(citizen('C4'));
    const taker = await nodeClient(lawyer('L3'));
    const id = await activeConsultation(asker, taker);
    asker.close();
    taker.close();
    const citizenViaProxy = await page(citizen('C4'), `ws://127.0.0.1:${proxy.port}/ws`);
    const lawyerDirect = await page(lawyer('L3'));
    try {
      await join(citizenViaProxy, id, 'video');
      await expect.poll(() => onPage(lawyerDirect, `window.events.includes('ringing:ringing')`)).toBe(true);
      await join(lawyerDirect, id);
      await flowing(citizenViaProxy);
      await flowing(lawyerDirect);
      await onPage(citizenViaProxy, `window.resumed = 0; window.client.on('resumed', () => window.resumed++)`);
      proxy.cut();
      await expect.poll(() => onPage(citizenViaProxy, 'window.resumed'), { timeout: 10_000 }).toBe(1);
      await flowing(lawyerDirect);
      await flowing(citizenViaProxy);
      expect(await onPage(citizenViaProxy, 'window.ended')).toBeUndefined();

      // What the SDK asks when a connection failed after a resume: both sides set their media up again.
      await onPage(citizenViaProxy, `window.client.request('call.restart', { consultationId: ${JSON.stringify(id)} })`);
      await expect.poll(() => onPage(lawyerDirect, `window.events.filter((e) => e === 'renegotiate:active').length`)).toBe(1);
      await flowing(lawyerDirect);
      await flowing(citizenViaProxy);
      // Nothing was waiting when the connection dropped: every trickled candidate had its answer (Janus acks a trickle and says no more).
      expect([await onPage(citizenViaProxy, 'window.errors'), await onPage(lawyerDirect, 'window.errors')]).toEqual([[], []]);
      await onPage(lawyerDirect, 'window.call.hangup()');
    } finally {
      await citizenViaProxy.context().close();
      await lawyerDirect.context().close();
      await proxy.close();
    }
  }, 60_000);

  it('leaves no call, and no handle in Janus, once every call has ended', async () => {
    expect(server.node.calls()).toBe(0);
    const m = await metrics();
    expect(figure(m, 'lawline_calls_active') + figure(m, 'lawline_calls_ringing')).toBe(0);
    expect(figure(m, 'lawline_calls_ended_total{reason="hangup"}')).toBeGreaterThanOrEqual(1);
    expect(figure(m, 'lawline_calls_ended_total{reason="transferred"}')).toBeGreaterThanOrEqual(1);
    const admin = server.node.mediaAdmin();
    if (!admin) throw new Error('no media engine');
    const socket = await JanusSocket.open(admin.url, 'admin', admin.key, 2000);
    if (!socket.ok) throw new Error(socket.error.message);
    const handles = async () => {
      const sessions = await socket.value.request({ janus: 'list_sessions' }, 2000);
      let n = 0;
      for (const id of sessions.ok ? (sessions.value.sessions as number[]) : []) {
        const list = await socket.value.request({ janus: 'list_handles', session_id: id }, 2000);
        n += list.ok ? (list.value.handles as number[]).length : 0;
      }
      return n;
    };
    // Janus tears a handle down once its detach is answered.
    await expect.poll(handles, { timeout: 5000 }).toBe(0);
    socket.value.close();
  });
});
