import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers/server.ts';
import { checkScreen, chimes, countTones, enter, open, seriousA11yViolations, signIn, startBrowserSuite, stopBrowserSuite, type Person } from './helpers/web-page.ts';

// The lawyer's console in Chromium, by clicks and keys: several consultations at once (a tab
// each, unread counts, a title badge and a chime for what is out of view), the offer card, a
// transfer from one lawyer's console to another's with a handover note, the wrap-up after a
// close, duty and specialties, in zh-CN and English, on a desk and on a phone.

// A wrap-up long enough to see on a loaded machine: the tests end it with "ready" (its end by time is test/wrap-up.test.ts's).
const WRAP_UP_MS = 120_000;
const SLOW = { timeout: 20_000 };

let server: TestServer;
let browser: Browser;
let base: string;
const people: Person[] = [];

beforeAll(async () => {
  ({ server, browser, base } = await startBrowserSuite({ LAWLINE_WRAP_UP_MS: String(WRAP_UP_MS), LAWLINE_RATE_PER_SEC: '1000', LAWLINE_RATE_BURST: '1000' }));
});
afterAll(() => stopBrowserSuite({ server, browser }));
afterEach(async () => {
  for (const p of people.splice(0)) await p.context.close();
});

/** Someone in a browser profile of their own, signed in. */
async function person(role: 'citizen' | 'lawyer', name: string, categories?: string[]): Promise<Person> {
  const p = await enter(browser, base, role, name, categories);
  people.push(p);
  return p;
}

/** A lawyer whose page counts the chimes it plays (`countTones`). */
async function lawyerWithEars(name: string, categories: string[], viewport = { width: 1440, height: 900 }): Promise<Person> {
  const p = await open(browser, base, viewport, countTones);
  await signIn(p, 'lawyer', name, categories);
  people.push(p);
  return p;
}

const title = (page: Page) => page.evaluate(() => document.title);
const said = (page: Page) => page.getByTestId('announcer').innerText();
/** The text of the element with `testId`, or '' while there is none. */
async function textOf(page: Page, testId: string): Promise<string> {
  const el = page.getByTestId(testId);
  return (await el.count()) ? el.first().innerText() : '';
}
const tab = (page: Page, name: string) => page.locator('[data-testid=consultation-tab]', { hasText: name });
const unreadOn = async (page: Page, name: string) => {
  const badge = tab(page, name).getByTestId('tab-unread');
  return (await badge.count()) ? badge.innerText() : '';
};
const transcript = (page: Page) => page.getByTestId('consultation').getByTestId('messages').innerText();
const state = (page: Page) => textOf(page, 'duty-state');

