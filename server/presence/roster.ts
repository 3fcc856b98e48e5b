import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CategorySchema, RegionSchema } from '../../protocol/frames.ts';
import type { Role } from '../../protocol/vocabulary.ts';
import type { TokenVerifier } from '../auth/verifier.ts';
import type { Backplane } from '../backplane/port.ts';
import type { ApiReply, ApiRequest, ApiRoute } from '../gateway/json-api.ts';
import type { Logger } from '../log.ts';
import type { Counter } from '../metrics.ts';
import type { Pusher } from '../session/pusher.ts';
import type { DutyEvent, Shift, Store } from '../store/port.ts';
import { coverage, LocalTime } from './coverage.ts';

const Day = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' });
const Clock = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$' });
const ShiftSchema = Type.Object(
  {
    lawyerId: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }),
    start: Clock,
    end: Clock,
    categories: Type.Array(CategorySchema, { minItems: 1, maxItems: 13 }),
    region: RegionSchema,
  },
  { additionalProperties: false },
);
const RosterBody = Type.Object({ shifts: Type.Array(ShiftSchema, { maxItems: 20_000 }) }, { additionalProperties: false });
const checkDay = TypeCompiler.Compile(Day);
const checkBody = TypeCompiler.Compile(RosterBody);

/** Who may manage the roster and read coverage. */
const OPS: readonly Role[] = ['admin', 'supervisor'];
const LOOKBACK_MS = 48 * 3600_000;

export interface RosterDeps {
  store: Store;
  backplane: Backplane;
  pusher: Pusher;
  verifier: TokenVerifier;
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
 * Duty rosters: operations upload each day's shifts (HTTP, JSON); a coverage report compares
 * scheduled with actually on duty per category, region and hour; a rostered lawyer who is not
 * on duty when their shift starts is reminded (once per shift). Going on duty outside the
 * roster is allowed: the roster plans, it does not gate.
 */
export class RosterService {
  private readonly time: LocalTime;
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

  routes(): ApiRoute[] {
    return [
      { method: 'put', pattern: '/api/roster/:day', maxBody: 4 * 1024 * 1024, handle: (r) => this.guard(r, () => this.put(r)) },
      { method: 'get', pattern: '/api/roster/:day', handle: (r) => this.guard(r, async () => ({ status: 200, body: { day: r.params.day, shifts: await this.deps.store.roster(r.params.day as string) } })) },
      { method: 'get', pattern: '/api/coverage/:day', handle: (r) => this.guard(r, () => this.report(r.params.day as string)) },
    ];
  }

  /** Reminds, once per shift, a lawyer whose shift has started and who is not on duty. */
  async remind(): Promise<void> {
    if (this.deps.leads?.() === false) return;
    const now = this.deps.now();
    for (const day of new Set([this.time.day(now - 24 * 3600_000), this.time.day(now)])) {
      for (const s of await this.deps.store.roster(day)) {
        const key = `${day}|${s.lawyerId}|${s.start}`;
        if (this.time.at(day, s.start) > now || this.time.at(day, s.end) <= now || this.reminded.has(key)) continue;
        if (await this.deps.backplane.getLawyer(s.lawyerId)) continue;
        this.reminded.add(key);
        this.deps.reminders?.inc();
        this.deps.pusher.push([`u:${s.lawyerId}`], 'roster.reminder', { shift: { day, start: s.start, end: s.end, categories: s.categories, region: s.region } });
      }
    }
  }

  private async guard(r: ApiRequest, then: () => Promise<ApiReply>): Promise<ApiReply> {
    const token = /^Bearer (.+)$/.exec(r.authorization)?.[1];
    if (!token) return { status: 401, body: { error: 'send Authorization: Bearer <token>' } };
    const verified = await this.deps.verifier.verify(token);
    if (!verified.ok) return { status: 401, body: { error: verified.error.message, code: verified.error.code } };
    if (!OPS.includes(verified.value.role)) return { status: 403, body: { error: `${verified.value.role} may not manage rosters` } };
    if (!checkDay.Check(r.params.day)) return { status: 400, body: { error: 'day must be YYYY-MM-DD' } };
    return then();
  }

  private async put(r: ApiRequest): Promise<ApiReply> {
    if (!checkBody.Check(r.body)) {
      const first = checkBody.Errors(r.body).First();
      return { status: 400, body: { error: first ? `${first.path || '/'}: ${first.message}` : 'bad roster' } };
    }
    const day = r.params.day as string;
    const shifts: Shift[] = (r.body as Static<typeof RosterBody>).shifts.map((s) => ({ ...s, day }));
    const backwards = shifts.find((s) => s.end <= s.start);
    if (backwards) return { status: 400, body: { error: `shift of ${backwards.lawyerId} ends (${backwards.end}) before it starts (${backwards.start}); split a night shift at midnight` } };
    await this.deps.store.putRoster(day, shifts);
    return { status: 200, body: { day, shifts: shifts.length } };
  }

  private async report(day: string): Promise<ApiReply> {
    const start = this.time.at(day, '00:00');
    const end = start + 24 * 3600_000;
    const before = new Map<string, DutyEvent>();
    for (const e of await this.deps.store.dutyEvents(start - LOOKBACK_MS, start)) before.set(e.lawyerId, e);
    const rows = coverage(day, this.time, await this.deps.store.roster(day), await this.deps.store.dutyEvents(start, end), before, this.deps.now());
    return { status: 200, body: { day, utcOffsetMin: this.deps.utcOffsetMin, rows } };
  }
}
