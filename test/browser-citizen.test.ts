import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fill } from '../clients/web/i18n/i18n.ts';
import { STRINGS } from '../clients/web/i18n/strings.ts';
import { LocalTime } from '../server/presence/coverage.ts';
import { lawyer as lawyerClaims, supervisor } from './helpers/people.ts';
import { Participant } from './helpers/recorder.ts';
import type { TestServer } from './helpers/server.ts';
import { checkScreen, enter, messages, say, seriousA11yViolations, startBrowserSuite, stopBrowserSuite, switchTo, type Person } from './helpers/web-page.ts';

// The citizen's app in Chromium, driven by clicks and keys: their consultations (open, a message
// consultation waiting for its answer, ended ones) after a reload, each step said as it is
// reached, a lawyer chosen from the directory, and a transcript's scroll position kept.
let server: TestServer;
let browser: Browser;
let base: string;
const people: Person[] = [];
const sdk: Participant[] = [];

// Offers ring long enough for a person to look at the citizen's page before accepting.
beforeAll(async () => {
  ({ server, browser, base } = await startBrowserSuite({ LAWLINE_OFFER_TIMEOUT_MS: '30000' }));
});
afterAll(() => stopBrowserSuite({ server, browser }));
// Each test's people leave (their lawyers with them), and each uses categories of its own.
afterEach(async () => {
  for (const p of people.splice(0)) await p.context.close();
  for (const p of sdk.splice(0)) p.close();
});

const person = async (role: 'citizen' | 'lawyer', name: string, categories?: string[]) => {
  const p = await enter(browser, base, role, name, categories);
  people.push(p);
  return p;
};
const identityOf = (page: Page) => page.evaluate(() => JSON.parse(localStorage.getItem('lawline.identity') ?? 'null') as { id: string });
const ask = async (page: Page, category: string, first: string) => {
  await page.getByTestId('category').selectOption(category);
  await page.getByTestId('first-message').fill(first);
  await page.getByTestId('request').click();
};
const card = (page: Page, channel: 'text' | 'message') => page.locator(`[data-testid=consultation][data-channel=${channel}]`);
const text = (lang: 'zh-CN' | 'en', key: keyof typeof STRINGS, params: Record<string, string> = {}) => fill(STRINGS[key][lang], params);

