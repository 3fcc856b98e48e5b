import { regionName } from '../../protocol/regions.ts';
import { CATEGORIES } from '../../protocol/vocabulary.ts';
import type { Person } from '../store/port.ts';
import type { RecordEntry, ServiceRecord } from './record.ts';

export type RecordLang = 'zh-CN' | 'en';

/** The document's own words (the web page's catalogue is the client's; this page is made on the server). */
const WORDS = {
  title: { 'zh-CN': '法律咨询服务记录', en: 'Legal consultation service record' },
  consultation: { 'zh-CN': '咨询编号', en: 'Consultation' },
  category: { 'zh-CN': '类别', en: 'Category' },
  region: { 'zh-CN': '地区', en: 'Region' },
  channel: { 'zh-CN': '方式', en: 'Channel' },
  state: { 'zh-CN': '状态', en: 'State' },
  citizen: { 'zh-CN': '咨询人', en: 'Citizen' },
  lawyer: { 'zh-CN': '值班律师', en: 'Lawyer on duty' },
  opposingParty: { 'zh-CN': '对方当事人', en: 'Opposing party' },
  created: { 'zh-CN': '提出时间', en: 'Asked' },
  updated: { 'zh-CN': '最后更新', en: 'Last updated' },
  due: { 'zh-CN': '应答时限', en: 'Answer due' },
  answered: { 'zh-CN': '首次答复', en: 'First answered' },
  breached: { 'zh-CN': '（已超时）', en: ' (overdue)' },
  transcript: { 'zh-CN': '服务过程', en: 'Transcript' },
  noEntries: { 'zh-CN': '（无记录）', en: '(nothing recorded)' },
  handover: { 'zh-CN': '转交说明', en: 'Handover note' },
  note: { 'zh-CN': '律师小结', en: "Lawyer's note" },
  reads: { 'zh-CN': '已读至', en: 'Read up to' },
  exported: { 'zh-CN': '导出', en: 'Exported' },
  by: { 'zh-CN': '导出人', en: 'by' },
  callStarted: { 'zh-CN': '通话开始', en: 'Call started' },
  callEnded: { 'zh-CN': '通话结束', en: 'Call ended' },
  video: { 'zh-CN': '视频', en: 'video' },
  voice: { 'zh-CN': '语音', en: 'voice' },
  duration: { 'zh-CN': '时长', en: 'duration' },
  serviceEntry: { 'zh-CN': '服务事项', en: 'Service entry' },
} as const;

const STATES = {
  queued: { 'zh-CN': '排队中', en: 'Queued' },
  picked: { 'zh-CN': '已接单', en: 'Taken' },
  active: { 'zh-CN': '进行中', en: 'Active' },
  closed: { 'zh-CN': '已结束', en: 'Closed' },
  cancelled: { 'zh-CN': '已取消', en: 'Cancelled' },
} as const;
const CHANNELS = { text: { 'zh-CN': '在线文字', en: 'Live text' }, message: { 'zh-CN': '留言', en: 'Message' } } as const;

/** Every character that could end a text node or an attribute; nothing from a record is markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * The record as one printable HTML page: no script, no external resource (the page's CSP allows
 * neither), every value escaped, times in the deployment's local time.
 */
export function renderRecordHtml(record: ServiceRecord, lang: RecordLang, utcOffsetMin: number): string {
  const w = (key: keyof typeof WORDS) => WORDS[key][lang];
  const time = (ms: number) => localTime(ms, utcOffsetMin);
  const who = (p: Person) => escapeHtml(p.name);
  const c = record.consultation;
  const rows: [string, string][] = [
    [w('consultation'), escapeHtml(c.id)],
    [w('category'), escapeHtml(CATEGORIES[c.category][lang])],
    [w('region'), escapeHtml(regionName(c.region, lang) ?? c.region)],
    [w('channel'), escapeHtml(CHANNELS[c.channel][lang])],
    [w('state'), escapeHtml(STATES[c.state][lang])],
    [w('citizen'), who(c.citizen)],
    ...(c.lawyer ? [[w('lawyer'), who(c.lawyer)] as [string, string]] : []),
    ...(c.opposingParty ? [[w('opposingParty'), escapeHtml(c.opposingParty)] as [string, string]] : []),
    [w('created'), time(c.createdAt)],
    [w('updated'), time(c.updatedAt)],
    ...(c.dueAt !== undefined ? [[w('due'), `${time(c.dueAt)}${c.breached ? w('breached') : ''}`] as [string, string]] : []),
    ...(c.answeredAt !== undefined ? [[w('answered'), time(c.answeredAt)] as [string, string]] : []),
  ];
  const entry = (e: RecordEntry) =>
    `<li class="${e.kind}"><span class="meta">#${e.seq} · ${time(e.at)} · ${who(e.from)}</span><p>${e.kind === 'message' ? escapeHtml(e.body) : escapeHtml(serviceText(e.event, lang))}</p></li>`;
  const notes = [
    ...(c.handover ? [`<h2>${w('handover')}</h2><p class="note">${who(c.handover.from)}: ${escapeHtml(c.handover.note)}</p>`] : []),
    ...(c.note ? [`<h2>${w('note')}</h2><p class="note">${escapeHtml(c.note)}</p>`] : []),
  ];
  const reads = record.readReceipts.map((r) => `<li>${escapeHtml(r.userId)}: ${w('reads')} #${r.upToSeq} (${time(r.at)})</li>`);
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${w('title')} ${escapeHtml(c.id)}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em; color: #111; line-height: 1.5; }
h1 { font-size: 1.4em; border-bottom: 2px solid #333; padding-bottom: .3em; }
h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; }
th { text-align: left; padding: .15em 1.2em .15em 0; font-weight: 600; vertical-align: top; }
ol { list-style: none; padding: 0; }
li { margin: .6em 0; break-inside: avoid; }
li.service p { font-style: italic; color: #444; }
.meta { color: #555; font-size: .85em; }
p { margin: .15em 0; white-space: pre-wrap; overflow-wrap: anywhere; }
footer { margin-top: 2em; color: #555; font-size: .85em; border-top: 1px solid #ccc; padding-top: .5em; }
</style>
</head>
<body>
<h1>${w('title')}</h1>
<table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
<h2>${w('transcript')}</h2>
${record.entries.length ? `<ol>${record.entries.map(entry).join('\n')}</ol>` : `<p>${w('noEntries')}</p>`}
${notes.join('\n')}
${reads.length ? `<ul class="meta">${reads.join('')}</ul>` : ''}
<footer>${w('exported')} ${time(record.exported.at)} · ${w('by')} ${who(record.exported.by)}</footer>
</body>
</html>
`;
}

/** A call's start or end in words; any other service entry as what it recorded. */
function serviceText(event: Record<string, unknown>, lang: RecordLang): string {
  const w = (key: keyof typeof WORDS) => WORDS[key][lang];
  const media = event.media === 'video' ? w('video') : event.media === 'voice' ? w('voice') : undefined;
  if (event.call === 'started') return `${w('callStarted')}${media ? ` (${media})` : ''}`;
  if (event.call === 'ended') {
    const ms = typeof event.durationMs === 'number' ? event.durationMs : undefined;
    return `${w('callEnded')}${media ? ` (${media})` : ''}${ms !== undefined ? `, ${w('duration')} ${clock(ms)}` : ''}`;
  }
  return `${w('serviceEntry')}: ${JSON.stringify(event)}`;
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}` : `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

function localTime(ms: number, offsetMin: number): string {
  const iso = new Date(ms + offsetMin * 60_000).toISOString();
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} (UTC${sign}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, '0')}` : ''})`;
}
