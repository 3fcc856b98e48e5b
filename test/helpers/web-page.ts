import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildWeb } from '../../clients/web/build.ts';
import { uncataloguedText } from './catalogue-check.ts';
import { startTestServer, type TestServer } from './server.ts';
import { CHROMIUM } from './services.ts';

// Driving the web page in Chromium as a person does: clicks and keys, one browser context per person.

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required', '--disable-quic', '--disable-component-update', '--disable-sync'],
  });

export interface BrowserSuite {
  server: TestServer;
  browser: Browser;
  /** The page's address on the node. */
  base: string;
}

/** A browser test file's world: the page built from this checkout, a node serving it (with `env`), and Chromium. */
export async function startBrowserSuite(env: Record<string, string> = {}): Promise<BrowserSuite> {
  // A missing browser is a failure, not a skip: the test set-up installs it (test/setup/chromium.ts).
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the test set-up does, as root)`);
  await buildWeb();
  const server = await startTestServer(env);
  return { server, base: `http://127.0.0.1:${server.port}/`, browser: await launchChromium() };
}

export async function stopBrowserSuite(suite: Partial<BrowserSuite>): Promise<void> {
  await suite.browser?.close();
  await suite.server?.cleanup();
}

export interface Person {
  page: Page;
  context: BrowserContext;
  /** Uncaught errors on the page and HTTP answers of 400 and above, as they happened. */
  problems: string[];
}

/** A new browser profile (its own localStorage) on the page. */
export async function open(browser: Browser, baseUrl: string, viewport = { width: 1280, height: 900 }, initScript?: () => void): Promise<Person> {
  const context = await browser.newContext({ viewport });
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
  await page.goto(baseUrl);
  return { page, context, problems };
}

/**
 * For `open`'s init script: the page's tones are counted. Chromium's own AudioContext, whose
 * createOscillator is counted (two per chime) before the page's script runs; `chimes` reads it.
 */
export function countTones(): void {
  const w = window as unknown as { tones: number; AudioContext: typeof AudioContext };
  w.tones = 0;
  const Real = w.AudioContext;
  w.AudioContext = class extends Real {
    override createOscillator(): OscillatorNode {
      w.tones++;
      return super.createOscillator();
    }
  };
}

/** Chimes a page opened with `countTones` has played. */
export const chimes = async (page: Page): Promise<number> => (await page.evaluate(() => (window as unknown as { tones: number }).tones)) / 2;

/** Signs in through the development identity form and waits for the connection. */
export async function signIn(p: Person, role: 'citizen' | 'lawyer' | 'supervisor', name: string, categories: string[] = role === 'lawyer' ? ['labor'] : []): Promise<void> {
  const { page } = p;
  await page.getByTestId(`role-${role}`).check();
  await page.getByTestId('name').fill(name);
  for (const c of categories) await page.getByTestId(`cat-${c}`).check();
  await page.getByTestId('enter').click();
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('open');
}

/** Signs in as an assistant with the code their lawyer made, and waits for the connection. */
export async function signInWithCode(p: Person, code: string): Promise<void> {
  await p.page.getByTestId('role-assistant').check();
  await p.page.getByTestId('assistant-code').fill(code);
  await p.page.getByTestId('enter').click();
  await expect.poll(() => p.page.getByTestId('connection').getAttribute('data-state')).toBe('open');
}

export async function enter(browser: Browser, baseUrl: string, role: 'citizen' | 'lawyer' | 'supervisor', name: string, categories?: string[]): Promise<Person> {
  const p = await open(browser, baseUrl);
  await signIn(p, role, name, categories);
  expect(p.problems).toEqual([]);
  return p;
}

export const say = async (page: Page, text: string): Promise<void> => {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
};

export const messages = (page: Page): Promise<string> => page.getByTestId('messages').innerText();

/** Clicks the language switch and waits for the page to be in `lang`. */
export async function switchTo(page: Page, lang: 'zh-CN' | 'en'): Promise<void> {
  if ((await page.evaluate(() => document.documentElement.lang)) !== lang) await page.getByTestId('lang').click();
  await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(lang);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  // Evaluated, not added as a <script>: the page's Content-Security-Policy refuses inline scripts (as it should).
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const results = await page.evaluate(() => (window as unknown as { axe: { run: (ctx: Document) => Promise<AxeResults> } }).axe.run(document));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The page shows only catalogue text (and data), and axe finds nothing serious, in zh-CN and in English; it is left in zh-CN. */
export async function checkScreen(page: Page): Promise<void> {
  for (const lang of ['en', 'zh-CN'] as const) {
    await switchTo(page, lang);
    const found = await uncataloguedText(page);
    expect(found.stray, `${lang}: text not from the catalogue`).toEqual([]);
    expect(found.checked).toBeGreaterThan(5);
    expect(await seriousA11yViolations(page), `${lang}: axe`).toEqual([]);
  }
}
