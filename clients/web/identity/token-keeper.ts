import type { Result } from '../../../protocol/result.ts';
import type { DevTokenError } from './dev-token.ts';
import type { Identity } from './identity.ts';

/** Renew once this share of the token's life has passed: an 8-hour development token at 6 hours, leaving 2 for retries. */
const RENEW_AT = 0.75;
/** A renewal that failed on the network or a 5xx is tried again this much later (until the token expires). */
const RETRY_MS = 30_000;
/** setTimeout fires at once for delays above 2^31-1 ms (24.8 days): longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface KeeperDeps {
  /** Asks for a fresh token for the same identity; undefined where this kind of token is not renewable. */
  renew: ((identity: Identity) => Promise<Result<Identity, DevTokenError>>) | undefined;
  renewed: (identity: Identity) => void;
  /** The token expired, or the server refused to renew it: the person must sign in again. */
  lost: (why: 'expired' | 'refused') => void;
  now?: () => number;
}

/**
 * Keeps a signed-in identity's token valid: renews it before it expires, and says when it is
 * lost. `token()` is what the SDK calls before every hello, so a reconnect after a renewal
 * (or after the tab slept past the renewal time) presents a current token.
 */
export class TokenKeeper {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private renewing: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private identity: Identity,
    private readonly deps: KeeperDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.schedule();
  }

  /** A token to present now: renewed first if it is due (or past due) for renewal. */
  async token(): Promise<string> {
    if (this.now() >= this.renewAt()) await this.renew();
    return this.identity.token;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private renewAt(): number {
    const { issuedAt, expiresAt } = this.identity;
    return issuedAt + (expiresAt - issuedAt) * RENEW_AT;
  }

  private schedule(delay = this.renewAt() - this.now()): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.renew(), Math.max(0, Math.min(delay, MAX_TIMER_MS)));
  }

  /** One renewal at a time: the timer and a reconnect may both ask. */
  private renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    if (this.stopped) return;
    if (this.now() < this.renewAt()) return this.schedule();
    const expired = this.now() >= this.identity.expiresAt;
    if (!this.deps.renew) return expired ? this.lose('expired') : this.schedule(this.identity.expiresAt - this.now());
    const result = await this.deps.renew(this.identity);
    if (this.stopped) return;
    if (result.ok) {
      this.identity = result.value;
      this.deps.renewed(result.value);
      return this.schedule();
    }
    console.warn('lawline: token renewal failed', result.error);
    if (result.error.kind === 'refused') return this.lose(this.now() >= this.identity.expiresAt ? 'expired' : 'refused');
    if (this.now() >= this.identity.expiresAt) return this.lose('expired');
    this.schedule(Math.min(RETRY_MS, this.identity.expiresAt - this.now()));
  }

  private lose(why: 'expired' | 'refused'): void {
    this.stop();
    this.deps.lost(why);
  }
}
