import { SERVICE_ENTRY_PREFIX } from '../../../../protocol/frames.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { ChatLine } from '../../state/consultations.ts';

export const isServiceEntry = (line: ChatLine): boolean => line.clientMsgId.startsWith(SERVICE_ENTRY_PREFIX);

/** `m:ss`, or `h:mm:ss` for an hour or more. */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

/**
 * A service entry of the transcript in the page's words: a call started, ended (how long, who
 * hung up) or was declined. The body is the server's JSON (`SERVICE_ENTRY_PREFIX`); one this
 * page does not know is not shown (undefined), rather than shown as JSON.
 */
export function serviceText(t: Translator, line: ChatLine, nameOf: (id: string) => string | undefined): string | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(line.body);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as { call?: unknown; media?: unknown; reason?: unknown; durationMs?: unknown; by?: unknown };
  if (e.call === 'started') return t(e.media === 'video' ? 'callStartedVideo' : 'callStartedVoice');
  if (e.call !== 'ended') return undefined;
  if (e.reason === 'declined') return t('callDeclined');
  const length = duration(typeof e.durationMs === 'number' ? e.durationMs : 0);
  const by = typeof e.by === 'string' && e.reason === 'hangup' ? nameOf(e.by) : undefined;
  return by ? t('callEndedBy', { name: by, duration: length }) : t('callEnded', { duration: length });
}
