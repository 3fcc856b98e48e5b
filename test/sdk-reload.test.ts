import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LawlineClient, MemoryStore, OUTBOX_MAX, type ClientOptions } from '../clients/sdk/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import type { ChatMessageT, ConsultationViewT } from '../protocol/frames.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { FaultyProxy } from './helpers/proxy.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// A page reload is a new LawlineClient on the store the page before used (sessionStorage in a
// browser, one MemoryStore here). The page before is closed without signing out, as a browser
// closes a page's sockets when it goes.

const FAST = { LAWLINE_RATE_PER_SEC: '1000', LAWLINE_RATE_BURST: '1000' };
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(FAST);
});
afterAll(() => server.cleanup());

const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

function client(url: string, token: string, options: Partial<ClientOptions> = {}): LawlineClient {
  return new LawlineClient({ url, token, WebSocket, requestTimeoutMs: 2000, reconnect: { minDelayMs: 20, maxDelayMs: 200 }, ...options });
}

/** A lawyer in an active consultation with the citizen `cit`, who asked for it. */
async function consultation(cit: LawlineClient, law: LawlineClient): Promise<string> {
  const { consultation: c } = await cit.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
  await law.request('consult.pick', { consultationId: c.id });
  await law.request('consult.join', { consultationId: c.id });
  return c.id;
}

/**
 * What a page shows of one consultation after a reload, as an app built on the SDK renders it:
 * the history up to `deliveredUpTo` when the snapshot comes, then each `chat.message`, and the
 * messages it had written that are still waiting (`pendingChats`) once acked.
 */
function page(c: LawlineClient, consultationId: string) {
  const events: ChatMessageT[] = [];
  const snapshots: ConsultationViewT[][] = [];
  let history: Promise<ChatMessageT[]> | undefined;
  const pending = c.pendingChats();
  c.on('chat.message', (m) => m.consultationId === consultationId && events.push(m));
  c.on('snapshot', (list) => {
    snapshots.push(list);
    const upTo = c.deliveredUpTo(consultationId);
    // A message still pending may be stored already (its ack was lost): it is shown once, as pending.
    const mine = new Set(pending.map((p) => p.clientMsgId));
    history ??= upTo === undefined ? Promise.resolve([]) : historyUpTo(c, consultationId, upTo).then((ms) => ms.filter((m) => !mine.has(m.clientMsgId)));
  });
  return {
    events,
    snapshots,
    /** Seqs in the order the page shows them. */
    async shown(): Promise<number[]> {
      const acked = await Promise.all(pending.map((p) => p.acked));
      return [...(await (history ?? Promise.resolve([]))).map((m) => m.seq), ...events.map((m) => m.seq), ...acked.map((a) => a.seq)];
    },
  };
}

async function historyUpTo(c: LawlineClient, consultationId: string, upTo: number): Promise<ChatMessageT[]> {
  const all: ChatMessageT[] = [];
  let beforeSeq = upTo + 1;
  for (;;) {
    const p = await c.request('consult.history', { consultationId, beforeSeq, limit: 200 });
    all.unshift(...p.messages);
    if (!p.hasMore || p.messages.length === 0) return all;
    beforeSeq = (p.messages[0] as ChatMessageT).seq;
  }
}

async function transcript(c: LawlineClient, consultationId: string): Promise<ChatMessageT[]> {
  return historyUpTo(c, consultationId, Number.MAX_SAFE_INTEGER - 1);
}

