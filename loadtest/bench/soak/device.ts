// One person's device in the soak: the real SDK client, over a socket the soak can cut the
// ways networks and phones do, counting how each reconnect came back (resumed or snapshot).
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { LawlineClient } from '../../../clients/sdk/index.ts';

/**
 * reset: TCP RST (the connection torn down by a middlebox); vanish: FIN with no close frame
 * (the app killed); close: a clean close handshake (1000: the SDK still resumes); silent:
 * nothing either way until the heartbeats give up (the node's and the SDK's, both after two
 * intervals), then the socket dies (a phone in a tunnel).
 */
export const DROP_KINDS = ['reset', 'vanish', 'close', 'silent'] as const;
export type DropKind = (typeof DROP_KINDS)[number];

/** How the reconnects after the soak's own drops came back, and closes the soak did not cause. */
export interface ReconnectCounts {
  drops: Record<DropKind, number>;
  /** brief drops (back within the resume window) that resumed, and those that got a snapshot instead */
  briefResumed: number;
  briefSnapshot: number;
  /** stays past the resume window: a snapshot is expected */
  longResumed: number;
  longSnapshot: number;
  /** long stays the end of the run cut short (everyone comes back for the last checks): either outcome is right */
  cutResumed: number;
  cutSnapshot: number;
  /** closes by the node the soak did not ask for, by close code */
  unplanned: Record<string, number>;
  /** SDK clients that gave up (terminal close code) */
  terminated: number;
}

export const newReconnectCounts = (): ReconnectCounts => ({
  drops: { reset: 0, vanish: 0, close: 0, silent: 0 },
  briefResumed: 0,
  briefSnapshot: 0,
  longResumed: 0,
  longSnapshot: 0,
  cutResumed: 0,
  cutSnapshot: 0,
  unplanned: {},
  terminated: 0,
});

export class Device {
  readonly client: LawlineClient;
  private ws: WebSocket | undefined;
  private tcp: Socket | undefined;
  /** Until then every connection attempt goes to `deadUrl`, where nothing listens: off the network. */
  private offlineUntil = 0;
  /** Set from our drop until the next hello: what kind of return is expected. */
  private away: 'brief' | 'long' | 'cut' | undefined;
  /**
   * The socket we cut, until it reports closed. Not a flag on the device: the SDK may give that
   * socket up first (it notices a silent server) and open the next before the old one closes.
   */
  private dropped: WebSocket | undefined;

  constructor(
    readonly id: string,
    url: string,
    token: string,
    deadUrl: string,
    /** the loopback address this device connects from (the node caps connections per address) */
    localAddress: string,
    private readonly counts: ReconnectCounts,
  ) {
    const device = this;
    // The SDK constructs its sockets itself; this class hands each one to the device as it is made.
    class SoakSocket extends WebSocket {
      constructor(address: string, protocols: string | string[]) {
        super(Date.now() < device.offlineUntil ? deadUrl : address, protocols, { perMessageDeflate: false, localAddress });
        device.ws = this;
        device.tcp = undefined;
        this.on('upgrade', (res) => (device.tcp = res.socket));
        this.on('close', (code) => device.socketClosed(this, code));
      }
    }
    this.client = new LawlineClient({ url, token, WebSocket: SoakSocket });
    this.client.on('resumed', () => this.returned(true));
    this.client.on('snapshot', () => this.returned(false));
    this.client.on('terminated', () => counts.terminated++);
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.ws !== this.dropped && this.away === undefined;
  }

  get absent(): boolean {
    return this.away === 'long' || this.away === 'cut';
  }

  /** Cuts the connection `kind`'s way; with `awayMs`, the device then stays off the network that long. */
  drop(kind: DropKind, silentMs: number, awayMs = 0): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.dropped) return;
    this.counts.drops[kind]++;
    this.dropped = ws;
    this.away = awayMs > 0 ? 'long' : 'brief';
    this.offlineUntil = Date.now() + awayMs;
    // An open socket has been upgraded, so `tcp` is there; were it not, the socket just vanishes.
    const tcp = this.tcp;
    if (kind === 'reset' && tcp) tcp.resetAndDestroy();
    else if (kind === 'close') ws.close(1000, 'soak');
    else if (kind === 'silent' && tcp) {
      // Neither reads nor writes reach the other side (the kernel still acks TCP segments):
      // the node hears nothing and closes at its heartbeat timeout; the device notices later.
      tcp.pause();
      tcp.cork();
      setTimeout(() => ws.terminate(), silentMs);
    } else ws.terminate();
  }

  /** Back on the network now (at the end of the run, so the last checks need not wait out a long stay). */
  comeBack(): void {
    if (this.away === 'long' && Date.now() < this.offlineUntil) this.away = 'cut';
    this.offlineUntil = 0;
  }

  private socketClosed(ws: WebSocket, code: number): void {
    if (ws === this.dropped) this.dropped = undefined;
    else if (ws === this.ws && this.away === undefined) this.counts.unplanned[code] = (this.counts.unplanned[code] ?? 0) + 1;
  }

  private returned(resumed: boolean): void {
    const away = this.away;
    if (away === undefined) return; // the first hello, or a return already counted
    this.away = undefined;
    if (away === 'brief') resumed ? this.counts.briefResumed++ : this.counts.briefSnapshot++;
    else if (away === 'long') resumed ? this.counts.longResumed++ : this.counts.longSnapshot++;
    else resumed ? this.counts.cutResumed++ : this.counts.cutSnapshot++;
  }
}
