import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CategorySchema, RegionSchema } from '../../../protocol/frames.ts';
import type { DevIdentity } from '../../auth/dev-identity.ts';
import { issueDevToken } from '../../auth/dev-tokens.ts';
import type { ApiReply, ApiRequest, ApiRoute } from '../json-api.ts';

const DevTokenBody = Type.Object(
  {
    role: Type.Union([Type.Literal('citizen'), Type.Literal('lawyer')]),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' })),
    categories: Type.Optional(Type.Array(CategorySchema, { maxItems: 13 })),
    region: Type.Optional(RegionSchema),
  },
  { additionalProperties: false },
);
const check = TypeCompiler.Compile(DevTokenBody);

/** POST /dev/token for the embedded default's web page; wired only with the development identity. */
export function devTokenRoute(identity: DevIdentity): ApiRoute {
  const handle = async ({ body }: ApiRequest): Promise<ApiReply> => {
    if (!check.Check(body)) {
      const first = check.Errors(body).First();
      return { status: 400, body: { error: first ? `${first.path || '/'}: ${first.message}` : 'bad request' } };
    }
    return { status: 200, body: await issueDevToken(identity, body) };
  };
  return { method: 'post', pattern: '/dev/token', access: 'public', maxBody: 4096, handle };
}
