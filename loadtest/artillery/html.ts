// The run as one self-contained HTML file: plots as inline SVG (latency percentiles over time,
// throughput, connections, errors), the checks, and tables of every histogram and counter. No
// script, no CDN: it opens anywhere, offline.
import type { Check, Summary, Window } from './report.ts';

export interface HtmlInput {
  title: string;
  subtitle: string;
  checks: Check[];
  /** bins of `width` seconds from `start` (unix s) */
  bins: Window[];
  width: number;
  start: number;
  summaries: Record<string, Summary>;
  counters: Record<string, number>;
  notes: string[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

interface Series {
  name: string;
  points: [number, number][];
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : Number(v.toFixed(2)).toString());

/** A line chart: x in seconds from the start, y from 0. */
export function lineChart(title: string, unit: string, series: Series[], span?: number): string {
  const W = 760;
  const H = 240;
  const L = 56;
  const R = 12;
  const T = 28;
  const B = 34;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xMax = Math.max(1, span ?? 0, ...xs);
  const yMax = niceMax(Math.max(0, ...ys));
  const x = (v: number) => L + (v / xMax) * (W - L - R);
  const y = (v: number) => H - B - (v / yMax) * (H - T - B);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`];
  parts.push(`<text x="${L}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end">${fmt(v)}</text>`);
    const t = (xMax * i) / 4;
    parts.push(`<text x="${x(t)}" y="${H - B + 14}" font-size="10" text-anchor="middle">${fmt(t)} s</text>`);
  }
  parts.push(`<text x="12" y="${T + (H - T - B) / 2}" font-size="10" transform="rotate(-90 12 ${T + (H - T - B) / 2})" text-anchor="middle">${esc(unit)}</text>`);
  parts.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#888"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#888"/>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    if (s.points.length === 1) {
      const [px, py] = s.points[0] as [number, number];
      parts.push(`<circle cx="${x(px)}" cy="${y(py)}" r="3" fill="${color}"/>`);
    } else if (s.points.length > 1) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${s.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ')}"/>`);
    }
    const lx = L + 10 + series.slice(0, i).reduce((n, t) => n + 24 + t.name.length * 6, 0);
    parts.push(`<rect x="${lx}" y="${H - 12}" width="10" height="3" fill="${color}"/><text x="${lx + 14}" y="${H - 8}" font-size="10">${esc(s.name)}</text>`);
  });
  if (series.every((s) => s.points.length === 0)) parts.push(`<text x="${W / 2}" y="${H / 2}" font-size="12" text-anchor="middle" fill="#888">nothing recorded</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** The histograms plotted as percentiles over time, when the run recorded them. */
const LATENCIES = ['lawline.ack_ms', 'lawline.time_to_offer_ms', 'lawline.time_to_lawyer_message_ms', 'lawline.resume_ms', 'lawline.connect_ms', 'lawline.delivery_ms'];
const THROUGHPUT = ['lawline.messages_sent', 'lawline.messages_acked', 'lawline.messages_received', 'lawline.consultations_requested'];

export function renderHtml(r: HtmlInput): string {
  const at = (w: Window) => w.t - r.start;
  // Every plot on the same time axis: the whole run.
  const span = r.bins.length ? (r.bins[r.bins.length - 1] as Window).t - r.start + r.width : 1;
  const perSecond = (w: Window, k: string) => (w.c.get(k) ?? 0) / r.width;
  const charts: string[] = [];
  for (const name of LATENCIES) {
    if (!r.bins.some((w) => w.h.has(name))) continue;
    const series = [50, 95, 99].map((q) => ({
      name: `p${q}`,
      points: r.bins.filter((w) => w.h.has(name)).map((w) => [at(w), (w.h.get(name)?.percentile(q) ?? 0) / 1000] as [number, number]),
    }));
    charts.push(lineChart(`${name.replace('lawline.', '')}: percentiles over time`, 'ms', series, span));
  }
  const requests = (w: Window) => [...w.h].filter(([k]) => k.startsWith('lawline.reply_ms.')).reduce((n, [, h]) => n + h.count, 0) / r.width;
  charts.push(
    lineChart('Throughput', 'per second', [
      ...THROUGHPUT.map((k) => ({ name: k.replace('lawline.', ''), points: r.bins.map((w) => [at(w), perSecond(w, k)] as [number, number]) })),
      { name: 'requests answered', points: r.bins.map((w) => [at(w), requests(w)] as [number, number]) },
    ], span),
  );
  charts.push(
    lineChart('Connections', 'open', [
      { name: 'connections open', points: r.bins.filter((w) => w.g.has('connections')).map((w) => [at(w), w.g.get('connections') as number] as [number, number]) },
      { name: 'virtual users', points: r.bins.filter((w) => w.g.has('users')).map((w) => [at(w), w.g.get('users') as number] as [number, number]) },
    ], span),
  );
  const errorKeys = [...new Set(r.bins.flatMap((w) => [...w.c.keys()]).filter((k) => k.startsWith('errors.') || k === 'lawline.unplanned_closes' || k.startsWith('lawline.messages_refused') || k === 'lawline.messages_lost'))];
  charts.push(lineChart('Errors', 'per second', errorKeys.map((k) => ({ name: k, points: r.bins.map((w) => [at(w), perSecond(w, k)] as [number, number]) })), span));

  const checks = r.checks.length
    ? `<table><tr><th></th><th>check</th></tr>${r.checks.map((c) => `<tr class="${c.result ? 'ok' : 'fail'}"><td>${c.result ? 'ok' : c.strict ? 'FAIL' : 'fail (optional)'}</td><td class="l"><code>${esc(c.original)}</code></td></tr>`).join('')}</table>`
    : '<p>No <code>ensure</code> checks in this scenario.</p>';
  const cols = ['count', 'p50', 'p95', 'p99', 'p999', 'max', 'mean'] as const;
  const hist = `<table><tr><th>histogram (ms)</th>${cols.map((c) => `<th>${c}</th>`).join('')}</tr>${Object.entries(r.summaries)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, s]) => `<tr><td><code>${esc(k)}</code></td>${cols.map((c) => `<td>${s[c]}</td>`).join('')}</tr>`)
    .join('')}</table>`;
  const counters = `<table><tr><th>counter</th><th>total</th></tr>${Object.entries(r.counters)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `<tr><td><code>${esc(k)}</code></td><td>${v}</td></tr>`)
    .join('')}</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:800px}table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:right}td:first-child,th:first-child,td.l{text-align:left}.ok td:first-child{color:#2a7d2a}.fail td:first-child{color:#c00;font-weight:bold}svg{display:block;margin:12px 0}</style>
</head><body>
<h1>${esc(r.title)}</h1><p>${esc(r.subtitle)}</p>
<h2>Checks</h2>${checks}
<h2>Over time</h2><p>Bins of ${r.width} s. Percentiles come from histograms merged over every process and thread.</p>${charts.join('\n')}
<h2>Histograms</h2>${hist}
<h2>Counters</h2>${counters}
${r.notes.length ? `<h2>Notes</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
