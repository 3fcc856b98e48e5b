/**
 * Notices a connection that died without closing. A path that drops every packet (a blackhole,
 * a NAT or load balancer that forgot the flow) leaves the socket open while TCP retransmits
 * with a back-off that doubles each time: in test/network-faults.test.ts, three of eight clients
 * still sat on such sockets 21-28 s after a 30 s blackhole ended (the node had dropped them
 * 4 s in), until their retransmission timer next fired; after a longer outage, the wait grows
 * past the resume window. So the client listens for the server: after `pingAfterMs` with no
 * frame it asks (a `ping` request: the server's WebSocket pings are invisible to a browser's
 * WebSocket), and after `deadAfterMs` it gives the socket up and reconnects.
 */
export class Liveness {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastHeard = 0;
  private pinged = false;

  constructor(
    private readonly ping: () => void,
    private readonly dead: () => void,
  ) {}

  /** Watches a new connection (or one just greeted); without `pingAfterMs` it only has a deadline. */
  watch(deadAfterMs: number, pingAfterMs?: number): void {
    this.stop();
    this.heard();
    // A quarter of the first deadline between checks: a dead socket is given up at most 25% late.
    this.timer = setInterval(
      () => {
        const silent = Date.now() - this.lastHeard;
        if (silent >= deadAfterMs) {
          this.stop();
          this.dead();
        } else if (pingAfterMs !== undefined && silent >= pingAfterMs && !this.pinged) {
          this.pinged = true;
          this.ping();
        }
      },
      Math.max(50, Math.floor((pingAfterMs ?? deadAfterMs) / 4)),
    );
  }

  /** Any frame from the server. */
  heard(): void {
    this.lastHeard = Date.now();
    this.pinged = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
