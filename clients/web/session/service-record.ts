import { err, ok, type Result } from '../../../protocol/result.ts';
import type { Lang } from '../i18n/i18n.ts';

/**
 * A consultation's service record as a page to keep or print (`GET /api/consultations/:id/record.html`,
 * with the session's token), handed to the browser as a download: the page works offline, holds
 * no script, and is printed from the browser like any document.
 */
export async function downloadServiceRecord(token: string, id: string, lang: Lang): Promise<Result<void, string>> {
  let res: Response;
  try {
    res = await fetch(`/api/consultations/${encodeURIComponent(id)}/record.html?lang=${lang === 'en' ? 'en' : 'zh-CN'}`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  } catch (e) {
    return err(e instanceof Error ? e.message : String(e));
  }
  if (!res.ok) return err(`HTTP ${res.status}`);
  const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/html;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `lawline-${id}.html`;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its bytes once the click is handled; the URL is not needed after.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return ok(undefined);
}
