import net from 'node:net';

/**
 * A TCP proxy in front of the server, so a test can cut or stall the network between a
 * client and the node without touching either.
 */
export class FaultyProxy {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private stalled: 'none' | 'both' | 'replies' = 'none';
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

  resume(): void {
    this.stalled = 'none';
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((r) => this.server.close(() => r()));
  }
}
