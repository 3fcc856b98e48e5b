import { existsSync } from 'node:fs';
import { onPath, run, say } from './system.ts';

/** Debian's Chromium, where its package puts it. */
export const CHROMIUM = '/usr/bin/chromium';

/** The font families fontconfig has for Chinese (none without fontconfig). */
async function chineseFonts(): Promise<string[]> {
  if (!onPath('fc-list')) return [];
  return [...new Set((await run('fc-list', [':lang=zh', 'family'])).split('\n').filter(Boolean))].sort();
}

/**
 * The Debian packages the browser tests lack: Debian's Chromium at CHROMIUM, and a font with
 * Chinese glyphs, without which screenshots show the pages' Chinese labels as empty boxes.
 */
export async function chromiumPackages(): Promise<string[]> {
  const missing: string[] = [];
  if (existsSync(CHROMIUM)) say(`Chromium: ${CHROMIUM}`);
  else {
    say(`Chromium: nothing at ${CHROMIUM}`);
    missing.push('chromium');
  }
  const fonts = await chineseFonts();
  if (fonts.length) say(`Chinese font: ${fonts[0]}${fonts.length > 1 ? ` and ${fonts.length - 1} more` : ''}`);
  else {
    say('Chinese font: none (fc-list :lang=zh finds nothing)');
    missing.push('fonts-noto-cjk');
  }
  return missing;
}