async function ask(citizen: Page, category: string, first: string): Promise<void> {
  await citizen.getByTestId('category').selectOption(category);
  await citizen.getByTestId('first-message').fill(first);
  await citizen.getByTestId('request').click();
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

async function goOnDuty(lawyer: Page): Promise<void> {
  await lawyer.getByTestId('duty-on').click();
  await expect.poll(() => state(lawyer), SLOW).toContain('值班中');
}

describe("a lawyer's console in Chromium", () => {
  it('runs three consultations at once: a tab each with its unread count, a title badge and a chime for what is out of view, each transcript its own', async () => {
    const law = await lawyerWithEars('王律师', ['labor']);
    const l = law.page;
    // The first click of the page makes sound possible (browsers allow it only after one).
    await goOnDuty(l);
    const citizens: [string, string][] = [
      ['张三', '公司拖欠我三个月工资'],
      ['李四', '加班费怎么算'],
      ['王五', '被公司辞退没有补偿'],
    ];
    const pages: Record<string, Page> = {};
    for (const [i, [name, first]] of citizens.entries()) {
      const c = (await person('citizen', name)).page;
      pages[name] = c;
      const before = await chimes(l);
      await ask(c, 'labor', first);
      await expect.poll(() => l.getByTestId('offer').count(), SLOW).toBe(1);
      const offer = l.getByTestId('offer');
      // The card: category and who, where from (a name, not a code), what they asked, and the seconds left (not a clock time).
      expect(await offer.innerText()).toContain(`劳动争议 · ${name}`);
      expect(await offer.getByTestId('offer-region').innerText()).toBe('地区：江苏省无锡市');
      expect(await offer.getByTestId('offer-first').innerText()).toContain(first);
      expect(await offer.getByTestId('offer-countdown').innerText()).toMatch(/^剩余 \d+ 秒可响应/);
      // Heard and seen from another tab: a chime, the announcement, the count in the title.
      await expect.poll(() => chimes(l), SLOW).toBe(before + 1);
      await expect.poll(() => said(l), SLOW).toBe(`新的咨询派单：劳动争议，${name}`);
      expect(await title(l)).toMatch(/^\((\d+)\) lawline 在线法律咨询$/);
      if (i === 0) await checkScreen(l);
      await offer.getByTestId('accept').click();
      await expect.poll(() => l.getByTestId('consultation-tab').count(), SLOW).toBe(i + 1);
      // What was just accepted is in view, with its transcript.
      expect(await tab(l, name).getAttribute('aria-selected')).toBe('true');
      await expect.poll(() => transcript(l), SLOW).toContain(first);
    }
    await expect.poll(() => title(l), SLOW).toBe('lawline 在线法律咨询');
    const quiet = await chimes(l);

    // Messages in the two consultations out of view are counted on their tabs and in the title, each with a chime.
    await say(pages['张三'] as Page, '我有劳动合同');
    await say(pages['张三'] as Page, '还有工资条');
    await say(pages['李四'] as Page, '每天加班三小时');
    await expect.poll(() => unreadOn(l, '张三'), SLOW).toBe('2 条未读');
    await expect.poll(() => unreadOn(l, '李四'), SLOW).toBe('1 条未读');
    await expect.poll(() => title(l), SLOW).toBe('(3) lawline 在线法律咨询');
    expect(await chimes(l)).toBeGreaterThan(quiet);
    // The one in view is read as it comes: no count, no badge, no chime.
    const beforeInView = await chimes(l);
    await say(pages['王五'] as Page, '我在公司干了五年');
    await expect.poll(() => transcript(l), SLOW).toContain('我在公司干了五年');
    expect(await unreadOn(l, '王五')).toBe('');
    expect(await title(l)).toBe('(3) lawline 在线法律咨询');
    expect(await chimes(l)).toBe(beforeInView);

    // A click on 张三's tab: their transcript, and only theirs; read, so the count goes.
    await tab(l, '张三').click();
    await expect.poll(() => transcript(l), SLOW).toContain('还有工资条');
    expect(await transcript(l)).toContain('公司拖欠我三个月工资');
    expect(await transcript(l)).not.toContain('加班');
    expect(await transcript(l)).not.toContain('五年');
    await expect.poll(() => unreadOn(l, '张三'), SLOW).toBe('');
    await expect.poll(() => title(l), SLOW).toBe('(1) lawline 在线法律咨询');
    // By keys: the arrow goes to the next tab (李四), which comes into view with the keyboard on it.
    await l.keyboard.press('ArrowRight');
    await expect.poll(() => tab(l, '李四').getAttribute('aria-selected'), SLOW).toBe('true');
    expect(await l.evaluate(() => document.activeElement?.textContent)).toContain('李四');
    await expect.poll(() => transcript(l), SLOW).toContain('每天加班三小时');
    expect(await transcript(l)).not.toContain('工资条');
    await expect.poll(() => title(l), SLOW).toBe('lawline 在线法律咨询');
    // A reply goes to the consultation in view only.
    await say(l, '请保留加班记录');
    await expect.poll(() => (pages['李四'] as Page).getByTestId('messages').innerText(), SLOW).toContain('请保留加班记录');
    expect(await (pages['张三'] as Page).getByTestId('messages').innerText()).not.toContain('请保留加班记录');
    // End goes to the last tab: 王五's, whose messages were read while in view.
    await tab(l, '李四').focus();
    await l.keyboard.press('End');
    await expect.poll(() => transcript(l), SLOW).toContain('我在公司干了五年');
    await checkScreen(l);
    // A reload keeps what was read: nothing comes back as unread.
    await l.reload();
    await expect.poll(() => l.getByTestId('consultation-tab').count(), SLOW).toBe(3);
    await expect.poll(() => transcript(l), SLOW).toContain('公司');
    expect(await l.getByTestId('tab-unread').count()).toBe(0);
    expect(await title(l)).toBe('lawline 在线法律咨询');
    await l.screenshot({ path: '/tmp/lawline-console-tabs.png', fullPage: true });
    expect(people.flatMap((p) => p.problems)).toEqual([]);
  }, 240_000);

  it("transfers a consultation to a named lawyer on duty with a handover note, which the receiver's offer card shows", async () => {
    const first = (await person('lawyer', '周律师', ['family'])).page;
    await goOnDuty(first);
    const citizen = (await person('citizen', '赵六')).page;
    await ask(citizen, 'family', '离婚后孩子抚养权怎么争取');
    await expect.poll(() => first.getByTestId('offer').count(), SLOW).toBe(1);
    await first.getByTestId('accept').click();
    await expect.poll(() => first.getByTestId('consultation-tab').count(), SLOW).toBe(1);
    await say(first, '请问孩子现在几岁？');
    // The second lawyer comes on duty after the first took it: the first one is not offered to them.
    const second = (await person('lawyer', '吴律师', ['family'])).page;
    await goOnDuty(second);

    await first.getByTestId('transfer').click();
    const form = first.getByTestId('transfer-form');
    await form.getByTestId('transfer-to-lawyer').check();
    await expect.poll(() => form.getByTestId('transfer-lawyer').count(), SLOW).toBe(1);
    // The picker lists lawyers on duty for the category, by name and status, never the lawyer themself.
    expect(await form.getByTestId('transfer-lawyer').locator('option').allInnerTexts()).toEqual(['吴律师（空闲）']);
    await form.getByTestId('handover-note').fill('孩子八岁，当事人想争取抚养权，需要准备收入证明');
    await checkScreen(first);
    await form.getByTestId('transfer-send').click();
    // Gone from the first console, said in its live region.
    await expect.poll(() => first.getByTestId('consultation-tab').count(), SLOW).toBe(0);
    await expect.poll(() => said(first), SLOW).toBe('与 赵六 的咨询已转交给 吴律师。');

    // The receiver's offer: what the citizen asked, and the note, with who wrote it.
    await expect.poll(() => second.getByTestId('offer').count(), SLOW).toBe(1);
    const offer = second.getByTestId('offer');
    expect(await offer.getByTestId('handover').innerText()).toBe('周律师 转交时留言：\n孩子八岁，当事人想争取抚养权，需要准备收入证明');
    expect(await offer.getByTestId('offer-first').innerText()).toContain('离婚后孩子抚养权怎么争取');
    await checkScreen(second);
    await offer.getByTestId('accept').click();
    await expect.poll(() => second.getByTestId('consultation-tab').count(), SLOW).toBe(1);
    // The note stays with the consultation in view, and the transcript followed it.
    await expect.poll(() => textOf(second, 'handover'), SLOW).toContain('需要准备收入证明');
    await expect.poll(() => transcript(second), SLOW).toContain('请问孩子现在几岁？');
    await expect.poll(() => citizen.locator('[data-step=active].done').count(), SLOW).toBe(1);
    // The citizen never sees the note.
    expect(await citizen.content()).not.toContain('收入证明');
    await second.screenshot({ path: '/tmp/lawline-console-handover.png', fullPage: true });
    expect(people.flatMap((p) => p.problems)).toEqual([]);
  }, 180_000);

  it('after a close: wrap-up with its time left and no offer, the wrap-up note editable until "ready", then the next offer', async () => {
    const law = (await person('lawyer', '郑律师', ['debt'])).page;
    await goOnDuty(law);
    const a = (await person('citizen', '钱七')).page;
    await ask(a, 'debt', '朋友借钱不还');
    await expect.poll(() => law.getByTestId('offer').count(), SLOW).toBe(1);
    await law.getByTestId('accept').click();
    await expect.poll(() => law.getByTestId('consultation-tab').count(), SLOW).toBe(1);
    // The notes are the lawyer's, saved as they write; the citizen never sees them.
    await law.getByTestId('note').fill('有借条，金额两万');
    await law.getByTestId('save-note').click();
    await expect.poll(() => law.getByTestId('consultation').locator('[role=status]').innerText(), SLOW).toBe('笔记已保存');

    await law.getByTestId('close').click();
    // In wrap-up: said, with the seconds left, and "ready"; the closed one moved to "closed today".
    await expect.poll(() => law.getByTestId('duty-state').getAttribute('data-state'), SLOW).toBe('wrap-up');
    expect(await state(law)).toBe('整理中 · 0/3');
    expect(await textOf(law, 'wrap-up-left')).toMatch(/^整理时间还剩 \d+ 秒，期间不会派新咨询给您。$/);
    await expect.poll(() => law.getByTestId('consultation-tab').count(), SLOW).toBe(0);
    const closed = law.getByTestId('closed-item');
    await expect.poll(() => closed.count(), SLOW).toBe(1);
    expect(await closed.getByTestId('closed-note').innerText()).toBe('咨询已结束。');
    // The duty buttons: on duty (not offered again), a break or off still possible.
    expect(await law.getByTestId('duty-on').isEnabled()).toBe(false);
    expect(await law.getByTestId('duty-away').isEnabled()).toBe(true);
    // The wrap-up note: the notes written during the consultation, editable now.
    await expect.poll(() => closed.getByTestId('wrap-up-note').inputValue(), SLOW).toBe('有借条，金额两万');
    await closed.getByTestId('wrap-up-note').fill('有借条，金额两万；建议先发律师函');
    await closed.getByTestId('save-wrap-up-note').click();
    await expect.poll(() => closed.locator('[role=status]').innerText(), SLOW).toBe('笔记已保存');

    // A request while wrapping up is not offered.
    const b = (await person('citizen', '孙八')).page;
    await ask(b, 'debt', '欠条过期了还能要吗');
    await expect.poll(() => b.locator('[data-step=queued].done').count(), SLOW).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await law.getByTestId('offer').count()).toBe(0);
    // A reload keeps the wrap-up and its time.
    await law.reload();
    await expect.poll(() => law.getByTestId('duty-state').getAttribute('data-state'), SLOW).toBe('wrap-up');
    await expect.poll(() => textOf(law, 'wrap-up-left'), SLOW).toMatch(/^整理时间还剩 \d+ 秒/);
    await checkScreen(law);
    await law.screenshot({ path: '/tmp/lawline-console-wrap-up.png', fullPage: true });

    await law.getByTestId('duty-ready').click();
    await expect.poll(() => law.getByTestId('duty-state').getAttribute('data-state'), SLOW).not.toBe('wrap-up');
    expect(await law.getByTestId('wrap-up').count()).toBe(0);
    // The next request rings now; the closed one's note is final.
    await expect.poll(() => law.getByTestId('offer').count(), SLOW).toBe(1);
    expect(await law.getByTestId('offer').innerText()).toContain('孙八');
    await closed.getByTestId('closed-transcript').click();
    await expect.poll(() => closed.getByTestId('note-text').innerText(), SLOW).toBe('有借条，金额两万；建议先发律师函');
    expect(await closed.getByTestId('wrap-up-note').count()).toBe(0);
    await expect.poll(() => closed.getByTestId('messages').innerText(), SLOW).toContain('朋友借钱不还');
    expect(await closed.getByTestId('chat-input').count()).toBe(0);
    expect(await a.content()).not.toContain('律师函');
    expect(people.flatMap((p) => p.problems)).toEqual([]);
  }, 180_000);

  it('goes on duty with specialties that default to those of the sign-in, says what none ticked means, and is offered only those', async () => {
    const law = (await person('lawyer', '冯律师', ['contract', 'consumer'])).page;
    expect(await law.getByTestId('duty-cat-contract').isChecked()).toBe(true);
    expect(await law.getByTestId('duty-cat-consumer').isChecked()).toBe(true);
    // Only what the sign-in declared can be chosen.
    expect(await law.getByTestId('duty-cat-labor').count()).toBe(0);
    await law.getByTestId('duty-cat-contract').uncheck();
    await law.getByTestId('duty-cat-consumer').uncheck();
    expect(await textOf(law, 'no-specialty')).toBe('未勾选：将按您登录时申报的全部擅长领域接单（合同纠纷、消费维权）。');
    expect(await textOf(law, 'duty-categories')).toBe('接单类别：合同纠纷、消费维权');
    await law.getByTestId('duty-cat-consumer').check();
    expect(await textOf(law, 'duty-categories')).toBe('接单类别：消费维权');
    await checkScreen(law);
    // Off duty the queue is there to take from; on duty it says offers come instead.
    expect(await law.getByTestId('queue').count()).toBe(1);
    await goOnDuty(law);
    expect(await textOf(law, 'queue-on-duty')).toContain('咨询会自动派给您');
    expect(await law.getByTestId('queue').count()).toBe(0);
    expect(await textOf(law, 'duty-categories')).toBe('接单类别：消费维权');
    // The active state's button is disabled: on duty, then on a break.
    expect(await law.getByTestId('duty-on').isEnabled()).toBe(false);
    await law.getByTestId('duty-away').click();
    await expect.poll(() => state(law), SLOW).toBe('暂离 · 0/3');
    expect(await law.getByTestId('duty-away').isEnabled()).toBe(false);
    expect(await textOf(law, 'duty-on')).toBe('回到值班');
    await law.getByTestId('duty-on').click();
    await expect.poll(() => state(law), SLOW).toBe('值班中（空闲） · 0/3');
    // Back from the break with the categories chosen, not the sign-in's.
    expect(await textOf(law, 'duty-categories')).toBe('接单类别：消费维权');

    await ask((await person('citizen', '何九')).page, 'contract', '合同违约');
    await ask((await person('citizen', '吕十')).page, 'consumer', '网购退货被拒');
    await expect.poll(() => law.getByTestId('offer').count(), SLOW).toBe(1);
    expect(await law.getByTestId('offer').innerText()).toContain('消费维权');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await law.getByTestId('offer').count()).toBe(1);
    await law.getByTestId('decline').click();
    await law.getByTestId('duty-off').click();
    await expect.poll(() => state(law), SLOW).toBe('未值班');
    // Off duty again: the queue, as the server lets this lawyer take from it (their sign-in's categories), is back and current.
    await expect.poll(() => law.getByTestId('queue-item').count(), SLOW).toBe(2);
    expect(await law.getByTestId('queue').innerText()).toMatch(/合同纠纷 · 何九 · 江苏省无锡市 · 已等待 \d+ 分钟/);
  }, 180_000);

  it('works on a phone (360 px): tabs, an offer, the transfer picker and the wrap-up fit the screen, by keyboard too', async () => {
    const law = await lawyerWithEars('陈律师', ['traffic'], { width: 360, height: 760 });
    const l = law.page;
    await goOnDuty(l);
    for (const [name, first] of [
      ['甲', '追尾事故对方全责'],
      ['乙', '保险公司拒赔'],
    ] as const) {
      const c = (await person('citizen', name)).page;
      await ask(c, 'traffic', first);
      await expect.poll(() => l.getByTestId('offer').count(), SLOW).toBe(1);
      await l.getByTestId('accept').click();
      await expect.poll(() => l.locator('[data-testid=consultation-tab]', { hasText: name }).count(), SLOW).toBe(1);
    }
    const c = (await person('citizen', '丙')).page;
    await ask(c, 'traffic', '肇事逃逸怎么办');
    await expect.poll(() => l.getByTestId('offer').count(), SLOW).toBe(1);
    await l.getByTestId('transfer').click();
    const fits = async () => {
      expect(await l.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      for (const id of ['duty-state', 'offer', 'tabs', 'consultation', 'chat-input', 'transfer-form', 'transfer-send', 'sign-out']) {
        const box = await l.getByTestId(id).first().boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= 360, `${id} at 360 px`).toBe(true);
      }
    };
    await fits();
    expect(await seriousA11yViolations(l)).toEqual([]);
    await l.screenshot({ path: '/tmp/lawline-console-360.png', fullPage: true });
    // By keyboard: the tabs, then the consultation in view.
    await tab(l, '甲').focus();
    await l.keyboard.press('ArrowRight');
    await expect.poll(() => tab(l, '乙').getAttribute('aria-selected'), SLOW).toBe('true');
    await l.keyboard.press('ArrowLeft');
    await expect.poll(() => transcript(l), SLOW).toContain('追尾事故对方全责');
    await l.getByTestId('chat-input').focus();
    await l.keyboard.type('请拍下现场照片');
    await l.keyboard.press('Enter');
    await expect.poll(() => transcript(l), SLOW).toContain('请拍下现场照片');
    await l.getByTestId('close').focus();
    await l.keyboard.press('Enter');
    await expect.poll(() => l.getByTestId('duty-state').getAttribute('data-state'), SLOW).toBe('wrap-up');
    // The keyboard is on the tab now in view, not lost on the page.
    await expect.poll(() => l.evaluate(() => document.activeElement?.getAttribute('data-testid')), SLOW).toBe('consultation-tab');
    expect(await l.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const box = await l.getByTestId('duty-ready').boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 360).toBe(true);
    await checkScreen(l);
    await l.screenshot({ path: '/tmp/lawline-console-360-wrap-up.png', fullPage: true });
  }, 180_000);
});