describe("the citizen's app", () => {
  it('shows an open consultation, a message consultation waiting for its answer and an ended one after a reload, each with its transcript', async () => {
    const lawyer = await person('lawyer', '钱律师', ['labor']);
    const citizen = await person('citizen', '周一');
    const c = citizen.page;

    await ask(c, 'labor', '第一次：公司拖欠工资');
    await expect.poll(() => lawyer.page.getByTestId('queue-item').count()).toBe(1);
    await lawyer.page.getByTestId('pick').click();
    await say(lawyer.page, '第一次的答复：请保留工资条');
    await expect.poll(() => messages(c)).toContain('第一次的答复');
    await lawyer.page.getByTestId('close').click();
    await expect.poll(() => c.getByTestId('closed-note').count()).toBe(1);

    // Nobody serves medical disputes: a message consultation, waiting for its answer.
    await ask(c, 'medical', '第二次：手术后遗症');
    await c.getByTestId('leave-message').click();
    await expect.poll(() => card(c, 'message').getByTestId('message-left').count()).toBe(1);

    await ask(c, 'labor', '第三次：加班费');
    await expect.poll(() => lawyer.page.getByTestId('queue-item').count()).toBe(1);
    await lawyer.page.getByTestId('pick').click();
    // The lawyer's page still shows the closed one: the open card is first.
    await expect.poll(() => lawyer.page.getByTestId('consultation').first().getByTestId('messages').innerText()).toContain('第三次：加班费');
    await say(lawyer.page, '第三次的答复：有加班记录吗？');
    await expect.poll(() => card(c, 'text').getByTestId('messages').innerText()).toContain('第三次的答复');

    await c.reload();
    await expect.poll(() => card(c, 'text').getByTestId('messages').innerText()).toContain('第三次的答复');
    expect(await card(c, 'text').getByTestId('messages').innerText()).toContain('第三次：加班费');
    expect(await card(c, 'text').locator('[data-stage]').getAttribute('data-stage')).toBe('joined');
    await expect.poll(() => card(c, 'message').getByTestId('messages').innerText()).toContain('第二次：手术后遗症');
    expect(await card(c, 'message').locator('[data-stage]').getAttribute('data-stage')).toBe('message');
    expect(await card(c, 'message').getByTestId('stage').innerText()).toBe(text('zh-CN', 'stage_message'));
    await expect.poll(() => c.getByTestId('past-item').count()).toBe(1);
    const ended = c.getByTestId('past-item');
    expect(await ended.innerText()).toContain('劳动争议');
    // Its transcript is asked for when opened, not before.
    expect(await ended.getByTestId('messages').count()).toBe(0);
    await ended.getByTestId('transcript-toggle').click();
    expect(await ended.getByTestId('transcript-toggle').getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => ended.getByTestId('messages').innerText()).toContain('第一次：公司拖欠工资');
    expect(await ended.getByTestId('messages').innerText()).toContain('第一次的答复：请保留工资条');
    // Its service record, downloaded as a page to keep or print: the same conversation.
    const [download] = await Promise.all([c.waitForEvent('download'), ended.getByTestId('download-record').click()]);
    expect(download.suggestedFilename()).toMatch(/^lawline-c_[\w-]+\.html$/);
    const kept = readFileSync(await download.path(), 'utf8');
    expect(kept).toContain('法律咨询服务记录');
    expect(kept).toContain('第一次：公司拖欠工资');
    expect(kept).toContain('第一次的答复：请保留工资条');
    // No box to write in an ended one, and no new request while a live one is open.
    expect(await ended.getByTestId('chat-input').count()).toBe(0);
    expect(await c.getByTestId('request').count()).toBe(0);
    await checkScreen(c);

    for (const width of [360, 1440]) {
      await c.setViewportSize({ width, height: 900 });
      expect(await c.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      for (const target of [card(c, 'text').getByTestId('chat-input'), ended.getByTestId('transcript-toggle'), card(c, 'message').getByTestId('chat-send')]) {
        const box = await target.boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= width, `at ${width} px`).toBe(true);
      }
      expect(await seriousA11yViolations(c)).toEqual([]);
      await c.screenshot({ path: `/tmp/lawline-citizen-record-${width}.png`, fullPage: true });
    }
    expect(citizen.problems).toEqual([]);
  });

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`says each step as it is reached, in order (${lang}): queued with a place, offered to a lawyer, joined, closed`, async () => {
      const lawyer = await person('lawyer', lang === 'en' ? 'Lawyer Li' : '李律师', [lang === 'en' ? 'traffic' : 'consumer']);
      const category = lang === 'en' ? 'traffic' : 'consumer';
      // On duty, on a break: the request waits in the queue (someone serves the category) until they are back.
      await lawyer.page.getByTestId('duty-on').click();
      await expect.poll(() => lawyer.page.getByTestId('duty-away').isEnabled()).toBe(true);
      await lawyer.page.getByTestId('duty-away').click();
      await expect.poll(() => lawyer.page.getByTestId('duty-on').isEnabled()).toBe(true);

      const citizen = await person('citizen', lang === 'en' ? 'Ann' : '吴二');
      const c = citizen.page;
      await switchTo(c, lang);
      // Every step the page shows, and every sentence the live region says, in the order they came.
      await c.evaluate(() => {
        const w = window as unknown as { steps: string[]; said: string[] };
        w.steps = [];
        w.said = [];
        new MutationObserver(() => {
          const step = document.querySelector('[data-testid=consultation] [data-stage]')?.getAttribute('data-stage');
          if (step && step !== w.steps.at(-1)) w.steps.push(step);
          const said = document.querySelector('[data-testid=announcer]')?.textContent ?? '';
          if (said && said !== w.said.at(-1)) w.said.push(said);
        }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });
      const seen = () => c.evaluate(() => (window as unknown as { steps: string[] }).steps);
      const said = () => c.evaluate(() => (window as unknown as { said: string[] }).said);

      await ask(c, category, lang === 'en' ? 'My car was hit' : '网购商品质量问题');
      // "Your place in the queue: 1, estimated wait about N min": the place, and a wait.
      await expect.poll(() => c.getByTestId('queue-position').innerText()).toContain(fill(STRINGS.position[lang].split('{minutes}')[0] ?? '', { position: 1 }));
      expect(await c.getByTestId('stage').innerText()).toBe(text(lang, 'stage_queued'));
      expect(await c.getByTestId('suggestion').count()).toBe(0);

      await lawyer.page.getByTestId('duty-on').click();
      await expect.poll(() => lawyer.page.getByTestId('offer').count()).toBe(1);
      await expect.poll(() => c.getByTestId('stage').getAttribute('data-stage')).toBe('offered');
      expect(await c.getByTestId('stage').innerText()).toBe(text(lang, 'stage_offered'));
      // Which lawyer is asked is not said before they accept.
      expect(await c.locator('main').innerText()).not.toContain(lang === 'en' ? 'Lawyer Li' : '李律师');
      expect(await c.locator('[data-step=offered][aria-current=step]').count()).toBe(1);

      await lawyer.page.getByTestId('accept').click();
      const joined = text(lang, 'stage_joined', { name: lang === 'en' ? 'Lawyer Li' : '李律师' });
      await expect.poll(() => c.getByTestId('stage').innerText()).toBe(joined);
      await say(lawyer.page, lang === 'en' ? 'Hello, how can I help?' : '您好，请讲');
      await expect.poll(() => messages(c)).toContain(lang === 'en' ? 'Hello, how can I help?' : '您好，请讲');

      await lawyer.page.getByTestId('close').click();
      await expect.poll(() => c.getByTestId('closed-note').innerText()).toBe(text(lang, 'closedCitizen'));
      expect(await seen()).toEqual(['queued', 'offered', 'joined', 'closed']);
      const spoken = await said();
      const steps = [text(lang, 'stage_queued'), text(lang, 'stage_offered'), joined, text(lang, 'closedCitizen')];
      expect(spoken.filter((s) => steps.includes(s))).toEqual(steps);
      // A new request after the close, without a reload.
      expect(await c.getByTestId('request').isEnabled()).toBe(true);
      await checkScreen(c);
      expect(citizen.problems).toEqual([]);
    });
  }

  it('says live when a lawyer comes on duty for a request nobody served, and again when the last one leaves', async () => {
    const citizen = await person('citizen', '冯二');
    const c = citizen.page;
    await ask(c, 'administrative', '行政处罚不服');
    await expect.poll(() => c.getByTestId('suggestion').count()).toBe(1);
    expect(await c.getByTestId('queue-position').count()).toBe(0);

    const lawyer = await person('lawyer', '褚律师', ['administrative']);
    await lawyer.page.getByTestId('duty-on').click();
    // No reload: the page hears that someone serves the category now, and shows the place instead.
    await expect.poll(() => c.getByTestId('suggestion').count()).toBe(0);
    await expect.poll(() => c.getByTestId('queue-position').count()).toBe(1);

    await lawyer.page.getByTestId('duty-off').click();
    await expect.poll(() => c.getByTestId('suggestion').count()).toBe(1);
    expect(await c.getByTestId('queue-position').count()).toBe(0);
    await checkScreen(c);
  });

  it("offers the request first to the lawyer chosen from the directory, which shows names, specialties and today's hours; usable by keyboard", async () => {
    const first = await person('lawyer', '赵律师', ['property']);
    await first.page.getByTestId('duty-on').click();
    await expect.poll(() => first.page.getByTestId('duty-state').innerText()).toContain('0/3');
    const chosen = await person('lawyer', '孙律师', ['property', 'family']);
    await chosen.page.getByTestId('duty-on').click();
    await expect.poll(() => chosen.page.getByTestId('duty-state').innerText()).toContain('0/3');
    const chosenId = (await identityOf(chosen.page)).id;
    const day = new LocalTime(server.config.utcOffsetMin).day(Date.now());
    const put = await fetch(`http://127.0.0.1:${server.opsPort}/api/roster/${day}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await server.token(supervisor())}`, 'content-type': 'application/json' },
      body: JSON.stringify({ shifts: [{ lawyerId: chosenId, start: '08:00', end: '12:00', categories: ['property'], region: '320200' }, { lawyerId: chosenId, start: '14:00', end: '18:00', categories: ['property'], region: '320200' }] }),
    });
    expect(put.status).toBe(200);

    const citizen = await person('citizen', '郑三');
    const c = citizen.page;
    const entry = c.locator(`[data-testid=directory-lawyer][data-id="${chosenId}"]`);
    await expect.poll(() => entry.count()).toBe(1);
    expect(await entry.innerText()).toContain('孙律师');
    expect(await entry.innerText()).toContain('擅长：房产物业、婚姻家庭');
    expect(await entry.getByTestId('directory-hours').innerText()).toBe('今日值班：08:00-12:00、14:00-18:00');
    expect(await c.locator(`[data-testid=directory-lawyer][data-id="${(await identityOf(first.page)).id}"] [data-testid=directory-hours]`).innerText()).toBe('今日无排班');
    await checkScreen(c);

    // By keyboard: choose, and the request form is next, with only the lawyer's categories.
    await entry.getByTestId('choose-lawyer').focus();
    await c.keyboard.press('Enter');
    await expect.poll(() => c.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('category');
    expect(await entry.getByTestId('choose-lawyer').getAttribute('aria-pressed')).toBe('true');
    expect(await c.getByTestId('chosen-lawyer').innerText()).toContain('孙律师');
    expect(await c.getByTestId('category').locator('option').allInnerTexts()).toEqual(['房产物业', '婚姻家庭']);
    await c.keyboard.press('Tab');
    expect(await c.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('first-message');
    await c.keyboard.type('物业费纠纷');
    await c.keyboard.press('Tab');
    expect(await c.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('request');
    await c.keyboard.press('Enter');

    // The lawyer idle longest (the first) would be offered it otherwise.
    await expect.poll(() => chosen.page.getByTestId('offer').count()).toBe(1);
    expect(await chosen.page.getByTestId('offer').innerText()).toContain('郑三');
    await expect.poll(() => c.getByTestId('stage').getAttribute('data-stage')).toBe('offered');
    // A reload while it rings, once the page has acknowledged the push: still being offered (read
    // again at the snapshot; nothing is pushed again, nor replayed).
    await new Promise((r) => setTimeout(r, 1000));
    await c.reload();
    await expect.poll(() => c.getByTestId('stage').getAttribute('data-stage')).toBe('offered');
    expect(await first.page.getByTestId('offer').count()).toBe(0);
    await chosen.page.getByTestId('accept').click();
    await expect.poll(() => c.getByTestId('stage').getAttribute('data-stage')).toBe('joined');
    expect(await first.page.getByTestId('offer').count()).toBe(0);
  });

  it("puts each open transcript back where it was scrolled to after a reload, with the draft, and keeps it there as messages come", async () => {
    const citizen = await person('citizen', '冯四');
    const c = citizen.page;
    await ask(c, 'company', '公司股权问题');
    await expect.poll(() => c.locator('.msg:not(.pending)').count()).toBe(1);
    const { consultations } = await c.evaluate(() => ({ consultations: [...document.querySelectorAll('[data-testid=consultation]')].map((e) => e.getAttribute('data-id')) }));
    const id = consultations[0] as string;
    const law = await Participant.connect(server, lawyerClaims('L-scroll', '陈律师', ['company']));
    sdk.push(law);
    await law.client.request('consult.pick', { consultationId: id });
    await law.client.request('consult.join', { consultationId: id });
    for (let i = 1; i <= 40; i++) await law.client.sendChat(id, `第${i}条：${'说明'.repeat(20)}`).acked;
    await expect.poll(() => c.getByTestId('message').count()).toBe(41);

    const list = c.getByTestId('messages');
    // Read back up by the mouse wheel, as a person does.
    await list.hover();
    await c.mouse.wheel(0, -700);
    const firstInView = () =>
      c.evaluate(() => {
        const el = document.querySelector('[data-testid=messages]') as HTMLElement;
        const line = [...el.querySelectorAll<HTMLElement>('[data-testid=message]')].find((li) => li.offsetTop + li.offsetHeight > el.scrollTop);
        return { text: line?.querySelector('.body')?.textContent, above: line ? Math.round(el.scrollTop - line.offsetTop) : NaN, atEnd: el.scrollHeight - el.scrollTop - el.clientHeight < 2 };
      });
    await expect.poll(async () => (await firstInView()).atEnd).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    const before = await firstInView();
    expect(Number(/第(\d+)条/.exec(before.text ?? '')?.[1])).toBeLessThan(35);
    await c.getByTestId('chat-input').fill('还没写完');

    await c.reload();
    await expect.poll(() => c.getByTestId('message').count()).toBe(41);
    await expect.poll(firstInView).toEqual(before);
    expect(await c.getByTestId('chat-input').inputValue()).toBe('还没写完');
    // Reading further up, a new message does not pull the reader down.
    await law.client.sendChat(id, '新的一条').acked;
    await expect.poll(() => c.getByTestId('message').count()).toBe(42);
    expect(await firstInView()).toEqual(before);
    // Read to the end, it follows new messages, and after a reload opens at the end.
    await list.hover();
    await c.mouse.wheel(0, 100_000);
    await expect.poll(async () => (await firstInView()).atEnd).toBe(true);
    await law.client.sendChat(id, '最后一条').acked;
    await expect.poll(() => c.getByTestId('message').count()).toBe(43);
    await expect.poll(async () => (await firstInView()).atEnd).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    await c.reload();
    await expect.poll(() => c.getByTestId('message').count()).toBe(43);
    await expect.poll(async () => (await firstInView()).atEnd).toBe(true);
    expect(citizen.problems).toEqual([]);
  });
});
