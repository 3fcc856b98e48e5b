import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ErrorCode } from '../../protocol/errors.ts';
import { CategorySchema, RegionSchema, RoleSchema } from '../../protocol/frames.ts';
import { err, ok, type Result } from '../../protocol/result.ts';
import { isWellFormedText } from '../../protocol/utf8.ts';
import { PRIORITY_CLASSES } from '../../protocol/vocabulary.ts';
import type { AuthFailure, Identity } from './identity.ts';

/** The claims lawline reads from a verified token. Other claims are allowed and ignored. */
const Claims = Type.Object({
  sub: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }),
  role: RoleSchema,
  name: Type.String({ minLength: 1, maxLength: 100 }),
  exp: Type.Integer(),
  categories: Type.Optional(Type.Array(CategorySchema, { maxItems: 13 })),
  region: Type.Optional(RegionSchema),
  licence: Type.Optional(
    Type.Object({
      number: Type.String({ minLength: 1, maxLength: 40 }),
      status: Type.Union([Type.Literal('practising'), Type.Literal('suspended'), Type.Literal('revoked')]),
      expiresAt: Type.Integer(),
    }),
  ),
  lawyerId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' })),
  /** For an assistant: the name of the lawyer they work for, so their page can say whom they act for. */
  lawyerName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /** Set by the identity provider after its checks (age, disability certificate, legal-aid eligibility). */
  priority: Type.Optional(Type.Union(PRIORITY_CLASSES.map((p) => Type.Literal(p)))),
});
export type TokenClaims = Static<typeof Claims>;
const check = TypeCompiler.Compile(Claims);

/**
 * Parses verified JWT claims into an Identity: a lawyer must hold a practising licence that
 * has not expired; an assistant must name the lawyer they work for.
 */
export function identityFromClaims(payload: unknown, now: number): Result<Identity, AuthFailure> {
  if (!check.Check(payload)) {
    const first = check.Errors(payload).First();
    return err({ code: ErrorCode.TOKEN_CLAIMS_INVALID, message: `claims: ${first ? `${first.path} ${first.message}` : 'invalid'}` });
  }
  const c = payload;
  // A JSON escape (an identity provider's, or /dev/token's before it refused them) can carry a
  // lone surrogate; the other strings read here are held to ASCII patterns or word lists.
  for (const [path, text] of [['/name', c.name], ['/licence/number', c.licence?.number], ['/lawyerName', c.lawyerName]] as const) {
    if (text !== undefined && !isWellFormedText(text)) {
      return err({ code: ErrorCode.TOKEN_CLAIMS_INVALID, message: `claims: ${path} is not Unicode text (a lone UTF-16 surrogate)` });
    }
  }
  if (c.role === 'lawyer') {
    if (!c.licence) return err({ code: ErrorCode.LICENCE_MISSING, message: 'a lawyer token must carry a practising-licence credential' });
    if (c.licence.status !== 'practising') return err({ code: ErrorCode.LICENCE_INVALID, message: `licence is ${c.licence.status}` });
    if (c.licence.expiresAt <= now) return err({ code: ErrorCode.LICENCE_INVALID, message: 'licence has expired' });
  }
  if (c.role === 'assistant' && !c.lawyerId) {
    return err({ code: ErrorCode.TOKEN_CLAIMS_INVALID, message: 'an assistant token must name its lawyer (lawyerId)' });
  }
  return ok({
    id: c.sub,
    role: c.role,
    name: c.name,
    expiresAt: c.exp * 1000,
    ...(c.categories ? { categories: c.categories } : {}),
    ...(c.region ? { region: c.region } : {}),
    ...(c.licence ? { licence: c.licence } : {}),
    ...(c.lawyerId ? { lawyerId: c.lawyerId } : {}),
    ...(c.lawyerName && c.role === 'assistant' ? { lawyerName: c.lawyerName } : {}),
    ...(c.priority && c.role === 'citizen' ? { priority: c.priority } : {}),
  });
}
