import { closeAdvice, CloseCode, ErrorCode } from '../../protocol/errors.ts';
import { LawlineError } from './errors.ts';

/**
 * Connections in a row (per url) that the server accepted and then dropped before answering
 * hello without saying why, before a client that never got in gives up: a hello that is never
 * answered (one over a frame limit the client did not know, a proxy that cuts it) would
 * otherwise loop forever and connect() never settle. A client that got in once keeps trying:
 * its hello is known to pass, so such deaths are the network (a mobile link, a node under load)
 * — in a 60-minute soak on a busy machine, nine clients gave up for good that way.
 */
const EARLY_DEATHS_PER_URL = 3;

export type AfterClose =
  /** The close code says do not reconnect (or get a token this client cannot refresh). */
  | { kind: 'stop' }
  | { kind: 'give-up'; error: LawlineError }
  | { kind: 'retry'; delayMs: number };

/** Whether, when and where a client reconnects after its socket closed. */
export class ReconnectPolicy {
  private attempt = 0;
  private earlyDeaths = 0;
  private greeted = false;
  /** Which of the urls to use now; moves on when a node drains or fails twice in a row. */
  private urlIndex = 0;

  constructor(
    private readonly urls: readonly string[],
    private readonly backoff: { minDelayMs: number; maxDelayMs: number },
    private readonly canRefreshToken: boolean,
  ) {}

  get url(): string {
    return this.urls[this.urlIndex % this.urls.length] as string;
  }

  get reconnecting(): boolean {
    return this.attempt > 0;
  }

  helloAnswered(): void {
    this.attempt = 0;
    this.earlyDeaths = 0;
    this.greeted = true;
  }

  /** `opened`: the server accepted the socket; `helloAnswered`: it answered the hello on it. */
  afterClose(code: number, opened: boolean, helloAnswered: boolean): AfterClose {
    const advice = closeAdvice(code);
    if (advice === 'stop' || (advice === 'reauthenticate' && !this.canRefreshToken)) return { kind: 'stop' };
    // Cut before hello was answered without a code saying what to do (4000-4099 do: retry).
    if (!this.greeted && opened && !helloAnswered && !(code >= 4000 && code < 4100) && ++this.earlyDeaths >= EARLY_DEATHS_PER_URL * this.urls.length) {
      const message = `the server dropped the connection before answering hello ${this.earlyDeaths} times in a row (last close ${code}); is the hello (token) too large for it?`;
      return { kind: 'give-up', error: new LawlineError(ErrorCode.HELLO_NOT_ANSWERED, message) };
    }
    // A node that is draining is going away, a full one may stay full, and one that failed
    // twice is likely gone: try the next.
    if (code === CloseCode.DRAINING || code === CloseCode.CONNECTION_LIMIT || this.attempt >= 1) this.urlIndex++;
    const { minDelayMs, maxDelayMs } = this.backoff;
    return { kind: 'retry', delayMs: Math.random() * Math.min(maxDelayMs, minDelayMs * 2 ** this.attempt++) };
  }
}
