import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultyProxy } from './helpers/proxy.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { enter, say, startBrowserSuite, stopBrowserSuite, type Person } from './helpers/web-page.ts';

// The web app across reloads, by clicks, in Chromium: a page reloaded mid-chat (or with its
// network dead under it, or while the server is down) comes back with everything it showed, the
// messages written meanwhile are sent once, and the other party sees no gap and no duplicate.
// The pages reach the node through a proxy, so that it can be restarted (on the same data dir,
// another port) while the pages keep their origin, and so their sessionStorage.

const FAST = { LAWLINE_RATE_PER_SEC: '1000', LAWLINE_RATE_BURST: '1000' };
let server: TestServer;
let proxy: FaultyProxy;
let browser: Browser;
let base: string;
const people: Person[] = [];

beforeAll(async () => {
  const suite = await startBrowserSuite(FAST);
  ({ server, browser } = suite);
  proxy = await FaultyProxy.start(server.port);
  base = `http://127.0.0.1:${proxy.port}/`;
});
afterAll(async () => {
  await proxy?.close();
  await stopBrowserSuite({ server, browser });
});

async function person(role: 'citizen' | 'lawyer', name: string, categories?: string[], at = base): Promise<Person> {
  const p = await enter(browser, at, role, name, categories);
  people.push(p);
  return p;
}

async function closeAll(): Promise<void> {
  for (const p of people.splice(0)) await p.context.close();
}

const connected = (page: Page) => expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 20_000 }).toBe('open');
/** The message texts a page shows, stored and sending, in order. */
const bodies = (page: Page) => page.locator('[data-testid=message] [data-user]').allInnerTexts();
/** The text of the element with `testId`, or '' while there is none (a poll then fails on time, not on Playwright's 30 s wait). */
async function textOf(page: Page, testId: string): Promise<string> {
  const el = page.getByTestId(testId);
  return (await el.count()) ? el.innerText() : '';
}
const sending = (page: Page) => page.locator('.msg.pending').count();
/** Every message of `expected` shown once, nothing else, nothing left sending. */
async function showsOnce(page: Page, expected: string[]): Promise<void> {
  await expect.poll(async () => [...(await bodies(page))].sort(), { timeout: 20_000 }).toEqual([...expected].sort());
  await expect.poll(() => sending(page)).toBe(0);
}

async function ask(citizen: Page, category: string, first: string): Promise<void> {
  await citizen.getByTestId('category').selectOption(category);
  await citizen.getByTestId('first-message').fill(first);
  await citizen.getByTestId('request').click();
}

/** A citizen who asked with `first` and a lawyer of `category` who took it from the queue and answered `reply`. */
async function chatting(category: string, [first, reply]: [string, string]): Promise<{ lawyer: Person; citizen: Person }> {
  const lawyer = await person('lawyer', '冯律师', [category]);
  const citizen = await person('citizen', '陈八');
  await ask(citizen.page, category, first);
  await expect.poll(() => lawyer.page.getByTestId('queue-item').count()).toBe(1);
  await lawyer.page.getByTestId('pick').click();
  await say(lawyer.page, reply);
  await showsOnce(citizen.page, [first, reply]);
  return { lawyer, citizen };
}

/** The session the tab's SDK keeps in sessionStorage (`clients/web/session/connection.ts`), if any. */
const savedSession = (page: Page) =>
  page.evaluate(() => {
    const key = Object.keys(sessionStorage).find((k) => k.startsWith('lawline.session.') && k.endsWith('.session'));
    return key ? (JSON.parse(sessionStorage.getItem(key) ?? '{}') as { sessionId?: string }).sessionId : undefined;
  });

