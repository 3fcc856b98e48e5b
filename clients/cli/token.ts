import { parseArgs } from 'node:util';
import { identityFromClaims } from '../../server/auth/claims.ts';
import { defaultDataDir, loadOrCreateDevIdentity, mintToken, type DevClaims } from '../../server/auth/dev-identity.ts';

/**
 * npm run token -- --role lawyer --id L1 --name 王律师 --categories labor,family --region 320200
 * Prints one development token on stdout, signed with the node's development key.
 */
const USAGE = 'usage: npm run token -- --role citizen|lawyer|assistant|supervisor|admin --id ID --name NAME [--categories a,b] [--region 320200] [--lawyer LAWYER_ID] [--ttl SECONDS] [--data-dir DIR]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      role: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      categories: { type: 'string' },
      region: { type: 'string' },
      lawyer: { type: 'string' },
      ttl: { type: 'string', default: '28800' },
      'data-dir': { type: 'string' },
    },
    strict: true,
  }));
} catch (e) {
  fail((e as Error).message);
}

if (!values.role || !values.id || !values.name) fail('--role, --id and --name are required');
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) fail(`--ttl ${values.ttl}: expected a positive number of seconds`);

const claims = {
  sub: values.id,
  role: values.role,
  name: values.name,
  ...(values.categories ? { categories: values.categories.split(',').map((c) => c.trim()) } : {}),
  ...(values.region ? { region: values.region } : {}),
  ...(values.lawyer ? { lawyerId: values.lawyer } : {}),
};
// Check the claims the way the server will, so a typo fails here rather than at hello.
const probe = identityFromClaims(
  { ...claims, exp: Math.floor(Date.now() / 1000) + ttl, ...(values.role === 'lawyer' ? { licence: { number: 'probe', status: 'practising', expiresAt: Date.now() + 1e9 } } : {}) },
  Date.now(),
);
if (!probe.ok) fail(probe.error.message);

const identity = await loadOrCreateDevIdentity(values['data-dir'] ?? defaultDataDir());
process.stdout.write(`${await mintToken(identity, claims as DevClaims, ttl)}\n`);
