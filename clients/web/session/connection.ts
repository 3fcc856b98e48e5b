import { LawlineClient, WebStorageStore, type ClientStore } from '../../sdk/index.ts';
import type { Identity } from '../identity/identity.ts';

/**
 * The one place the page builds its SDK client. Its session, the messages not yet acknowledged
 * and how far each consultation was shown are kept in this tab's sessionStorage (the SDK's
 * store), so a reload resumes where the page was and sends what was typed offline once.
 * sessionStorage, not localStorage: one per tab, so two tabs never share a session record (a
 * duplicated tab starts with a copy, and the SDK's lock starts it on a session of its own).
 * Keyed by the identity: another person signing in on this tab never resumes this one's session
 * (the SDK also checks the hello's user). `SessionHost` forgets it at sign-out.
 */
export function createClient(identity: Identity, token: () => Promise<string>): LawlineClient {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const store = tabStore();
  return new LawlineClient({
    url: `${scheme}://${location.host}/ws`,
    // Called before every hello: a reconnect presents the current (renewed) token.
    token,
    ...(store ? { store, storeKey: storeKeyOf(identity.id) } : {}),
    log: (msg, ctx) => console.warn(`lawline sdk (${identity.id}): ${msg}`, ctx ?? ''),
    // A supervisor is a party to none of the open consultations their snapshot lists: never read their history unasked (each read is audited).
    ...(identity.role === 'supervisor' ? { followConsultations: false } : {}),
  });
}

/** Leaves nothing of `identity`'s session in this tab, with no client running (one built on the store, never connected, forgets it). */
export function forgetSession(identity: Identity): void {
  createClient(identity, () => Promise.reject(new Error('never connected'))).close({ forget: true });
}

const storeKeyOf = (identityId: string): string => `lawline.session.${identityId}`;

/** This tab's sessionStorage; none where the browser refuses it (storage disabled): the page then keeps nothing across a reload. */
function tabStore(): ClientStore | undefined {
  try {
    return new WebStorageStore(window.sessionStorage);
  } catch (e) {
    console.warn('lawline: sessionStorage is not available; a reload starts a new session', e);
    return undefined;
  }
}
