import { err, ok, type Result } from '../../protocol/result.ts';
import type { PresencePort } from '../backplane/presence-port.ts';
import type { Logger } from '../log.ts';
import type { Counter } from '../metrics.ts';
import type { Pusher } from '../session/pusher.ts';
import type { DutyEvent, Shift, Store } from '../store/port.ts';
import { coverage, LocalTime, type CoverageRow } from './coverage.ts';

export interface CoverageReport {
  day: string;
  utcOffsetMin: number;
  rows: CoverageRow[];
}

const LOOKBACK_MS = 48 * 3600_000;

export interface RosterDeps {
  store: Store;
  presence: PresencePort;
  pusher: Pusher;
  log: Logger;
  now: () => number;
  /** Minutes east of UTC of the deployment's local time (480: China Standard Time). */
  utcOffsetMin: number;
  tickMs: number;
  reminders?: Counter;
  /** In a cluster only the node leading the deployment's jobs sends reminders (one, not one per node). */
  leads?: () => boolean;
}

/**
 * Duty rosters: operations upload each day's shifts (the gateway's operations API calls
 * `putRoster`); a coverage report compares scheduled with actually on duty per category,
 * region and hour; a rostered lawyer who is not on duty when their shift starts is reminded
 * (once per shift). Going on duty outside the roster is allowed: the roster plans, it does
 * not gate.
 */
export class RosterService {
  private readonly time: LocalTime;
  /** `<day>|<lawyer>|<start>` of the shifts reminded of, yesterday's and today's only (`remind` forgets older days). */
  private readonly reminded = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RosterDeps) {
    this.time = new LocalTime(deps.utcOffsetMin);
  }

  start(): void {
    this.timer = setInterval(() => void this.remind().catch((e) => this.deps.log.error({ err: e }, 'roster reminders failed')), this.deps.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The duty log the coverage report reads. */
  dutyChanged(event: DutyEvent): Promise<void> {
    return this.deps.store.appendDutyEvent(event);
  }

  /** A day's shifts, replacing what was uploaded for that day before. */
  async putRoster(day: string, shifts: readonly Omit<Shift, 'day'>[]): Promise<Result<number, string>> {
    const backwards = shifts.find((s) => s.end <= s.start);
    if (backwards) return err(`shift of ${backwards.lawyerId} ends (${backwards.end}) before it starts (${backwards.start}); split a night shift at midnight`);
    await this.deps.store.putRoster(day, shifts.map((s) => ({ ...s, day })));
    return ok(shifts.length);
  }

  roster(day: string): Promise<Shift[]> {
    return this.deps.store.roster(day);
  }

  /** Reminds, once per shift, a lawyer whose shift has started and who is not on duty. */
  async remind(): Promise<void> {
    if (this.deps.leads?.() === false) return;
    const now = this.deps.now();
    const days = new Set([this.time.day(now - 24 * 3600_000), this.time.day(now)]);
    // A shift of an earlier day has ended, and is never looked at again: kept, these grew by
    // every rostered shift for as long as the node ran.
    for (const key of this.reminded) if (!days.has(key.slice(0, key.indexOf('|')))) this.reminded.delete(key);
    for (const day of days) {
      for (const s of await this.deps.store.roster(day)) {
        const key = `${day}|${s.lawyerId}|${s.start}`;
        if (this.time.at(day, s.start) > now || this.time.at(day, s.end) <= now || this.reminded.has(key)) continue;
        if (await this.deps.presence.getLawyer(s.lawyerId)) continue;
        this.reminded.add(key);
        this.deps.reminders?.inc();
        this.deps.pusher.push([`u:${s.lawyerId}`], 'roster.reminder', { shift: { day, start: s.start, end: s.end, categories: s.categories, region: s.region } });
      }
    }
  }

  /** Shifts remembered as reminded of (tests: it stays within two days' shifts). */
  get remembered(): number {
    return this.reminded.size;
  }

  /** Scheduled against actually on duty, per category, region and hour of `day` (local time). */
  async coverage(day: string): Promise<CoverageReport> {
    const start = this.time.at(day, '00:00');
    const end = start + 24 * 3600_000;
    const before = new Map<string, DutyEvent>();
    for (const e of await this.deps.store.dutyEvents(start - LOOKBACK_MS, start)) before.set(e.lawyerId, e);
    const rows = coverage(day, this.time, await this.deps.store.roster(day), await this.deps.store.dutyEvents(start, end), before, this.deps.now());
    return { day, utcOffsetMin: this.deps.utcOffsetMin, rows };
  }
}
