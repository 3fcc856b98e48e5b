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
  /** Which of the urls to use now; moves on when a node drains, is full or fails twice in a row. */
  private urlIndex = 0;
  /** Urls given up on since the last hello answered: not tried again while another is left. */
  private readonly failed = new Set<number>();

  constructor(
    private readonly urls: readonly string[],
    private readonly backoff: { minDelayMs: number; maxDelayMs: number },
    private readonly canRefreshToken: boolean,
  ) {}

  get url(): string {
    return this.urls[this.urlIndex] as string;
  }

  get reconnecting(): boolean {
    return this.attempt > 0;
  }

  helloAnswered(): void {
    this.attempt = 0;
    this.earlyDeaths = 0;
    this.greeted = true;
    this.failed.clear();
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
    // twice is likely gone: try another. (Once is a blip: the session lives on its node, and
    // only there can it be resumed.)
    if (code === CloseCode.DRAINING || code === CloseCode.CONNECTION_LIMIT || this.attempt >= 1) this.moveOn();
    const { minDelayMs, maxDelayMs } = this.backoff;
    return { kind: 'retry', delayMs: Math.random() * Math.min(maxDelayMs, minDelayMs * 2 ** this.attempt++) };
  }

  /**
   * To a url drawn at random from those not given up on (all but this one, once every one has
   * been): the clients of a node that died spread over the others. Each moved on to the next in
   * the list, and that one node took every hello at once while the others idled: in
   * test/cluster-failover.test.ts, 100 sessions of a killed node of three all went to the
   * second, the slowest answered 2.7 s after the first on a busy machine.
   */
  private moveOn(): void {
    this.failed.add(this.urlIndex);
    let left = this.urls.map((_, i) => i).filter((i) => !this.failed.has(i));
    if (!left.length) {
      // Every one failed: start over, from any other.
      this.failed.clear();
      this.failed.add(this.urlIndex);
      left = this.urls.map((_, i) => i).filter((i) => i !== this.urlIndex);
    }
    this.urlIndex = left[Math.floor(Math.random() * left.length)] ?? this.urlIndex;
  }
}
