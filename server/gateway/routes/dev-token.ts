import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CategorySchema, RegionSchema } from '../../../protocol/frames.ts';
import type { Result } from '../../../protocol/result.ts';
import type { DevToken, DevTokenRefused, DevTokens } from '../../auth/dev-tokens.ts';
import type { ApiReply, ApiRequest, ApiRoute } from '../json-api.ts';

const DevTokenBody = Type.Object(
  {
    role: Type.Union([Type.Literal('citizen'), Type.Literal('lawyer'), Type.Literal('assistant'), Type.Literal('supervisor')]),
    // Needed for a new person (checked by DevTokens, which knows when the request makes one).
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    categories: Type.Optional(Type.Array(CategorySchema, { maxItems: 13 })),
    region: Type.Optional(RegionSchema),
  },
  { additionalProperties: false },
);
const check = TypeCompiler.Compile(DevTokenBody);

const REFUSED: Record<DevTokenRefused['reason'], number> = { 'invalid-token': 401, 'not-renewable': 403, 'other-role': 409, 'not-a-lawyer': 403, 'name-required': 400 };

const reply = (r: Result<DevToken, DevTokenRefused>): ApiReply => (r.ok ? { status: 200, body: r.value } : { status: REFUSED[r.error.reason], body: { error: r.error.message } });

/**
 * POST /dev/token for the embedded default's web page, on the client port; wired only with the
 * development identity, and only on a loopback address unless LAWLINE_DEV_TOKENS_PUBLIC.
 * Without Authorization: a new citizen, lawyer or supervisor (the duty office's page). With `Authorization: Bearer <its token>`: the
 * same one; with a lawyer's token and `role: 'assistant'`, a new assistant working for that lawyer.
 */
export function devTokenRoute(tokens: DevTokens): ApiRoute {
  const handle = async ({ body, authorization }: ApiRequest): Promise<ApiReply> => {
    if (typeof body === 'object' && body !== null && 'id' in body) {
      return { status: 400, body: { error: 'the server chooses the id; to stay the same person, send your token as Authorization: Bearer <token>' } };
    }
    if (!check.Check(body)) {
      const first = check.Errors(body).First();
      return { status: 400, body: { error: first ? `${first.path || '/'}: ${first.message}` : 'bad request' } };
    }
    if (!authorization) return reply(await tokens.issue(body));
    const token = /^Bearer ([^\s]+)$/.exec(authorization)?.[1];
    if (!token) return { status: 401, body: { error: 'send Authorization: Bearer <token>, or no Authorization for a new identity' } };
    return reply(await tokens.withToken(token, body));
  };
  return { method: 'post', pattern: '/dev/token', access: 'public', maxBody: 4096, handle };
}
