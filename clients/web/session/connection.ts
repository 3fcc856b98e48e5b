import { LawlineClient } from '../../sdk/index.ts';
import type { Identity } from '../identity/identity.ts';

/**
 * The one place the page builds its SDK client. The session store the SDK is getting (session
 * id, last seq and outbox kept across a reload, in `clients/sdk/`) is passed here: it should be
 * keyed by `identity.id` (another person signing in on this browser must not resume this one's
 * session) and cleared on sign-out (`SessionHost.signOut`).
 */
export function createClient(identity: Identity, token: () => Promise<string>): LawlineClient {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return new LawlineClient({
    url: `${scheme}://${location.host}/ws`,
    // Called before every hello: a reconnect presents the current (renewed) token.
    token,
    log: (msg, ctx) => console.warn(`lawline sdk (${identity.id}): ${msg}`, ctx ?? ''),
  });
}
