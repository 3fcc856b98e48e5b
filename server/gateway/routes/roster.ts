import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CategorySchema, RegionSchema } from '../../../protocol/frames.ts';
import type { RosterService } from '../../presence/roster.ts';
import type { ApiReply, ApiRequest, ApiRoute } from '../json-api.ts';

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

/**
 * The roster and coverage report over HTTP (JSON): `/api/roster/:day`, `/api/coverage/:day`,
 * on the operations listener. Who may call them is the permission table's `http:` rows.
 */
export function rosterRoutes(roster: RosterService): ApiRoute[] {
  const onDay = async (r: ApiRequest, then: (day: string) => Promise<ApiReply>): Promise<ApiReply> => {
    const day = r.params.day;
    if (!checkDay.Check(day)) return { status: 400, body: { error: 'day must be YYYY-MM-DD' } };
    return then(day);
  };
  const put = async (day: string, body: unknown): Promise<ApiReply> => {
    if (!checkBody.Check(body)) {
      const first = checkBody.Errors(body).First();
      return { status: 400, body: { error: first ? `${first.path || '/'}: ${first.message}` : 'bad roster' } };
    }
    const stored = await roster.putRoster(day, (body as Static<typeof RosterBody>).shifts);
    return stored.ok ? { status: 200, body: { day, shifts: stored.value } } : { status: 400, body: { error: stored.error } };
  };
  return [
    { method: 'put', pattern: '/api/roster/:day', access: 'http:roster.put', maxBody: 4 * 1024 * 1024, handle: (r) => onDay(r, (day) => put(day, r.body)) },
    { method: 'get', pattern: '/api/roster/:day', access: 'http:roster.get', handle: (r) => onDay(r, async (day) => ({ status: 200, body: { day, shifts: await roster.roster(day) } })) },
    { method: 'get', pattern: '/api/coverage/:day', access: 'http:coverage.get', handle: (r) => onDay(r, async (day) => ({ status: 200, body: await roster.coverage(day) })) },
  ];
}
