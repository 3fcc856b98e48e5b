import { CloseCode, ErrorCode } from '../../../protocol/errors.ts';
import { err, ok, type Result } from '../../../protocol/result.ts';
import { LawlineError, type LawlineClient } from '../../sdk/index.ts';
import { assistantToken, devToken, type DevSignIn, type DevTokenError } from '../identity/dev-token.ts';
import type { Identity } from '../identity/identity.ts';
import { clearIdentity, onSavedIdentityChange, saveIdentity } from '../identity/saved.ts';
import { TokenKeeper } from '../identity/token-keeper.ts';
import { signedOut, type AppState, type AppStore } from '../state/app-state.ts';
import { createClient, forgetSession } from './connection.ts';
import { forgetDrafts, keepDrafts } from './keep-drafts.ts';
import { forgetRead, keepRead } from './keep-read.ts';
import { forgetScrollPlaces } from './keep-scroll.ts';
import { syncsFor } from './role-syncs.ts';
import { syncPending } from './sync-pending.ts';
import { CallDesk } from './calls.ts';

/** Close codes after which the token will not do: sign in again. */
const REFUSED = new Set<number>([CloseCode.NOT_AUTHENTICATED, CloseCode.AUTH_FAILED]);

interface Running {
  client: LawlineClient;
  keeper: TokenKeeper;
  offs: (() => void)[];
}

/**
 * Owns the signed-in person's connection: starts it for a kept or new identity, keeps the
 * token renewed, and ends it on sign-out or when the sign-in is lost. Everything it learns goes
 * into the store; screens reach the client only through `actions.ts`.
 */
export class SessionHost {
  private running: Running | undefined;
  /** The calls of the signed-in person's consultations (media streams: kept out of the store). */
  readonly calls = new CallDesk();

  constructor(private readonly store: AppStore) {}

  get client(): LawlineClient | undefined {
    return this.running?.client;
  }

  /** At page load: the identity kept from an earlier visit, if still valid, connects again; other tabs are followed from now on. */
  boot(): void {
    onSavedIdentityChange((saved) => this.otherTab(saved));
    const identity = this.store.get().identity;
    if (!identity) return;
    if (identity.expiresAt <= Date.now()) return this.lose(identity, 'expired');
    this.start(identity);
  }

  /**
   * Every tab of a browser shares the kept identity, so a sign-out (or someone else signing
   * in) in one tab holds for all: otherwise this tab would go on as a person the browser no
   * longer keeps, and its next renewal would save them back. A renewal there changes nothing here.
   */
  private otherTab(saved: Identity | undefined): void {
    if (saved?.id === this.store.get().identity?.id) return;
    this.end(this.store.get().identity);
    this.store.update((s) => ({ ...signedOut(s, undefined), identity: saved }));
    if (saved) this.start(saved);
  }

  async signIn(request: DevSignIn): Promise<Result<void, string>> {
    const issued = await devToken(request);
    if (!issued.ok) return err(issued.error.message);
    this.enter(issued.value, request);
    return ok(undefined);
  }

  /** An assistant signs in with the code their lawyer made; `refused` when the server will not take it (wrong, or expired). */
  async signInWithCode(code: string): Promise<Result<void, DevTokenError>> {
    const issued = await assistantToken(code);
    if (!issued.ok) return issued;
    this.enter(issued.value, this.store.get().lastSignIn);
    return ok(undefined);
  }

  private enter(identity: Identity, lastSignIn: AppState['lastSignIn']): void {
    saveIdentity(identity);
    this.store.update((s) => ({ ...s, identity, signInNotice: undefined, lastSignIn, lastAssistant: undefined }));
    this.start(identity);
  }

  signOut(): void {
    const identity = this.store.get().identity;
    this.end(identity);
    clearIdentity();
    if (identity) forget(identity.id);
    this.store.update((s) => signedOut(s, undefined));
  }

  private start(identity: Identity): void {
    this.stop();
    const keeper = new TokenKeeper(identity, {
      renew: renewal(identity),
      renewed: (i) => {
        saveIdentity(i);
        this.store.update((s) => ({ ...s, identity: i }));
      },
      lost: (why) => this.lose(identity, why),
    });
    const client = createClient(identity, () => keeper.token());
    const me = { id: identity.id, role: identity.role, name: identity.name };
    const offs = [
      client.on('state', (connection) => this.store.update((s) => ({ ...s, connection }))),
      client.on('terminated', ({ code }) => REFUSED.has(code) && this.lose(identity, 'refused')),
      ...syncsFor(identity.role).map((sync) => sync(client, this.store, me)),
      syncPending(client, this.store, me),
      keepDrafts(this.store, identity.id),
      keepRead(this.store, identity.id),
      this.calls.attach(client),
    ];
    this.running = { client, keeper, offs };
    client.connect().then((hello) => this.calls.hello(hello)).catch((e: unknown) => {
      // The lawyer's three seats are taken: say so (a plain refusal would send them looking for a bad code).
      if (e instanceof LawlineError && e.code === ErrorCode.ASSISTANT_LIMIT) return this.lose(identity, 'assistant-limit');
      console.warn('lawline: could not connect', e);
    });
  }

  /**
   * Ends the connection. Without `forget` the tab keeps the session, the unsent messages and how
   * far it was shown (the SDK's store), for the next client on it; with it, nothing stays.
   */
  private stop(how: { forget?: boolean } = {}): void {
    const r = this.running;
    if (!r) return;
    this.running = undefined;
    r.offs.forEach((off) => off());
    r.keeper.stop();
    r.client.close(how);
  }

  /**
   * `identity` is no longer signed in on this browser (signed out here or in another tab, or
   * the sign-in lost): the connection ends and nothing of their session stays in the tab (an
   * expired identity found at load never connected, but the tab may still hold its session).
   */
  private end(identity: Identity | undefined): void {
    if (this.running) this.stop({ forget: true });
    else if (identity) forgetSession(identity);
  }

  /** The sign-in can no longer be used: back to the sign-in screen, saying why, with the form filled as before. */
  private lose(identity: Identity, why: 'expired' | 'refused' | 'assistant-limit'): void {
    this.end(identity);
    clearIdentity();
    forget(identity.id);
    if (identity.role === 'assistant') {
      // Turned away for want of a seat, the token still signs them in once one is free; expired or refused, it never will.
      const code = why === 'assistant-limit' ? identity.token : '';
      return this.store.update((s) => ({ ...signedOut(s, why), lastAssistant: { code, lawyerName: identity.lawyer?.name ?? '' } }));
    }
    const role = identity.role === 'lawyer' || identity.role === 'supervisor' ? identity.role : 'citizen';
    this.store.update((s) => ({ ...signedOut(s, why), lastSignIn: { role, name: identity.name, categories: identity.categories } }));
  }
}

/** What the page kept in localStorage for `identityId` besides the identity: drafts, scroll places, read marks. */
function forget(identityId: string): void {
  forgetDrafts(identityId);
  forgetScrollPlaces(identityId);
  forgetRead(identityId);
}

/** How the page renews a development identity's token; other tokens (from `npm run token`) are used until they expire. */
function renewal(identity: Identity): ((i: Identity) => Promise<Result<Identity, DevTokenError>>) | undefined {
  const { role } = identity;
  if (role === 'citizen' || role === 'lawyer' || role === 'supervisor') return (i) => devToken({ role, name: i.name, categories: i.categories }, i.token);
  // An assistant's own token renews it (same assistant, same lawyer); one without a lawyer did not come from the page.
  if (role === 'assistant' && identity.lawyer) return (i) => assistantToken(i.token);
  return undefined;
}
