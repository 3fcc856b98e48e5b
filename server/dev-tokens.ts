import type { ApiReply, ApiRequest, ApiRoute } from './gateway/json-api.ts';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Type } from '@sinclair/typebox';
import { CategorySchema, RegionSchema } from '../protocol/frames.ts';
import { randomBytes } from 'node:crypto';
import { mintToken, type DevIdentity } from './auth/dev-identity.ts';

/**
 * POST /dev/token for the embedded default's web page: a person picks "citizen" or
 * "lawyer" and gets a development token. Only wired when the node runs its own
 * development identity; with a real identity provider the route does not exist.
 */
const DevTokenRequest = Type.Object(
  {
    role: Type.Union([Type.Literal('citizen'), Type.Literal('lawyer')]),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' })),
    categories: Type.Optional(Type.Array(CategorySchema, { maxItems: 13 })),
    region: Type.Optional(RegionSchema),
  },
  { additionalProperties: false },
);
const check = TypeCompiler.Compile(DevTokenRequest);

export function devTokenRoute(identity: DevIdentity): ApiRoute {
  const handle = async ({ body }: ApiRequest): Promise<ApiReply> => {
    if (!check.Check(body)) {
      const first = check.Errors(body).First();
      return { status: 400, body: { error: first ? `${first.path || '/'}: ${first.message}` : 'bad request' } };
    }
    const id = body.id ?? `${body.role === 'citizen' ? 'C' : 'L'}-${randomBytes(4).toString('hex')}`;
    const token = await mintToken(identity, {
      sub: id,
      role: body.role,
      name: body.name,
      region: body.region ?? '320200',
      ...(body.role === 'lawyer' ? { categories: body.categories ?? [] } : {}),
    });
    return { status: 200, body: { token, id } };
  };
  return { method: 'post', pattern: '/dev/token', maxBody: 4096, handle };
}
