import type { Category } from '../../protocol/vocabulary.ts';
import type { DutyEvent, Shift } from '../store/port.ts';

const HOUR = 3600_000;

/** Local day and clock, at a fixed offset from UTC (China has one time zone and no DST). */
export class LocalTime {
  constructor(readonly offsetMin: number) {}

  /** Epoch ms of `HH:MM` on `day` (YYYY-MM-DD), local time; `24:00` is the end of the day. */
  at(day: string, hhmm: string): number {
    const midnight = Date.parse(`${day}T00:00:00Z`) - this.offsetMin * 60_000;
    const [h, m] = hhmm.split(':').map(Number) as [number, number];
    return midnight + (h * 60 + m) * 60_000;
  }

  /** The local YYYY-MM-DD of an instant. */
  day(ms: number): string {
    return new Date(ms + this.offsetMin * 60_000).toISOString().slice(0, 10);
  }
}

export interface CoverageRow {
  category: Category;
  region: string;
  /** Local hour of the day, 0-23. */
  hour: number;
  scheduled: number;
  onDuty: number;
}

/** When each lawyer was on duty, as [from, to) intervals, from the day's events and the state before it. */
function dutyIntervals(events: readonly DutyEvent[], dayStart: number, dayEnd: number, before: ReadonlyMap<string, DutyEvent>) {
  const open = new Map<string, DutyEvent & { from: number }>();
  for (const [id, e] of before) if (e.on) open.set(id, { ...e, from: dayStart });
  const intervals: { lawyerId: string; from: number; to: number; categories: Category[]; region: string }[] = [];
  const close = (id: string, at: number) => {
    const o = open.get(id);
    if (o) intervals.push({ lawyerId: id, from: o.from, to: at, categories: o.categories, region: o.region });
    open.delete(id);
  };
  for (const e of events) {
    close(e.lawyerId, e.at);
    if (e.on) open.set(e.lawyerId, { ...e, from: e.at });
  }
  for (const id of [...open.keys()]) close(id, dayEnd);
  return intervals;
}

/**
 * Scheduled against actually on duty, per category, region and local hour of `day`: a lawyer
 * counts in an hour they were rostered for (or on duty in) at any moment of it.
 */
export function coverage(day: string, time: LocalTime, shifts: readonly Shift[], events: readonly DutyEvent[], before: ReadonlyMap<string, DutyEvent>, now: number): CoverageRow[] {
  const dayStart = time.at(day, '00:00');
  const dayEnd = dayStart + 24 * HOUR;
  const rows = new Map<string, CoverageRow>();
  const row = (category: Category, region: string, hour: number) => {
    const key = `${category}|${region}|${hour}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { category, region, hour, scheduled: 0, onDuty: 0 }));
    return r;
  };
  const hours = (from: number, to: number) => {
    const out: number[] = [];
    for (let h = 0; h < 24; h++) if (from < dayStart + (h + 1) * HOUR && to > dayStart + h * HOUR) out.push(h);
    return out;
  };
  for (const s of shifts) for (const h of hours(time.at(day, s.start), time.at(day, s.end))) for (const c of s.categories) row(c, s.region, h).scheduled++;
  for (const i of dutyIntervals(events, dayStart, Math.min(dayEnd, now), before)) for (const h of hours(i.from, i.to)) for (const c of i.categories) row(c, i.region, h).onDuty++;
  return [...rows.values()].sort((a, b) => a.hour - b.hour || a.category.localeCompare(b.category) || a.region.localeCompare(b.region));
}
