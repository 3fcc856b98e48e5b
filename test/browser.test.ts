import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../clients/web/build.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { CHROMIUM } from './helpers/services.ts';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  // A missing browser is a failure, not a skip: the test set-up installs it (test/setup/chromium.ts).
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the test set-up does, as root)`);
  await buildWeb();
  server = await startTestServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--disable-quic', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
});

async function enter(role: 'citizen' | 'lawyer', name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.getByTestId(`role-${role}`).check();
  await page.getByTestId('name').fill(name);
  if (role === 'lawyer') await page.getByTestId('cat-labor').check();
  await page.getByTestId('enter').click();
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('open');
  expect(errors).toEqual([]);
  return page;
}

const say = async (page: Page, text: string) => {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
};
const messages = (page: Page) => page.getByTestId('messages').innerText();

describe('the web page in Chromium', () => {
  it('lets a citizen and a lawyer open a consultation and chat, in zh-CN and English', async () => {
    const citizen = await enter('citizen', '张三');
    const lawyer = await enter('lawyer', '王律师');

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
    await say(citizen, '有的，签了两年');
    await expect.poll(() => messages(lawyer)).toContain('有的，签了两年');
    await expect.poll(() => citizen.locator('.msg.pending').count()).toBe(0);

    await citizen.getByTestId('lang').click();
    await expect.poll(() => citizen.locator('[data-step=active]').innerText()).toBe('Lawyer joined');
    expect(await citizen.locator('header h1').innerText()).toBe('lawline online legal help');

    await lawyer.getByTestId('note').fill('建议申请劳动仲裁');
    await lawyer.getByTestId('close').click();
    await expect.poll(() => citizen.locator('[data-step=closed].done').count()).toBe(1);
    expect(await citizen.getByTestId('closed-note').innerText()).toContain('closed');
    expect(await citizen.content()).not.toContain('建议申请劳动仲裁');

    await citizen.screenshot({ path: '/tmp/lawline-citizen.png', fullPage: true });
    await lawyer.screenshot({ path: '/tmp/lawline-lawyer.png', fullPage: true });
  });

  it('routes a request to a lawyer on duty, who accepts the offer and chats; the citizen sees their place in the queue', async () => {
    const citizen = await enter('citizen', '李四');
    const lawyer = await enter('lawyer', '赵律师');
    await expect.poll(() => lawyer.getByTestId('duty-state').innerText()).toBe('未值班');

    await citizen.getByTestId('category').selectOption('labor');
    await citizen.getByTestId('request').click();
    await expect.poll(() => citizen.getByTestId('queue-position').innerText()).toContain('当前排队位置：1');

    await lawyer.getByTestId('duty-on').click();
    await expect.poll(() => lawyer.getByTestId('offer').count()).toBe(1);
    await lawyer.getByTestId('accept').click();
    await expect.poll(() => lawyer.getByTestId('offer').count()).toBe(0);
    await expect.poll(() => citizen.locator('[data-step=active].done').count()).toBe(1);
    await expect.poll(() => lawyer.getByTestId('duty-state').innerText()).toContain('1/3');
    await say(lawyer, '您好，我是值班律师');
    await expect.poll(() => messages(citizen)).toContain('您好，我是值班律师');
    await lawyer.screenshot({ path: '/tmp/lawline-lawyer-duty.png', fullPage: true });
  });

  it('offers to leave a message when nobody is on duty for the category', async () => {
    const citizen = await enter('citizen', '周五');
    await citizen.getByTestId('category').selectOption('medical');
    await citizen.getByTestId('request').click();
    await expect.poll(() => citizen.getByTestId('leave-message').count()).toBe(1);
    await citizen.getByTestId('leave-message').click();
    await expect.poll(() => citizen.getByTestId('message-left').count()).toBe(1);
    expect(await citizen.getByTestId('message-left').innerText()).toContain('已转为留言咨询');
  });
});