describe('the web app across reloads', () => {
  it("brings a citizen's page back mid-chat: place in the queue, transcript, draft; the lawyer sees every message once", async () => {
    // On duty for debt but on a break: the category is served (a place and a wait mean something), nobody is offered it.
    const onBreak = await person('lawyer', '孙律师', ['debt']);
    await onBreak.page.getByTestId('duty-on').click();
    await expect.poll(() => textOf(onBreak.page, 'duty-state')).toContain('0/3');
    await onBreak.page.getByTestId('duty-away').click();
    await expect.poll(() => textOf(onBreak.page, 'duty-state')).toContain('暂离');
    const lawyer = await person('lawyer', '钱律师', ['debt']);
    const citizen = await person('citizen', '周六');

    await ask(citizen.page, 'debt', '借款三万未还');
    await expect.poll(() => textOf(citizen.page, 'queue-position')).toContain('当前排队位置：1');
    await citizen.page.getByTestId('chat-input').fill('还没写完');
    await citizen.page.reload();
    await connected(citizen.page);
    // The place is not pushed again (it has not moved): the page reads it.
    await expect.poll(() => textOf(citizen.page, 'queue-position')).toContain('当前排队位置：1');
    await expect.poll(() => citizen.page.getByTestId('chat-input').inputValue()).toBe('还没写完');
    await showsOnce(citizen.page, ['借款三万未还']);

    await expect.poll(() => lawyer.page.getByTestId('queue-item').count()).toBe(1);
    await lawyer.page.getByTestId('pick').click();
    await expect.poll(() => citizen.page.locator('[data-step=active].done').count()).toBe(1);
    await say(lawyer.page, '请提供借条');
    await showsOnce(citizen.page, ['借款三万未还', '请提供借条']);
    await say(citizen.page, '有借条');
    await showsOnce(lawyer.page, ['借款三万未还', '请提供借条', '有借条']);

    // Sent as the page goes, a draft left, and a message from the lawyer while it reloads.
    await say(citizen.page, '还有转账记录');
    await citizen.page.getByTestId('chat-input').fill('下一句草稿');
    const reloading = citizen.page.reload();
    await say(lawyer.page, '好的，我看一下');
    await reloading;
    await connected(citizen.page);
    const all = ['借款三万未还', '请提供借条', '有借条', '还有转账记录', '好的，我看一下'];
    await showsOnce(citizen.page, all);
    expect(await citizen.page.locator('[data-step=active].done').count()).toBe(1);
    await expect.poll(() => citizen.page.getByTestId('chat-input').inputValue()).toBe('下一句草稿');
    await citizen.page.getByTestId('chat-input').fill('');
    await say(citizen.page, '重新加载之后');
    await showsOnce(lawyer.page, [...all, '重新加载之后']);
    await showsOnce(citizen.page, [...all, '重新加载之后']);
    expect([...citizen.problems, ...lawyer.problems]).toEqual([]);
    await closeAll();
  });

  it('tells a citizen again after a reload that nobody is on duty for their request, and offers to leave a message', async () => {
    const citizen = await person('citizen', '蒋十');
    await ask(citizen.page, 'traffic', '车被刮了');
    await expect.poll(() => citizen.page.getByTestId('leave-message').count()).toBe(1);
    await citizen.page.reload();
    await connected(citizen.page);
    await expect.poll(() => citizen.page.getByTestId('leave-message').count()).toBe(1);
    expect(await citizen.page.getByTestId('queue-position').count()).toBe(0);
    await showsOnce(citizen.page, ['车被刮了']);
    await closeAll();
  });

  it("brings a lawyer's console back after the network died under it: duty state, transcript, draft, and the messages written meanwhile, each stored once", async () => {
    // The lawyer's page reaches the node through a path of its own, which goes dead.
    const path = await FaultyProxy.start(server.port);
    const citizen = await person('citizen', '吴七');
    const lawyer = await person('lawyer', '郑律师', ['family'], `http://127.0.0.1:${path.port}/`);
    await lawyer.page.getByTestId('duty-on').click();
    await expect.poll(() => textOf(lawyer.page, 'duty-state')).toContain('0/3');
    await ask(citizen.page, 'family', '离婚财产怎么分');
    await expect.poll(() => lawyer.page.getByTestId('offer').count()).toBe(1);
    await lawyer.page.getByTestId('accept').click();
    await expect.poll(() => textOf(lawyer.page, 'duty-state')).toContain('1/3');
    await say(lawyer.page, '有婚前协议吗');
    await showsOnce(citizen.page, ['离婚财产怎么分', '有婚前协议吗']);

    // A message stored whose ack is lost on the way back, then nothing gets through any more
    // (the node does not notice for two heartbeats), and one written into the void.
    path.stall('replies');
    await say(lawyer.page, '请把协议发我');
    await showsOnce(citizen.page, ['离婚财产怎么分', '有婚前协议吗', '请把协议发我']);
    expect(path.blackholeOpen(/upgrade: websocket/i)).toBe(1);
    path.resume();
    await say(lawyer.page, '还有房产证');
    expect(await sending(lawyer.page)).toBe(2);
    await lawyer.page.getByTestId('chat-input').fill('草稿：财产清单');
    await lawyer.page.reload();
    await connected(lawyer.page);
    // Resumed over the connection the node still holds: nothing of the duty state is pushed again.
    await expect.poll(() => textOf(lawyer.page, 'duty-state')).toContain('1/3');
    const all = ['离婚财产怎么分', '有婚前协议吗', '请把协议发我', '还有房产证'];
    await showsOnce(lawyer.page, all);
    await showsOnce(citizen.page, all);
    await expect.poll(() => lawyer.page.getByTestId('chat-input').inputValue()).toBe('草稿：财产清单');
    expect(await lawyer.page.getByTestId('offer').count()).toBe(0);
    await say(citizen.page, '好的');
    await showsOnce(lawyer.page, [...all, '好的']);
    await lawyer.page.getByTestId('duty-off').click();
    await expect.poll(() => textOf(lawyer.page, 'duty-state')).toBe('未值班');
    await closeAll();
    await path.close();
  });

  it('sends a message typed while the server is down once, after a reload and a restart, and the other party sees it once', async () => {
    const { lawyer, citizen } = await chatting('property', ['房子漏水', '楼上的吗']);

    await server.stop();
    for (const p of [citizen.page, lawyer.page]) await expect.poll(() => p.getByTestId('connection').getAttribute('data-state')).not.toBe('open');
    await say(citizen.page, '是的，楼上');
    await say(lawyer.page, '我先查一下');
    expect(await sending(citizen.page)).toBe(1);
    expect(await sending(lawyer.page)).toBe(1);
    // The citizen reloads while the node is down: no page, but the tab keeps its sessionStorage.
    await citizen.page.reload().catch(() => undefined);

    server = await startTestServer(FAST, server.dataDir);
    proxy.retarget(server.port);
    await citizen.page.goto(base);
    await connected(citizen.page);
    await connected(lawyer.page);
    const all = ['房子漏水', '楼上的吗', '是的，楼上', '我先查一下'];
    await showsOnce(citizen.page, all);
    await showsOnce(lawyer.page, all);
    await closeAll();
  });

  it("keeps a duplicated tab off the first tab's session: each tab its own, both shown everything once", async () => {
    const { lawyer, citizen } = await chatting('contract', ['合同违约', '对方违约了吗']);
    const first = await savedSession(citizen.page);
    expect(first).toBeDefined();

    // The browser duplicates the tab: a second one starting with a copy of the first's sessionStorage.
    const saved = await citizen.page.evaluate(() => Object.entries(sessionStorage));
    const copy = await citizen.context.newPage();
    await copy.addInitScript((items) => {
      if (sessionStorage.length === 0) for (const [k, v] of items) sessionStorage.setItem(k, v);
    }, saved);
    await copy.goto(base);
    await connected(copy);
    await showsOnce(copy, ['合同违约', '对方违约了吗']);
    await expect.poll(() => savedSession(copy)).not.toBe(first);
    expect(await savedSession(copy)).toBeDefined();

    await say(lawyer.page, '请拍照合同');
    const both = ['合同违约', '对方违约了吗', '请拍照合同'];
    await showsOnce(copy, both);
    await showsOnce(citizen.page, both);
    // The first tab was not superseded: still connected, on its own session, which a reload resumes.
    expect(await citizen.page.getByTestId('connection').getAttribute('data-state')).toBe('open');
    expect(await savedSession(citizen.page)).toBe(first);
    await citizen.page.reload();
    await connected(citizen.page);
    await showsOnce(citizen.page, both);
    expect(await savedSession(citizen.page)).toBe(first);
    await say(copy, '已拍照');
    await showsOnce(lawyer.page, [...both, '已拍照']);
    await showsOnce(citizen.page, [...both, '已拍照']);
    await closeAll();
  });
});
