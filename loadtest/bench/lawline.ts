// How the benches run lawline nodes: settings that move limits meant for people (rate, heartbeat,
// resume buffer) out of the load's way, and tokens signed by the identity the nodes trust.
import { loadOrCreateDevIdentity, mintToken, type DevClaims } from '../../server/auth/dev-identity.ts';
import type { Category } from '../../protocol/vocabulary.ts';
import type { Server } from './processes.ts';

/**
 * A node on free ports with its own data dir, logging warnings only, with the product's limits
 * (the soak runs it so). The embedded default unless `extra` names a Redis or PostgreSQL (the
 * cluster bench's cluster arm, the soak's `--store postgres`): one in the bench's own
 * environment is not for every node.
 */
export const productEnv = (dataDir: string, extra: Record<string, string> = {}): Record<string, string> => ({
  LAWLINE_PORT: '0',
  // Several nodes run on one machine: each its own operations listener.
  LAWLINE_OPS_PORT: '0',
  LAWLINE_DATA_DIR: dataDir,
  LAWLINE_LOG_LEVEL: 'warn',
  REDIS_URL: '',
  DATABASE_URL: '',
  ...extra,
});

/** A node with the limits meant for people (rate, heartbeat, resume buffer, caps) out of the load's way. */
export const lawlineEnv = (dataDir: string, extra: Record<string, string> = {}): Record<string, string> =>
  productEnv(dataDir, {
    LAWLINE_RATE_PER_SEC: '100000',
    LAWLINE_RATE_BURST: '100000',
    LAWLINE_HEARTBEAT_MS: '300000',
    LAWLINE_SESSION_BUFFER: '100000',
    // A bench citizen asks again as soon as offered, and what earlier runs left open stays open.
    LAWLINE_MAX_OPEN_PER_CITIZEN: '100',
    // Every bench connection comes from 127.0.0.1 (B3 holds 10,000 idle ones).
    LAWLINE_MAX_CONNECTIONS_PER_ADDRESS: '1000000',
    // A bench lawyer closes what it accepts at once and is offered the next (B5 measures request -> offer): no 30 s wrap-up between.
    LAWLINE_WRAP_UP_MS: '0',
    ...extra,
  });

export const wsUrl = (s: Server) => `ws://127.0.0.1:${s.port}/ws`;

/**
 * Tokens signed by the development identity of `dir`, the one a server started on `dir` trusts
 * (made here first when missing, so nodes started after share it). Lawyers serve `categories`.
 */
export async function tokensFor(dir: string, n: number, prefix: string, role: 'citizen' | 'lawyer', categories: Category[] = ['labor']): Promise<string[]> {
  const identity = await loadOrCreateDevIdentity(dir);
  const claims = (sub: string): DevClaims => ({ sub, role, name: sub, ...(role === 'lawyer' ? { categories } : {}) });
  return Promise.all(Array.from({ length: n }, (_, i) => mintToken(identity, claims(`${prefix}${i}`), 3600)));
}
