import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './helpers/raw-client.ts';
import type { TestServer } from './helpers/server.ts';
import { checkScreen, enter, messages, open, say, seriousA11yViolations, signInWithCode, startBrowserSuite, stopBrowserSuite } from './helpers/web-page.ts';

// The assistant's side of the web page, in Chromium, by clicks: a lawyer makes an assistant's
// sign-in in their console, the assistant signs in with it and works on the lawyer's
// consultations as the permission table allows, and a fourth assistant is turned away.

let server: TestServer;
let browser: Browser;
let base: string;
beforeAll(async () => {
  // A disconnected session (and an assistant's seat with it) is kept for the resume window: 1 s here, so a freed seat is seen soon.
  ({ server, browser, base } = await startBrowserSuite({ LAWLINE_RESUME_WINDOW_MS: '1000' }));
});
afterAll(() => stopBrowserSuite({ server, browser }));

/** The lawyer's console makes a sign-in code for an assistant named `name`, and the test reads it as the lawyer would. */
async function makeCode(lawyer: Page, name: string): Promise<string> {
  const out = lawyer.getByTestId('assistant-code-out');
  const before = (await out.count()) ? await out.inputValue() : '';
  await lawyer.getByTestId('assistant-name').fill(name);
  await lawyer.getByTestId('make-assistant-code').click();
  await expect.poll(async () => ((await out.count()) ? out.inputValue() : '')).not.toBe(before);
  return out.inputValue();
}

/** A citizen asks for help in `category` with a first message, and the lawyer takes it from the queue. */
async function consultation(citizen: Page, lawyer: Page, category: string, first: string): Promise<void> {
  // The console shows one consultation at a time, a tab for each.
  const taken = await lawyer.getByTestId('consultation-tab').count();
  await citizen.getByTestId('category').selectOption(category);
  await citizen.getByTestId('first-message').fill(first);
  await citizen.getByTestId('request').click();
  await expect.poll(() => lawyer.getByTestId('queue-item').count()).toBe(1);
  await lawyer.getByTestId('pick').click();
  await expect.poll(() => lawyer.getByTestId('consultation-tab').count()).toBe(taken + 1);
  await expect.poll(() => citizen.locator('[data-step=active].done').count()).toBe(1);
}

/** Three people's pages, a dozen steps each: past vitest's 30 s on a machine loaded by other runs (measured 29-42 s at load 15 on two cores). */
const LONG = 90_000;

const LAWYER_ONLY = ['duty-on', 'duty-away', 'duty-off', 'duty-ready', 'duty-state', 'offer', 'accept', 'decline', 'queue', 'pick', 'close', 'transfer', 'note', 'closed-today', 'assistants'];

