import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gained, keepPeerConnections, received } from './helpers/call-media.ts';
import { CHROMIUM } from './helpers/services.ts';
import { checkScreen, messages, open, say, signIn, startBrowserSuite, stopBrowserSuite, type Person } from './helpers/web-page.ts';

// A video call by clicks on the citizen's and the lawyer's pages, through the node's Janus:
// each sees and hears the other, mute and camera off reach the other side, hang-up ends it on
// both and leaves its start and end in the transcript; a page whose camera is refused says so.
let browser: Browser;
let base: string;
let suite: Awaited<ReturnType<typeof startBrowserSuite>>;

beforeAll(async () => {
  suite = await startBrowserSuite({ LAWLINE_MEDIA: 'on', LAWLINE_MEDIA_RTP_PORTS: '44500-44900', LAWLINE_RATE_PER_SEC: '1000', LAWLINE_RATE_BURST: '1000' });
  ({ browser, base } = suite);
}, 60_000);
afterAll(async () => {
  await stopBrowserSuite(suite);
});

/** Signed in on a page whose peer connections are kept on `window.pcs` (for getStats: the page's own are private). */
async function person(role: 'citizen' | 'lawyer', name: string, deny?: Browser): Promise<Person> {
  const p = await open(deny ?? browser, 'about:blank');
  await p.context.addInitScript(keepPeerConnections);
  if (deny) {
    // The person said no to the camera and microphone: what the browser's site settings then hold.
    const cdp = await p.context.newCDPSession(p.page);
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    for (const name of ['camera', 'microphone']) {
      await cdp.send('Browser.setPermission', { permission: { name }, setting: 'denied', origin: new URL(base).origin, browserContextId: targetInfo.browserContextId });
    }
  }
  await p.page.goto(base);
  await signIn(p, role, name);
  return p;
}


async function rising(p: Page, what: 'frames' | 'energy'): Promise<void> {
  const before = (await received(p))[what];
  await expect.poll(async () => (await received(p))[what], { timeout: 15_000, interval: 250 }).toBeGreaterThan(before + (what === 'frames' ? 10 : 0));
}


/** The citizen asks, the lawyer (off duty, browsing the queue) picks: an active consultation on both pages. */
async function consultation(citizen: Page, lawyer: Page): Promise<void> {
  await citizen.getByTestId('category').selectOption('labor');
  await citizen.getByTestId('first-message').fill('公司拖欠工资，想和律师视频说明');
  await citizen.getByTestId('request').click();
  await expect.poll(() => lawyer.getByTestId('queue-item').count()).toBeGreaterThan(0);
  await lawyer.getByTestId('pick').first().click();
  await expect.poll(() => citizen.locator('[data-step=active].done').count()).toBe(1);
}

describe('a video call on the citizen\'s and the lawyer\'s pages', () => {
  it('is asked for, answered, seen and heard both ways, muted, camera off, and hung up, by clicks', async () => {
    const { page: citizen } = await person('citizen', '张三');
    const { page: lawyer } = await person('lawyer', '王律师');
    await consultation(citizen, lawyer);

    await citizen.getByTestId('call-video').click();
    await expect.poll(() => citizen.getByTestId('call-status').innerText()).toBe('正在呼叫 王律师…');
    await expect.poll(() => lawyer.getByTestId('call-ringing').innerText()).toContain('张三 邀请您视频通话');
    await lawyer.getByTestId('call-accept').click();
    await expect.poll(() => citizen.getByTestId('call-status').innerText()).toBe('与 王律师 视频通话中');
    for (const page of [citizen, lawyer]) {
      await rising(page, 'frames');
      await rising(page, 'energy');
    }
    await expect.poll(() => messages(citizen)).toContain('视频通话开始');
    await checkScreen(citizen);
    await checkScreen(lawyer);

    await lawyer.getByTestId('call-mute').click();
    await expect.poll(() => citizen.getByTestId('call-other-muted').innerText()).toBe('王律师 已静音');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await gained(citizen, 2000)).energy).toBeLessThan(1e-6);
    await lawyer.getByTestId('call-mute').click();
    await rising(citizen, 'energy');

    await lawyer.getByTestId('call-camera').click();
    await expect.poll(() => citizen.getByTestId('call-other-camera-off').innerText()).toBe('王律师 已关闭摄像头');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await gained(citizen, 2000)).frames).toBeLessThanOrEqual(1);
    await lawyer.getByTestId('call-camera').click();
    await rising(citizen, 'frames');

    await citizen.getByTestId('call-hangup').click();
    await expect.poll(() => lawyer.getByTestId('call').count()).toBe(0);
    await expect.poll(() => citizen.getByTestId('call').count()).toBe(0);
    await expect.poll(() => messages(lawyer)).toMatch(/张三 挂断了通话，时长 0:\d\d/);
    // Free again: the lawyer may call the citizen now.
    expect(await lawyer.getByTestId('call-voice').isEnabled()).toBe(true);
  }, 120_000);

  it('says so when the browser refuses the camera and microphone, and the chat goes on', async () => {
    // Its own browser, without the flag that answers every permission prompt yes (the others' has it).
    const refusing = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--no-first-run'] });
    try {
      const { page: citizen } = await person('citizen', '李四', refusing);
      const { page: lawyer } = await person('lawyer', '赵律师');
      await consultation(citizen, lawyer);
      await lawyer.getByTestId('call-video').click();
      await citizen.getByTestId('call-accept').click();
      await expect.poll(() => citizen.getByTestId('call-denied').innerText()).toContain('无法使用摄像头或麦克风');
      await checkScreen(citizen);
      await say(citizen, '摄像头用不了，我们文字聊');
      await expect.poll(() => messages(lawyer)).toContain('摄像头用不了，我们文字聊');
      await citizen.getByTestId('call-hangup').click();
      await expect.poll(() => lawyer.getByTestId('call').count()).toBe(0);
    } finally {
      await refusing.close();
    }
  }, 60_000);
});
