import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CategorySchema, RegionSchema } from '../../../protocol/frames.ts';
import type { Role } from '../../../protocol/vocabulary.ts';
import type { TokenVerifier } from '../../auth/verifier.ts';
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

/** Who may manage the roster and read coverage. */
const OPS: readonly Role[] = ['admin', 'supervisor'];

/** The roster and coverage report over HTTP (JSON): `/api/roster/:day`, `/api/coverage/:day`. */
export function rosterRoutes(roster: RosterService, verifier: TokenVerifier): ApiRoute[] {
  const guard = async (r: ApiRequest, then: (day: string) => Promise<ApiReply>): Promise<ApiReply> => {
    const token = /^Bearer (.+)$/.exec(r.authorization)?.[1];
    if (!token) return { status: 401, body: { error: 'send Authorization: Bearer <token>' } };
    const verified = await verifier.verify(token);
    if (!verified.ok) return { status: 401, body: { error: verified.error.message, code: verified.error.code } };
    if (!OPS.includes(verified.value.role)) return { status: 403, body: { error: `${verified.value.role} may not manage rosters` } };
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
    { method: 'put', pattern: '/api/roster/:day', maxBody: 4 * 1024 * 1024, handle: (r) => guard(r, (day) => put(day, r.body)) },
    { method: 'get', pattern: '/api/roster/:day', handle: (r) => guard(r, async (day) => ({ status: 200, body: { day, shifts: await roster.roster(day) } })) },
    { method: 'get', pattern: '/api/coverage/:day', handle: (r) => guard(r, async (day) => ({ status: 200, body: await roster.coverage(day) })) },
  ];
}
