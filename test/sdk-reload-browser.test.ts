import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LawlineClient } from '../clients/sdk/index.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { CHROMIUM } from './helpers/services.ts';

// The SDK as a page uses it: bundled for the browser, kept in the tab's sessionStorage, across a
// real reload, and a tab duplicated with its sessionStorage (Web Locks keep the copy off the
// first tab's session). The web app's own reload test drives the app by clicks; this one drives
// the SDK alone in a blank page.

let server: TestServer;
let browser: Browser;
let sdk: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the test set-up does, as root)`);
  const bundled = await build({ entryPoints: ['clients/sdk/index.ts'], bundle: true, format: 'iife', globalName: 'lawline', platform: 'browser', target: 'es2020', write: false, logLevel: 'warning' });
  sdk = bundled.outputFiles[0]?.text ?? '';
  server = await startTestServer({ LAWLINE_RATE_PER_SEC: '1000', LAWLINE_RATE_BURST: '1000' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] });
});
afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
});

/**
 * A page of the node's origin (its /healthz: not the web app, which may build a client of its own)
 * with the SDK loaded as `window.lawline`. Served by the node itself, not by a route in the test:
 * Chromium blocks a page it does not see come from the loopback address from opening a
 * WebSocket to it (local network access checks).
 */
async function open(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.port}/healthz`);
  await page.addScriptTag({ content: sdk });
  return page;
}

/** Builds the page's client on sessionStorage and connects it; what it hears is kept on `window`. */
function start(page: Page, token: string): Promise<{ sessionId: string; resumed: boolean }> {
  return page.evaluate(
    async ({ token, url }) => {
      const { LawlineClient: Client, WebStorageStore } = (window as unknown as { lawline: typeof import('../clients/sdk/index.ts') }).lawline;
      const c = new Client({ url, token, store: new WebStorageStore(sessionStorage), reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
      const w = window as unknown as Record<string, unknown>;
      const heard: string[] = [];
      const ended: number[] = [];
      w.client = c;
      w.heard = heard;
      w.ended = ended;
      w.pending = c.pendingChats().map((p) => ({ clientMsgId: p.clientMsgId, body: p.body }));
      c.on('chat.message', (m) => heard.push(m.body));
      c.on('terminated', (t) => ended.push(t.code));
      c.on('snapshot', (list) => (w.snapshot = list.map((x) => ({ id: x.id, upTo: c.deliveredUpTo(x.id) }))));
      const reply = await c.connect();
      return { sessionId: reply.sessionId, resumed: reply.resumed };
    },
    { token, url: `ws://127.0.0.1:${server.port}/ws` },
  );
}

const onPage = <T>(page: Page, name: string) => page.evaluate((n) => (window as unknown as Record<string, unknown>)[n], name) as Promise<T>;

describe('the SDK in Chromium, on sessionStorage', () => {
  it('resumes after a reload with every message once, sends what was written as the page went once, and keeps a duplicated tab off its session', async () => {
    const token = await server.token(citizen('C-browser'));
    const law = new LawlineClient({ url: server.url, token: await server.token(lawyer('L-browser')), WebSocket });
    await law.connect();
    const fromCitizen: string[] = [];
    law.on('chat.message', (m) => fromCitizen.push(m.body));
    // The node's pages forbid inline scripts (CSP); the test injects the bundle as one.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await open(context);
    const first = await start(page, token);
    const id = await page.evaluate(async () => {
      const c = (window as unknown as { client: LawlineClient }).client;
      return (await c.request('consult.request', { category: 'labor', region: '320200', channel: 'text' })).consultation.id;
    });
    await law.request('consult.pick', { consultationId: id });
    await law.request('consult.join', { consultationId: id });
    await law.sendChat(id, 'before').acked;
    await expect.poll(() => onPage<string[]>(page, 'heard')).toEqual(['before']);

    // Written, and the page reloads at once.
    await page.evaluate((consultationId) => void (window as unknown as { client: LawlineClient }).client.sendChat(consultationId, 'as the page went').acked.catch(() => undefined), id);
    await page.reload();
    await law.sendChat(id, 'while it reloaded').acked;
    await page.addScriptTag({ content: sdk });
    expect(await start(page, token)).toEqual({ sessionId: first.sessionId, resumed: true });
    await expect.poll(() => onPage<{ id: string; upTo: number }[]>(page, 'snapshot')).toEqual([{ id, upTo: expect.any(Number) }]);
    await expect.poll(() => fromCitizen).toEqual(['as the page went']);
    const [{ upTo }] = (await onPage<{ upTo: number }[]>(page, 'snapshot')) as [{ upTo: number }];
    const transcript = (await law.request('consult.history', { consultationId: id })).messages;
    // What the page shows: history up to deliveredUpTo, what it heard since, and what it had
    // written and not seen acked (sent or not before the reload went, each way once).
    const heard = await onPage<string[]>(page, 'heard');
    const pending = await onPage<{ clientMsgId: string; body: string }[]>(page, 'pending');
    const old = transcript.filter((m) => m.seq <= upTo && !pending.some((p) => p.clientMsgId === m.clientMsgId));
    const shown = [...old.map((m) => m.body), ...heard, ...pending.map((p) => p.body)];
    expect(shown.sort()).toEqual(['as the page went', 'before', 'while it reloaded']);
    expect(transcript.map((m) => m.body).sort()).toEqual(['as the page went', 'before', 'while it reloaded']);

    // The browser duplicates the tab: a second page with a copy of its sessionStorage, taken once
    // the first has acknowledged (and saved) everything, so that the copy could resume it.
    await new Promise((r) => setTimeout(r, 300));
    const saved = await page.evaluate(() => Object.entries(sessionStorage));
    const copy = await open(context);
    await copy.evaluate((items) => items.forEach(([k, v]) => sessionStorage.setItem(k, v)), saved);
    const second = await start(copy, token);
    expect(second.resumed).toBe(false);
    expect(second.sessionId).not.toBe(first.sessionId);
    await law.sendChat(id, 'to both tabs').acked;
    await expect.poll(() => onPage<string[]>(copy, 'heard')).toContain('to both tabs');
    await expect.poll(() => onPage<string[]>(page, 'heard')).toContain('to both tabs');
    expect(await onPage<number[]>(page, 'ended')).toEqual([]);

    // Sign-out leaves nothing in the tab.
    await page.evaluate(() => (window as unknown as { client: LawlineClient }).client.close({ forget: true }));
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await context.close();
    law.close();
  });
});
