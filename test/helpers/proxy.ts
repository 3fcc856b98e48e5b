import net from 'node:net';

/** What one client connection sent first (its name, if it gave one) and, while held, has sent since. */
interface Sender {
  opening: string;
  name: string;
  held: Buffer[] | undefined;
}

/**
 * A TCP proxy in front of the server (or of Redis), so a test can cut or stall the network
 * between a client and the node without touching either, or hold back one named connection.
 */
export class FaultyProxy {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private readonly senders = new Map<net.Socket, Sender>();
  private holding: RegExp | undefined;
  private stalled: 'none' | 'both' | 'replies' = 'none';
  /** Set by `blackhole()`: a side's close is not passed on either, until `resume()`. */
  private holed = false;
  private readonly closedInHole = new Set<[net.Socket, net.Socket]>();
  /** Set by `blackholeOpen()`: connections whose traffic and closes go nowhere, for good. */
  private readonly dead = new Set<[net.Socket, net.Socket]>();
  /** Where new connections go: `retarget` moves them to a node restarted on another port. */
  private target = 0;
  /** New connections still to be cut as their first frame after the upgrade (the hello) passes. */
  private hellosToCut = 0;
  /** Set by `coalesceReplies()`: how long what the server sends waits to go on with what follows it. */
  private coalesceMs: number | undefined;
  private readonly gathering = new Map<net.Socket, Buffer[]>();
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<FaultyProxy> {
    let proxy: FaultyProxy | undefined;
    const server = net.createServer((client) => {
      const upstream = net.connect(proxy?.target ?? targetPort, '127.0.0.1');
      const pair: [net.Socket, net.Socket] = [client, upstream];
      proxy?.pairs.add(pair);
      const sender: Sender = { opening: '', name: '', held: undefined };
      proxy?.senders.set(upstream, sender);
      const cutHello = proxy !== undefined && proxy.hellosToCut > 0 && proxy.hellosToCut-- > 0;
      let written = 0;
      const forward = (from: net.Socket, to: net.Socket, isReply: boolean) =>
        from.on('data', (d: Buffer) => {
          if (proxy?.dead.has(pair)) return;
          // The client's second write is its first frame: the upgrade went through, the hello dies.
          if (cutHello && !isReply && ++written === 2) return void (client.destroy(), upstream.destroy());
          const stalled = proxy?.stalled ?? 'none';
          if (!(stalled === 'none' || (stalled === 'replies' && !isReply))) return;
          if (!isReply && proxy?.held(sender, d)) return;
          if (isReply && proxy?.coalesceMs !== undefined) return proxy.coalesced(to, d, proxy.coalesceMs);
          to.write(d);
        });
      forward(client, upstream, false);
      forward(upstream, client, true);
      const end = () => {
        if (proxy?.holed) return void proxy.closedInHole.add(pair);
        if (proxy?.dead.has(pair)) return;
        client.destroy();
        upstream.destroy();
        proxy?.pairs.delete(pair);
        proxy?.senders.delete(upstream);
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    proxy = new FaultyProxy(server, (server.address() as net.AddressInfo).port);
    proxy.target = targetPort;
    return proxy;
  }

  /** The next `n` new connections are cut as the client sends its hello: open, then gone without a close frame. */
  cutHellos(n: number): void {
    this.hellosToCut = n;
  }

  /** New connections go to `port` from now on (the node restarted there); open ones stay as they are. */
  retarget(port: number): void {
    this.target = port;
  }

  /** Drops every connection at once, as a network failure would (no close handshake). */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.pairs.clear();
    this.dead.clear();
  }

  /**
   * Silently discards traffic until `resume()`: both ways, or only what the server sends back
   * (`'replies'`: requests still arrive and are carried out, their answers are lost).
   */
  stall(which: 'both' | 'replies' = 'both'): void {
    this.stalled = which;
  }

  /**
   * Silently discards traffic both ways and keeps each side's socket open when the other closes,
   * as a path that drops every packet does: neither end hears anything. `resume()` resets the
   * connections whose other side closed meanwhile, as TCP does when a segment gets through.
   */
  blackhole(): void {
    this.stalled = 'both';
    this.holed = true;
  }

  /**
   * As `blackhole()`, but only for the connections open now whose first bytes match `opening`
   * (`/upgrade: websocket/i`: a page's WebSocket, not the HTTP connections it keeps alive), and
   * for good (`cut()` and `close()` end them); connections opened later pass. The path under a
   * page died and the page is reloaded over a new one, while the server still holds the old
   * connection until its heartbeat runs out. Returns how many went dead.
   */
  blackholeOpen(opening: RegExp): number {
    let n = 0;
    for (const pair of this.pairs) {
      if (!opening.test(this.senders.get(pair[1])?.opening ?? '')) continue;
      this.dead.add(pair);
      n++;
    }
    return n;
  }

  /**
   * From now on, what connections named like `name` send waits here, in order, until `release()`;
   * the server and every other connection carry on. A connection is named by the first name
   * `lawline:…` it sends (ioredis sends CLIENT SETNAME first: a node's delivery connections are
   * `lawline:<node>:cmd` and `:sub`), so a test can hold one node's cross-node pushes back
   * while its claims go through. Returns how many open connections are held.
   */
  hold(name: RegExp): number {
    this.holding = name;
    let n = 0;
    for (const sender of this.senders.values()) {
      if (!name.test(sender.name)) continue;
      sender.held ??= [];
      n++;
    }
    return n;
  }

  /** Sends on what was held, in order, and holds nothing more. */
  release(): void {
    this.holding = undefined;
    for (const [upstream, sender] of this.senders) {
      for (const d of sender.held ?? []) upstream.write(d);
      sender.held = undefined;
    }
  }

  /**
   * From now on, what the server sends to a client waits `ms` after its first bytes and goes on
   * in one write, so the client reads it at once: a hello's reply and the pushes that follow it
   * arrive together, as they do when the client's event loop is busy for that long.
   */
  coalesceReplies(ms: number): void {
    this.coalesceMs = ms;
  }

  private coalesced(to: net.Socket, d: Buffer, ms: number): void {
    const waiting = this.gathering.get(to);
    if (waiting) return void waiting.push(d);
    this.gathering.set(to, [d]);
    setTimeout(() => {
      const all = this.gathering.get(to) ?? [];
      this.gathering.delete(to);
      if (!to.destroyed) to.write(Buffer.concat(all));
    }, ms);
  }

  /** True if `d`, sent by `sender`, is held back. */
  private held(sender: Sender, d: Buffer): boolean {
    if (!sender.name && sender.opening.length < 4096) {
      sender.opening += d.toString('latin1');
      sender.name = /lawline:[^\r\n]+/.exec(sender.opening)?.[0] ?? '';
      if (sender.name && this.holding?.test(sender.name)) sender.held = [];
    }
    sender.held?.push(d);
    return sender.held !== undefined;
  }

  resume(): void {
    this.stalled = 'none';
    this.holed = false;
    for (const pair of this.closedInHole) {
      for (const socket of pair) if (!socket.destroyed) socket.resetAndDestroy();
      this.pairs.delete(pair);
    }
    this.closedInHole.clear();
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((r) => this.server.close(() => r()));
  }
}
