import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uncataloguedText } from './helpers/catalogue-check.ts';
import type { TestServer } from './helpers/server.ts';
import { checkScreen, enter, messages, open, say, seriousA11yViolations, signIn, startBrowserSuite, stopBrowserSuite, switchTo, type Person } from './helpers/web-page.ts';

let server: TestServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  ({ server, browser, base } = await startBrowserSuite());
});
afterAll(() => stopBrowserSuite({ server, browser }));

const identityOf = (page: Page) => page.evaluate(() => JSON.parse(localStorage.getItem('lawline.identity') ?? 'null') as { id: string; token: string } | null);

describe('the web page in Chromium', () => {
  it('lets a citizen and a lawyer open a consultation and chat, in zh-CN and English', async () => {
    const { page: citizen } = await enter(browser, base, 'citizen', '张三');
    const { page: lawyer } = await enter(browser, base, 'lawyer', '王律师');

    await citizen.getByTestId('category').selectOption('labor');
    await citizen.getByTestId('first-message').fill('公司拖欠我三个月工资');
    await citizen.getByTestId('request').click();
    await expect.poll(() => citizen.locator('[data-step=queued].done').count()).toBe(1);

    await expect.poll(() => lawyer.getByTestId('queue-item').count()).toBe(1);
    expect(await lawyer.getByTestId('queue').innerText()).toContain('劳动争议');
    await lawyer.getByTestId('pick').click();
    await expect.poll(() => citizen.locator('[data-step=active].done').count()).toBe(1);

    await expect.poll(() => messages(lawyer)).toContain('公司拖欠我三个月工资');
    await say(lawyer, '您好，请问有劳动合同吗？');
    await expect.poll(() => messages(citizen)).toContain('您好，请问有劳动合同吗？');
    // A screen reader hears it through the live region.
    await expect.poll(() => citizen.getByTestId('announcer').innerText()).toContain('您好，请问有劳动合同吗？');
    await say(citizen, '有的，签了两年');
    await expect.poll(() => messages(lawyer)).toContain('有的，签了两年');
    await expect.poll(() => citizen.locator('.msg.pending').count()).toBe(0);
    // HTML from the other side is shown as text, never made into elements.
    await say(citizen, '<b>bold</b><img src=x onerror="document.title=1">');
    await expect.poll(() => messages(lawyer)).toContain('<b>bold</b><img src=x onerror="document.title=1">');
    expect(await lawyer.locator('[data-testid=messages] b, [data-testid=messages] img').count()).toBe(0);

    await checkScreen(citizen);
    await checkScreen(lawyer);

    await citizen.getByTestId('lang').click();
    await expect.poll(() => citizen.locator('[data-step=active]').innerText()).toBe('Lawyer joined');
    expect(await citizen.locator('header h1').innerText()).toBe('lawline online legal help');
    // The category heading follows the language too.
    expect(await citizen.getByTestId('consultation').locator('h2').innerText()).toBe('Labor dispute');

    await lawyer.getByTestId('note').fill('建议申请劳动仲裁');
    await lawyer.getByTestId('close').click();
    await expect.poll(() => citizen.locator('[data-step=closed].done').count()).toBe(1);
    expect(await citizen.getByTestId('closed-note').innerText()).toContain('closed');
    expect(await citizen.content()).not.toContain('建议申请劳动仲裁');
    // The lawyer's card says closed, without the citizen's thanks and without an editable note.
    await expect.poll(() => lawyer.getByTestId('closed-note').innerText()).toBe('咨询已结束。');
    expect(await lawyer.getByTestId('note').count()).toBe(0);
    // After a close the citizen may ask again, without reloading.
    expect(await citizen.getByTestId('request').count()).toBe(1);
    await checkScreen(citizen);

    await citizen.screenshot({ path: '/tmp/lawline-citizen.png', fullPage: true });
    await lawyer.screenshot({ path: '/tmp/lawline-lawyer.png', fullPage: true });
  });

  it('routes a request to a lawyer on duty, who accepts the offer and chats; the citizen sees their place in the queue', async () => {
    const { page: lawyer } = await enter(browser, base, 'lawyer', '赵律师', ['traffic']);
    await expect.poll(() => lawyer.getByTestId('duty-state').innerText()).toBe('未值班');
    await expect.poll(() => lawyer.getByTestId('duty-on').isEnabled()).toBe(true);
    expect(await lawyer.getByTestId('duty-off').isEnabled()).toBe(false);
    await lawyer.getByTestId('duty-on').click();
    await expect.poll(() => lawyer.getByTestId('duty-state').innerText()).toContain('0/3');
    // On duty: going on duty again is no longer offered.
    expect(await lawyer.getByTestId('duty-on').isEnabled()).toBe(false);
    expect(await lawyer.getByTestId('duty-off').isEnabled()).toBe(true);
    expect(await lawyer.getByTestId('duty-categories').innerText()).toContain('交通事故');

    const { page: citizen } = await enter(browser, base, 'citizen', '李四');
    await citizen.getByTestId('category').selectOption('traffic');
    await citizen.getByTestId('request').click();
    await expect.poll(() => citizen.getByTestId('queue-position').innerText()).toContain('当前排队位置：1');
    expect(await citizen.getByTestId('suggestion').count()).toBe(0);

    await expect.poll(() => lawyer.getByTestId('offer').count()).toBe(1);
    expect(await lawyer.getByTestId('offer').innerText()).toContain('交通事故 · 李四');
    await checkScreen(lawyer);
    await lawyer.getByTestId('accept').click();
    await expect.poll(() => lawyer.getByTestId('offer').count()).toBe(0);
    await expect.poll(() => citizen.locator('[data-step=active].done').count()).toBe(1);
    await expect.poll(() => lawyer.getByTestId('duty-state').innerText()).toContain('1/3');
    await say(lawyer, '您好，我是值班律师');
    await expect.poll(() => messages(citizen)).toContain('您好，我是值班律师');
    await lawyer.screenshot({ path: '/tmp/lawline-lawyer-duty.png', fullPage: true });
    await lawyer.getByTestId('duty-off').click();
    await expect.poll(() => lawyer.getByTestId('duty-state').innerText()).toBe('未值班');
  });

  it('with nobody on duty, tells the citizen so (no made-up place or wait) and offers to leave a message', async () => {
    const { page: citizen } = await enter(browser, base, 'citizen', '周五');
    await citizen.getByTestId('category').selectOption('medical');
    await citizen.getByTestId('request').click();
    await expect.poll(() => citizen.getByTestId('leave-message').count()).toBe(1);
    expect(await citizen.getByTestId('queue-position').count()).toBe(0);
    expect(await citizen.getByTestId('suggestion').innerText()).toContain('暂无值班律师');
    await checkScreen(citizen);
    await citizen.getByTestId('leave-message').click();
    await expect.poll(() => citizen.getByTestId('message-left').count()).toBe(1);
    expect(await citizen.getByTestId('message-left').innerText()).toContain('已转为留言咨询');
  });
});

