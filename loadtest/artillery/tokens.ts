// npx tsx loadtest/artillery/tokens.ts [--data-dir DIR] [--count N] > loadtest/artillery/tokens.csv
// One row per virtual user pair: a citizen token and a lawyer token (labor and family), signed by
// the development identity of DIR, the one a node started with LAWLINE_DATA_DIR=DIR trusts.
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../../server/auth/dev-identity.ts';
import { tokensFor } from '../bench/lawline.ts';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, count: { type: 'string', default: '500' } } });
const dir = values['data-dir'] ?? defaultDataDir();
const count = Number(values.count);
if (!Number.isInteger(count) || count <= 0) {
  process.stderr.write(`--count ${values.count}: expected a positive whole number\n`);
  process.exit(2);
}
const citizens = await tokensFor(dir, count, 'AC', 'citizen');
const lawyers = await tokensFor(dir, count, 'AL', 'lawyer', ['labor', 'family']);
process.stdout.write(`citizenToken,lawyerToken\n${citizens.map((c, i) => `${c},${lawyers[i]}`).join('\n')}\n`);
