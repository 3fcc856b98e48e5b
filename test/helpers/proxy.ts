import net from 'node:net';

/**
 * A TCP proxy in front of the server, so a test can cut or stall the network between a
 * client and the node without touching either.
 */
export class FaultyProxy {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private stalled: 'none' | 'both' | 'replies' = 'none';
  /** Set by `blackhole()`: a side's close is not passed on either, until `resume()`. */
  private holed = false;
  private readonly closedInHole = new Set<[net.Socket, net.Socket]>();
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<FaultyProxy> {
    let proxy: FaultyProxy | undefined;
    const server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      const pair: [net.Socket, net.Socket] = [client, upstream];
      proxy?.pairs.add(pair);
      const forward = (from: net.Socket, to: net.Socket, isReply: boolean) =>
        from.on('data', (d) => {
          const stalled = proxy?.stalled ?? 'none';
          if (stalled === 'none' || (stalled === 'replies' && !isReply)) to.write(d);
        });
      forward(client, upstream, false);
      forward(upstream, client, true);
      const end = () => {
        if (proxy?.holed) return void proxy.closedInHole.add(pair);
        client.destroy();
        upstream.destroy();
        proxy?.pairs.delete(pair);
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    proxy = new FaultyProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** Drops every connection at once, as a network failure would (no close handshake). */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.pairs.clear();
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