describe('an assistant in Chromium', () => {
  it("signs in with the code their lawyer made, reads the lawyer's consultation and replies to the citizen, with nothing the lawyer alone may do", async () => {
    const lawyer = await enter(browser, base, 'lawyer', '王律师', ['labor']);
    const citizen = await enter(browser, base, 'citizen', '张三');
    await consultation(citizen.page, lawyer.page, 'labor', '公司拖欠我三个月工资');
    await say(lawyer.page, '您好，请问有劳动合同吗？');
    await expect.poll(() => messages(citizen.page)).toContain('您好，请问有劳动合同吗？');

    const code = await makeCode(lawyer.page, '小李');
    expect(await lawyer.page.getByTestId('assistants').innerText()).toContain('小李');
    // The code is where the keyboard is, ready to copy.
    expect(await lawyer.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('assistant-code-out');
    await checkScreen(lawyer.page);

    const audited = (await server.node.store.verifyAudit()).records;
    const assistant = await open(browser, base);
    await signInWithCode(assistant, code);
    const a = assistant.page;
    // Clearly acting for the lawyer, by name, in the header and on the view.
    expect(await a.getByTestId('who').innerText()).toBe('当前身份：小李（王律师 的助理）');
    expect(await a.getByTestId('acting-for').locator('h2').innerText()).toBe('代 王律师 处理咨询');
    // The lawyer's consultation, with its transcript so far.
    await expect.poll(() => a.getByTestId('consultation').count()).toBe(1);
    expect(await a.getByTestId('consultation').locator('h2').innerText()).toBe('劳动争议 · 张三');
    await expect.poll(() => messages(a)).toContain('公司拖欠我三个月工资');
    expect(await messages(a)).toContain('您好，请问有劳动合同吗？');
    expect(await a.getByTestId('team-state').innerText()).toBe('进行中');
    // Reading another person's conversation is in the audit log.
    expect((await server.node.store.verifyAudit()).records).toBe(audited + 1);

    // Replies: the citizen (and the lawyer) see it under the assistant's name, as the lawyer's assistant.
    await say(a, '请把劳动合同拍照发来');
    await expect.poll(() => messages(citizen.page)).toContain('请把劳动合同拍照发来');
    expect(await citizen.page.getByTestId('message').last().locator('.meta').innerText()).toMatch(/^小李（王律师 的助理） · \d\d:\d\d(:\d\d)?$/);
    await expect.poll(() => messages(lawyer.page)).toContain('请把劳动合同拍照发来');
    await expect.poll(() => a.locator('.msg.pending').count()).toBe(0);
    // And hears the citizen live.
    await say(citizen.page, '好的，马上发');
    await expect.poll(() => messages(a)).toContain('好的，马上发');

    // Nothing the table refuses an assistant is on their screen.
    for (const id of LAWYER_ONLY) expect(await a.getByTestId(id).count(), id).toBe(0);
    await checkScreen(a);

    // A consultation the lawyer takes later appears live.
    const second = await enter(browser, base, 'citizen', '李四');
    await consultation(second.page, lawyer.page, 'labor', '加班费没有发');
    await expect.poll(() => a.getByTestId('consultation').count()).toBe(2);
    await expect.poll(() => a.locator('[data-testid=consultation]', { hasText: '李四' }).getByTestId('messages').innerText()).toContain('加班费没有发');

    // Closed by the lawyer: the assistant sees it closed and can no longer write in it.
    const first = a.locator('[data-testid=consultation]', { hasText: '张三' });
    await lawyer.page.locator('[data-testid=consultation-tab]', { hasText: '张三' }).click();
    await lawyer.page.locator('[data-testid=consultation]', { hasText: '张三' }).getByTestId('close').click();
    await expect.poll(() => first.getByTestId('team-state').innerText()).toBe('咨询已结束。');
    expect(await first.getByTestId('chat-input').count()).toBe(0);
    expect(await a.locator('[data-testid=consultation]', { hasText: '李四' }).getByTestId('chat-input').count()).toBe(1);

    await a.screenshot({ path: '/tmp/lawline-assistant.png', fullPage: true });
    await lawyer.page.screenshot({ path: '/tmp/lawline-lawyer-assistants.png', fullPage: true });
    expect([...lawyer.problems, ...citizen.problems, ...assistant.problems, ...second.problems]).toEqual([]);
  }, LONG);

  it('keeps the assistant signed in for the same lawyer across a reload, and renews their token', async () => {
    const lawyer = await enter(browser, base, 'lawyer', '钱律师', ['debt']);
    const assistant = await open(browser, base);
    await signInWithCode(assistant, await makeCode(lawyer.page, '小钱'));
    const a = assistant.page;
    const kept = () => a.evaluate(() => JSON.parse(localStorage.getItem('lawline.identity') ?? 'null') as { id: string; token: string; lawyer?: { name: string } } | null);
    const before = await kept();
    expect(before?.lawyer?.name).toBe('钱律师');
    await a.reload();
    await expect.poll(() => a.getByTestId('connection').getAttribute('data-state')).toBe('open');
    expect((await kept())?.id).toBe(before?.id);
    expect(await a.getByTestId('who').innerText()).toBe('当前身份：小钱（钱律师 的助理）');
    expect(await a.getByTestId('team-empty').innerText()).toContain('钱律师');

    // A token past three quarters of its life (kept as issued long ago) is renewed: same assistant, same lawyer, a new token.
    await a.evaluate(() => {
      const i = JSON.parse(localStorage.getItem('lawline.identity') ?? '{}') as { issuedAt: number; expiresAt: number };
      localStorage.setItem('lawline.identity', JSON.stringify({ ...i, issuedAt: i.expiresAt - 100 * 3600_000 }));
    });
    await a.reload();
    await expect.poll(async () => (await kept())?.token).not.toBe(before?.token);
    expect((await kept())?.id).toBe(before?.id);
    expect((await kept())?.lawyer?.name).toBe('钱律师');
    await expect.poll(() => a.getByTestId('connection').getAttribute('data-state')).toBe('open');

    // Expired: back to sign-in as an assistant, told to ask their lawyer for a new code.
    await a.evaluate(() => {
      const i = JSON.parse(localStorage.getItem('lawline.identity') ?? '{}') as { issuedAt: number; expiresAt: number };
      localStorage.setItem('lawline.identity', JSON.stringify({ ...i, expiresAt: Date.now() - 1000 }));
    });
    await a.reload();
    await expect.poll(() => a.getByTestId('sign-in-notice').count()).toBe(1);
    expect(await a.getByTestId('sign-in-notice').innerText()).toBe('登录已过期，请让 钱律师 重新生成登录码。');
    expect(await a.getByTestId('role-assistant').isChecked()).toBe(true);
    expect(await a.getByTestId('assistant-code').inputValue()).toBe('');
    expect(assistant.problems).toEqual([]);
  });

  it('turns a fourth assistant away with a clear message, and lets them in with the same code once a place is free', async () => {
    const lawyer = await enter(browser, base, 'lawyer', '赵律师', ['traffic']);
    const seated: RawClient[] = [];
    for (const name of ['助理一', '助理二', '助理三']) {
      const c = await RawClient.connect(server.url);
      const hello = await c.call('hello', { token: await makeCode(lawyer.page, name) });
      expect(hello.ok, name).toBe(true);
      seated.push(c);
    }
    const fourth = await open(browser, base);
    const code = await makeCode(lawyer.page, '助理四');
    await fourth.page.getByTestId('role-assistant').check();
    await fourth.page.getByTestId('assistant-code').fill(code);
    await fourth.page.getByTestId('enter').click();
    await expect.poll(() => fourth.page.getByTestId('sign-in-notice').count()).toBe(1);
    expect(await fourth.page.getByTestId('sign-in-notice').innerText()).toBe('赵律师 已有 3 名助理在线，已达上限。其中一位退出登录后稍等片刻，即可用同一登录码再次进入。');
    expect(await fourth.page.getByTestId('connection').count()).toBe(0);
    await checkScreen(fourth.page);
    // The code is still there: once one of the three has gone, entering again works.
    expect(await fourth.page.getByTestId('assistant-code').inputValue()).not.toBe('');
    seated.pop()?.close();
    // Its place frees once the server drops the closed session (after the resume window, 1 s here): enter until then.
    const entered = async () => {
      const connection = fourth.page.getByTestId('connection');
      if (await connection.count()) return connection.getAttribute('data-state');
      if (await fourth.page.getByTestId('enter').isEnabled()) await fourth.page.getByTestId('enter').click();
      return 'signed-out';
    };
    await expect.poll(entered, { timeout: 15_000, interval: 500 }).toBe('open');
    expect(await fourth.page.getByTestId('who').innerText()).toBe('当前身份：助理四（赵律师 的助理）');
    for (const c of seated) c.close();
  });

  it('refuses a code that is not one, saying what to do', async () => {
    const p = await open(browser, base);
    await p.page.getByTestId('role-assistant').check();
    await checkScreen(p.page);
    expect(await p.page.getByTestId('enter').isEnabled()).toBe(false);
    await p.page.getByTestId('assistant-code').fill('not-a-code');
    await p.page.getByTestId('enter').click();
    await expect.poll(() => p.page.getByTestId('error').count()).toBe(1);
    expect(await p.page.getByTestId('error').innerText()).toContain('登录码无效或已过期，请让律师重新生成。');
    expect(await p.page.getByTestId('connection').count()).toBe(0);
  });

  it('works on a phone (360 px) and a desk (1440 px), and by keyboard', async () => {
    const lawyer = await enter(browser, base, 'lawyer', '孙律师', ['family']);
    const citizen = await enter(browser, base, 'citizen', '周六');
    await consultation(citizen.page, lawyer.page, 'family', '离婚财产怎么分');
    for (const width of [360, 1440]) {
      const p = await open(browser, base, { width, height: 760 });
      // By keyboard: the assistant's radio, the code, Enter.
      await p.page.getByTestId('role-assistant').focus();
      await p.page.keyboard.press('Space');
      await p.page.keyboard.press('Tab');
      expect(await p.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('assistant-code');
      await p.page.keyboard.type(await makeCode(lawyer.page, `助理${width}`));
      await p.page.keyboard.press('Enter');
      await expect.poll(() => p.page.getByTestId('connection').getAttribute('data-state')).toBe('open');
      await expect.poll(() => messages(p.page)).toContain('离婚财产怎么分');
      await p.page.getByTestId('chat-input').focus();
      await p.page.keyboard.type(`${width} 像素上回复`);
      await p.page.keyboard.press('Enter');
      await expect.poll(() => messages(citizen.page)).toContain(`${width} 像素上回复`);
      expect(await p.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      for (const id of ['acting-for', 'chat-input', 'chat-send', 'lang', 'sign-out']) {
        const box = await p.page.getByTestId(id).boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= width, `${id} at ${width} px`).toBe(true);
      }
      expect(await seriousA11yViolations(p.page)).toEqual([]);
      await p.page.screenshot({ path: `/tmp/lawline-assistant-${width}.png`, fullPage: true });
      await p.page.getByTestId('sign-out').click();
    }
  }, LONG);
});