describe('the app shell', () => {
  it('keeps identity, language and the open consultation with its transcript across a reload, on both sides', async () => {
    const citizen = await enter(browser, base, 'citizen', '孙七');
    const lawyer = await enter(browser, base, 'lawyer', '钱律师', ['debt']);
    await citizen.page.getByTestId('category').selectOption('debt');
    await citizen.page.getByTestId('first-message').fill('借款不还');
    await citizen.page.getByTestId('request').click();
    await expect.poll(() => lawyer.page.getByTestId('queue-item').count()).toBe(1);
    await lawyer.page.getByTestId('pick').click();
    await say(lawyer.page, '请提供借条');
    await expect.poll(() => messages(citizen.page)).toContain('请提供借条');
    await switchTo(citizen.page, 'en');
    const before = await identityOf(citizen.page);
    await citizen.page.getByTestId('chat-input').fill('还没写完的草稿');

    await citizen.page.reload();
    await expect.poll(() => citizen.page.getByTestId('connection').getAttribute('data-state')).toBe('open');
    expect((await identityOf(citizen.page))?.id).toBe(before?.id);
    expect(await citizen.page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await citizen.page.getByTestId('who').innerText()).toBe('Signed in as 孙七');
    await expect.poll(() => messages(citizen.page)).toContain('请提供借条');
    expect(await messages(citizen.page)).toContain('借款不还');
    expect(await citizen.page.locator('[data-step=active].done').count()).toBe(1);
    // The unsent draft is back in the box, not sent.
    await expect.poll(() => citizen.page.getByTestId('chat-input').inputValue()).toBe('还没写完的草稿');
    expect(await messages(lawyer.page)).not.toContain('还没写完的草稿');
    await citizen.page.getByTestId('chat-input').fill('');

    await lawyer.page.reload();
    await expect.poll(() => messages(lawyer.page)).toContain('借款不还');
    await say(citizen.page, '我有借条');
    await expect.poll(() => messages(lawyer.page)).toContain('我有借条');
    // Once each: no gap and no duplicate after the reloads.
    for (const page of [citizen.page, lawyer.page]) {
      const texts = await page.getByTestId('message').allInnerTexts();
      expect(texts.filter((t) => t.includes('请提供借条'))).toHaveLength(1);
      expect(texts.filter((t) => t.includes('我有借条'))).toHaveLength(1);
    }
    expect([...citizen.problems, ...lawyer.problems]).toEqual([]);
  });

  it('signs out to the sign-in screen and stays signed out across a reload', async () => {
    const p = await enter(browser, base, 'citizen', '吴八');
    await p.page.getByTestId('sign-out').click();
    await expect.poll(() => p.page.getByTestId('enter').count()).toBe(1);
    expect(await identityOf(p.page)).toBeNull();
    await p.page.reload();
    await expect.poll(() => p.page.getByTestId('enter').count()).toBe(1);
    expect(await p.page.getByTestId('connection').count()).toBe(0);
  });

  it('is one person in every tab of a browser: a second tab is signed in, and a sign-out in one holds in all', async () => {
    const a = await enter(browser, base, 'citizen', '王十一');
    const b = await a.context.newPage();
    await b.goto(base);
    await expect.poll(() => b.getByTestId('connection').getAttribute('data-state')).toBe('open');
    expect((await identityOf(b))?.id).toBe((await identityOf(a.page))?.id);
    expect(await b.getByTestId('who').innerText()).toBe('当前身份：王十一');
    await a.page.getByTestId('sign-out').click();
    await expect.poll(() => b.getByTestId('enter').count()).toBe(1);
    expect(await b.getByTestId('connection').count()).toBe(0);
  });

  it('renews the token before it expires (same identity), and asks again once it has expired', async () => {
    const p = await open(browser, base);
    const keep = async (ttlSec: number) => {
      const id = `C-renew${ttlSec}${Date.now()}`;
      const token = await server.token({ sub: id, role: 'citizen', name: '郑九', region: '320200' }, ttlSec);
      const now = Date.now();
      await p.page.evaluate(
        (v) => localStorage.setItem('lawline.identity', JSON.stringify(v)),
        { id, role: 'citizen', name: '郑九', categories: [], token, issuedAt: now, expiresAt: now + ttlSec * 1000 },
      );
      return { id, token };
    };
    // A 4-second token is renewed at 3 s: same id, a new token, still connected.
    const short = await keep(4);
    await p.page.reload();
    await expect.poll(() => p.page.getByTestId('connection').getAttribute('data-state')).toBe('open');
    await expect.poll(async () => (await identityOf(p.page))?.token, { timeout: 8000 }).not.toBe(short.token);
    expect((await identityOf(p.page))?.id).toBe(short.id);
    expect(await p.page.getByTestId('connection').getAttribute('data-state')).toBe('open');

    // An expired one: the sign-in screen, saying why, with the name filled in.
    await keep(1);
    await new Promise((r) => setTimeout(r, 1500));
    await p.page.reload();
    await expect.poll(() => p.page.getByTestId('sign-in-notice').count()).toBe(1);
    expect(await p.page.getByTestId('name').inputValue()).toBe('郑九');
    expect(await identityOf(p.page)).toBeNull();
  });

  it('serves a favicon, and a page load asks for nothing that is not there', async () => {
    const res = await fetch(`${base}favicon.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    const p = await open(browser, base);
    expect(await p.page.locator('link[rel=icon]').getAttribute('href')).toBe('/favicon.svg');
    await p.page.reload();
    await p.page.waitForLoadState('networkidle');
    expect(p.problems).toEqual([]);
  });

  it('shows only catalogue text on the sign-in screen, tells a lawyer with no specialty they get every category, and can be used by keyboard', async () => {
    const p = await open(browser, base);
    await checkScreen(p.page);
    await p.page.getByTestId('role-lawyer').check();
    expect(await p.page.getByTestId('no-specialty').innerText()).toContain('所有类别');
    await checkScreen(p.page);
    await p.page.getByTestId('cat-labor').check();
    expect(await p.page.getByTestId('no-specialty').count()).toBe(0);
    await p.page.getByTestId('cat-labor').uncheck();

    // By keyboard, in reading order: the radios, the name, the specialties, enter.
    await p.page.getByTestId('role-lawyer').focus();
    await p.page.keyboard.press('Tab');
    await p.page.keyboard.type('冯律师');
    expect(await p.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('name');
    await p.page.keyboard.press('Tab');
    expect(await p.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('cat-labor');
    // Focus is visible where it is.
    expect(await p.page.evaluate(() => (document.activeElement ? getComputedStyle(document.activeElement).outlineStyle : 'none'))).not.toBe('none');
    await p.page.keyboard.press('Enter');
    await expect.poll(() => p.page.getByTestId('connection').getAttribute('data-state')).toBe('open');
    expect(await p.page.getByTestId('duty-categories').innerText()).toBe('接单类别：全部类别');
    await checkScreen(p.page);
  });

  it('refuses a message over 5,000 characters with a counter, never cutting it', async () => {
    const citizen = await enter(browser, base, 'citizen', '陈十');
    await citizen.page.getByTestId('category').selectOption('ip');
    await citizen.page.getByTestId('request').click();
    await expect.poll(() => citizen.page.getByTestId('chat-input').count()).toBe(1);
    expect(await citizen.page.getByTestId('chat-input').getAttribute('placeholder')).toContain('回车发送');
    const long = '长'.repeat(10_000);
    await citizen.page.getByTestId('chat-input').fill(long);
    expect(await citizen.page.getByTestId('chat-input').inputValue()).toHaveLength(10_000);
    await expect.poll(() => citizen.page.getByTestId('too-long').innerText()).toContain('5000');
    expect(await citizen.page.locator('.compose [data-testid=counter]').innerText()).toContain('10000/5000');
    expect(await citizen.page.getByTestId('chat-send').isEnabled()).toBe(false);
    await citizen.page.getByTestId('chat-input').press('Enter');
    expect(await citizen.page.getByTestId('message').count()).toBe(0);
    await checkScreen(citizen.page);
    await citizen.page.getByTestId('chat-input').fill('长'.repeat(5000));
    expect(await citizen.page.getByTestId('too-long').count()).toBe(0);
    await citizen.page.getByTestId('chat-input').press('Enter');
    await expect.poll(() => citizen.page.locator('.msg:not(.pending)').count()).toBe(1);
  });

  it('works on a phone (360 px) and a desk (1440 px): nothing wider than the screen', async () => {
    for (const width of [360, 1440]) {
      const p = await open(browser, base, { width, height: 760 });
      await signIn(p, 'citizen', '手机用户');
      await p.page.getByTestId('request').click();
      await expect.poll(() => p.page.getByTestId('chat-input').count()).toBe(1);
      await say(p.page, '手机上也能发消息');
      await expect.poll(() => p.page.locator('.msg:not(.pending)').count()).toBe(1);
      expect(await p.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      for (const id of ['chat-input', 'chat-send', 'lang', 'sign-out']) {
        const box = await p.page.getByTestId(id).boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= width, `${id} at ${width} px`).toBe(true);
      }
      expect(await seriousA11yViolations(p.page)).toEqual([]);
      await p.page.screenshot({ path: `/tmp/lawline-${width}.png`, fullPage: true });
      const lawyer = await open(browser, base, { width, height: 760 });
      await signIn(lawyer, 'lawyer', '桌面律师');
      expect(await lawyer.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await lawyer.page.screenshot({ path: `/tmp/lawline-lawyer-${width}.png`, fullPage: true });
    }
  });

  it('the catalogue and axe checks catch what they are there for', async () => {
    const p = await open(browser, base);
    await p.page.evaluate(() => {
      const unlabelled = document.createElement('input');
      unlabelled.type = 'text';
      document.body.append(unlabelled);
    });
    expect((await seriousA11yViolations(p.page)).join('\n')).toContain('critical label');
    await p.page.evaluate(() => document.body.lastElementChild?.remove());
    await p.page.evaluate(() => {
      const stray = document.createElement('p');
      stray.textContent = 'Hello';
      document.body.append(stray);
    });
    expect((await uncataloguedText(p.page)).stray).toEqual(['Hello']);
    // English text left on the Chinese page is caught too.
    await p.page.evaluate(() => {
      document.body.lastElementChild?.remove();
      const stray = document.createElement('p');
      stray.textContent = 'Enter';
      document.body.append(stray);
    });
    expect((await uncataloguedText(p.page)).stray).toEqual(['Enter']);
  });
});