describe('SDK: a page reload on the same store', () => {
  it('resumes the session: the page shows every message once, in order, and what it had sent is stored once', async () => {
    const store = new MemoryStore();
    const token = await server.token(citizen('C-reload'));
    const law = client(server.url, await server.token(lawyer('L-reload')));
    const before = client(server.url, token, { store });
    const first = await before.connect();
    await law.connect();
    const fromCitizen: string[] = [];
    law.on('chat.message', (m) => fromCitizen.push(m.body));
    const id = await consultation(before, law);
    const got: string[] = [];
    before.on('chat.message', (m) => got.push(m.body));
    for (const body of ['l1', 'l2', 'l3']) await law.sendChat(id, body).acked;
    await before.sendChat(id, 'c1').acked;
    await expect.poll(() => got).toEqual(['l1', 'l2', 'l3']);
    // Acknowledged (and so saved) by now; what comes next the page sees but has not acknowledged.
    await settle();
    await law.sendChat(id, 'l4').acked;
    await expect.poll(() => got.at(-1)).toBe('l4');
    // Written as the page goes: sent, but its ack never reaches this page.
    const lastWords = before.sendChat(id, 'c2');
    lastWords.acked.catch(() => undefined);
    before.close();
    for (const body of ['l5', 'l6']) await law.sendChat(id, body).acked;

    const after = client(server.url, token, { store });
    const shows = page(after, id);
    expect(after.pendingChats().map((p) => p.body)).toEqual(['c2']);
    const resumed = await after.connect();
    expect(resumed).toMatchObject({ resumed: true, sessionId: first.sessionId });
    await expect.poll(() => shows.snapshots.map((s) => s.map((c) => c.id))).toEqual([[id]]);
    await law.sendChat(id, 'l7').acked;
    await expect.poll(() => shows.events.map((m) => m.body).at(-1)).toBe('l7');
    await settle();

    const all = await transcript(law, id);
    expect(all.map((m) => m.body).sort()).toEqual(['c1', 'c2', 'l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7']);
    expect(fromCitizen).toEqual(['c1', 'c2']);
    const shown = await shows.shown();
    expect([...shown].sort((a, b) => a - b)).toEqual(all.map((m) => m.seq));
    expect(new Set(shown).size).toBe(shown.length);
    // Events come after what the page showed from history, in order.
    const events = shows.events.map((m) => m.seq);
    expect(events).toEqual([...events].sort((a, b) => a - b));
    expect(events.map((m) => all.find((t) => t.seq === m)?.body)).toEqual(expect.arrayContaining(['l5', 'l6', 'l7']));
    after.close();
    law.close();
  });

  it('sends once, after the node is back, what was written while it was down and the page reloaded before it came back', async () => {
    const first = await startTestServer(FAST);
    // The node restarts on another port: each client reaches it through a proxy that follows it.
    const proxy = await FaultyProxy.start(first.port);
    const lawyerPath = await FaultyProxy.start(first.port);
    let again: TestServer | undefined;
    try {
      const store = new MemoryStore();
      const token = await first.token(citizen('C-offline'));
      const via = `ws://127.0.0.1:${proxy.port}/ws`;
      const before = client(via, token, { store });
      const law = client(`ws://127.0.0.1:${lawyerPath.port}/ws`, await first.token(lawyer('L-offline')));
      await before.connect();
      await law.connect();
      const id = await consultation(before, law);
      const fromCitizen: string[] = [];
      law.on('chat.message', (m) => fromCitizen.push(m.body));

      // Stored, but the ack is lost on the way back: the page does not know it went through.
      proxy.stall('replies');
      before.sendChat(id, 'stored, ack lost').acked.catch(() => undefined);
      await expect.poll(() => fromCitizen).toEqual(['stored, ack lost']);
      await first.stop();
      proxy.resume();
      // Typed while the node is down, then the page is reloaded before it comes back.
      before.sendChat(id, 'typed offline').acked.catch(() => undefined);
      before.close();
      const after = client(via, token, { store });
      const shows = page(after, id);
      expect(after.pendingChats().map((p) => p.body)).toEqual(['stored, ack lost', 'typed offline']);
      const acks = after.pendingChats().map((p) => p.acked);
      const connected = after.connect();

      again = await startTestServer(FAST, first.dataDir);
      proxy.retarget(again.port);
      lawyerPath.retarget(again.port);
      await connected;
      const [lost, offline] = await Promise.all(acks);
      await expect.poll(() => fromCitizen, { timeout: 5000 }).toEqual(['stored, ack lost', 'typed offline']);
      await settle();
      expect(fromCitizen).toEqual(['stored, ack lost', 'typed offline']);
      const all = await transcript(law, id);
      expect(all.map((m) => m.body)).toEqual(['stored, ack lost', 'typed offline']);
      expect([lost?.seq, offline?.seq]).toEqual(all.map((m) => m.seq));
      expect(after.pendingChats()).toEqual([]);
      // Shown once each, as the messages the page had written: none comes back as news.
      expect(shows.events).toEqual([]);
      expect((await shows.shown()).sort()).toEqual(all.map((m) => m.seq));
      after.close();
      law.close();
    } finally {
      await proxy.close();
      await lawyerPath.close();
      await again?.stop();
      await first.cleanup();
    }
  });

  it('keeps two tabs of one person apart: each, on its own store, resumes its own session and sends its own messages once', async () => {
    const token = await server.token(citizen('C-tabs'));
    const law = client(server.url, await server.token(lawyer('L-tabs')));
    await law.connect();
    const tabs = [new MemoryStore(), new MemoryStore()].map((store) => ({ store, client: client(server.url, token, { store }) }));
    const sessions = await Promise.all(tabs.map((t) => t.client.connect()));
    expect(sessions[0]?.sessionId).not.toBe(sessions[1]?.sessionId);
    const id = await consultation(tabs[0]!.client, law);
    const fromCitizen: string[] = [];
    law.on('chat.message', (m) => fromCitizen.push(m.body));

    // Each tab writes as it is reloaded; both come back together.
    for (const [i, tab] of tabs.entries()) {
      tab.client.sendChat(id, `tab ${i}`).acked.catch(() => undefined);
      tab.client.close();
    }
    const reloaded = tabs.map((t) => client(server.url, token, { store: t.store }));
    const ended: number[] = [];
    for (const c of reloaded) c.on('terminated', (t) => ended.push(t.code));
    const again = await Promise.all(reloaded.map((c) => c.connect()));
    expect(again.map((r) => [r.resumed, r.sessionId])).toEqual(sessions.map((r) => [true, r.sessionId]));
    await Promise.all(reloaded.flatMap((c) => c.pendingChats().map((p) => p.acked)));
    await expect.poll(() => [...fromCitizen].sort()).toEqual(['tab 0', 'tab 1']);
    await law.sendChat(id, 'to both').acked;
    await settle();
    expect(ended).toEqual([]);
    expect(fromCitizen.sort()).toEqual(['tab 0', 'tab 1']);
    for (const c of reloaded) c.close();
    law.close();
  });

  it("lets one live client hold a saved session: a second on the same store starts its own, and the store is then the second one's", async () => {
    const store = new MemoryStore();
    const token = await server.token(citizen('C-shared'));
    const law = client(server.url, await server.token(lawyer('L-shared')));
    await law.connect();
    const older = client(server.url, token, { store });
    const first = await older.connect();
    const id = await consultation(older, law);
    const ended: number[] = [];
    older.on('terminated', (t) => ended.push(t.code));

    const newer = client(server.url, token, { store });
    const second = await newer.connect();
    expect(second.resumed).toBe(false);
    expect(second.sessionId).not.toBe(first.sessionId);
    newer.close();
    // The older client hears this and acknowledges it, but no longer writes the store.
    const heard: string[] = [];
    older.on('chat.message', (m) => heard.push(m.body));
    await law.sendChat(id, 'after the newer one went').acked;
    await expect.poll(() => heard).toEqual(['after the newer one went']);
    await settle();
    expect(ended).toEqual([]);
    older.close();
    const reloaded = client(server.url, token, { store });
    expect(await reloaded.connect()).toMatchObject({ resumed: true, sessionId: second.sessionId });
    reloaded.close();
    law.close();
  });

  it('keeps nothing after sign-out, and sends nothing another person left behind', async () => {
    const store = new MemoryStore();
    const c = client(server.url, await server.token(citizen('C-out')), { store });
    await c.connect();
    const { consultation: mine } = await c.request('consult.request', { category: 'labor', region: '320200', channel: 'message' });
    c.close();
    // Left without signing out, with a message not yet sent (written while offline).
    const offline = client('ws://127.0.0.1:1/ws', await server.token(citizen('C-out')), { store });
    offline.sendChat(mine.id, 'for my lawyer only').acked.catch(() => undefined);
    offline.close();
    expect(store.keys()).not.toEqual([]);

    // Someone else signs in in that tab: the message is refused, never sent as theirs.
    const other = client(server.url, await server.token(citizen('C-next')), { store });
    const [left] = other.pendingChats();
    const helloOther = await other.connect();
    expect(helloOther.resumed).toBe(false);
    await expect(left?.acked).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect((await c2history(mine.id)).map((m) => m.body)).toEqual([]);

    other.close({ forget: true });
    expect(store.keys()).toEqual([]);
  });
});

describe('SDK: what it keeps is bounded', () => {
  it('holds at most OUTBOX_MAX messages waiting for their acks, and refuses the next at once', async () => {
    const store = new MemoryStore();
    const offline = client('ws://127.0.0.1:1/ws', 'token', { store });
    const waiting = Array.from({ length: OUTBOX_MAX }, (_, i) => offline.sendChat('c1', `#${i}`).acked.catch((e: unknown) => e));
    await expect(offline.sendChat('c1', 'one more').acked).rejects.toMatchObject({ code: ErrorCode.OUTBOX_FULL, advice: 'back-off' });
    offline.close();
    expect(await Promise.all(waiting)).toEqual(waiting.map(() => expect.objectContaining({ code: ErrorCode.CLIENT_CLOSED })));
    expect(client('ws://127.0.0.1:1/ws', 'token', { store }).pendingChats()).toHaveLength(OUTBOX_MAX);
  });
});

/** The transcript as its citizen's other device reads it. */
async function c2history(consultationId: string): Promise<ChatMessageT[]> {
  const reader = client(server.url, await server.token(citizen('C-out')));
  await reader.connect();
  const messages = await transcript(reader, consultationId);
  reader.close();
  return messages;
}
