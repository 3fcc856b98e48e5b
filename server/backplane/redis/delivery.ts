import { randomBytes } from 'node:crypto';
import type { RedisOptions } from 'ioredis';
import type { Delivery, NodeMessage } from '../delivery.ts';
import { DEADLINES, Probe, type DeadlineOptions } from '../../probe.ts';
import { commandOptions, connected, createRedis, type RedisClient } from './connect.ts';
import { DELIVERY_SCRIPTS, type DeliveryScriptName } from './delivery-scripts.ts';

export interface RedisDeliveryOptions {
  /** `redis://host:port`, or a Redis Cluster: `redis+cluster://host1:port1,host2:port2,…` (see connect.ts). */
  url: string;
  /** The deployment's key prefix, shared with the backplane: `{<prefix>}` hash-tags every key. */
  prefix: string;
  nodeId?: string;
  /** A node that stops renewing for this long is dead to the others. */
  ttlMs?: number;
  /** Deliveries kept per node for gap repair. */
  streamCap?: number;
  redis?: RedisOptions;
  onError?: (e: unknown) => void;
  /** Deadline of every command (the subscriber's too), and the readiness probe (defaults: `DEADLINES`). */
  deadline?: DeadlineOptions;
}

const RETRY_MS = 100;
const RETRY_WINDOW_MS = 10_000;
const RETRY_MAX_MESSAGES = 10_000;

type Batch = { epoch: string; seq: number; messages: NodeMessage[] };

/**
 * Cross-node delivery over Redis: each node listens on its own sharded channel; a batch of
 * pushes for sessions on other nodes is one script call per event-loop turn, which writes one
 * stream entry and one SPUBLISH per target node (`delivery-scripts.ts`). Pub/sub drops what
 * is sent while a subscriber reconnects, so batches carry a per-node sequence: a gap is read
 * back from the node's stream, and one the stream no longer holds is reported (`onLost`),
 * never skipped silently. Commands fail fast while Redis is down (no offline queue).
 */
export class RedisDelivery implements Delivery {
  onMessage: (message: NodeMessage) => void = () => undefined;
  onLost: (reason: string) => void = () => undefined;
  readonly nodeId: string;
  private readonly tag: string;
  private readonly ttlMs: number;
  private readonly cap: number;
  private epoch = '';
  private lastSeq = 0;
  /** Batches that arrived while a gap was being repaired, in arrival order. */
  private held: Batch[] = [];
  private repairing = false;
  private outbox: NodeMessage[] = [];
  private flushing = false;
  private readonly keys = new Set<string>();
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  /** When sending to Redis started failing, while it does. */
  private failingSince: number | undefined;
  private alive = false;
  private closed = false;
  private readonly probe: Probe;

  private constructor(
    private readonly redis: RedisClient,
    private readonly sub: RedisClient,
    private readonly options: RedisDeliveryOptions & { nodeId: string },
    deadline: DeadlineOptions,
  ) {
    this.nodeId = options.nodeId;
    this.tag = `{${options.prefix}}`;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.cap = options.streamCap ?? 10_000;
    // Both connections: a subscriber that no longer answers receives nothing either. PING is
    // one of the few commands a subscribed connection may send; not while it reconnects, when
    // its offline queue (see open) would keep every probe of a long outage to send afterwards.
    const ping = () => (this.sub.status === 'ready' ? this.sub.ping() : Promise.reject(new Error(`redis subscriber is ${this.sub.status}`)));
    this.probe = new Probe('redis (delivery)', deadline, () => Promise.all([this.redis.exists(`${this.tag}:probe`), ping()]));
  }

  static async open(options: RedisDeliveryOptions): Promise<RedisDelivery> {
    const deadline = options.deadline ?? DEADLINES.redis;
    const base: RedisOptions = { ...commandOptions(deadline.timeoutMs), ...options.redis };
    const nodeId = options.nodeId ?? `n_${randomBytes(6).toString('base64url')}`;
    // Named, so an operator (or a fault test) can tell a node's connections apart in CLIENT LIST.
    const redis = createRedis(options.url, { ...base, connectionName: `lawline:${nodeId}:cmd` });
    // The subscriber must queue its SSUBSCRIBE across a reconnect, so it alone keeps an offline queue (one command).
    const sub = createRedis(options.url, { ...base, enableOfflineQueue: true, connectionName: `lawline:${nodeId}:sub` });
    for (const [name, lua] of Object.entries(DELIVERY_SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 1, lua });
    const delivery = new RedisDelivery(redis, sub, { ...options, nodeId }, deadline);
    redis.on('error', (e) => delivery.options.onError?.(e));
    sub.on('error', (e) => delivery.options.onError?.(e));
    await Promise.all([redis.connect(), sub.connect()]);
    await delivery.start();
    return delivery;
  }

  private run<T>(name: DeliveryScriptName, ...args: (string | number)[]): Promise<T> {
    return (this.redis as unknown as Record<DeliveryScriptName, (...a: (string | number)[]) => Promise<T>>)[name](this.tag, ...args);
  }

  private async start(): Promise<void> {
    this.sub.on('smessage', (_channel: string, raw: string) => this.received(raw));
    // After a reconnect the subscription is restored by ioredis; what was published meanwhile is in the stream.
    this.sub.on('ready', () => void this.catchUp());
    // On a cluster the subscriber is a connection of its own per master, which ioredis replaces
    // (and subscribes again) without the Cluster itself leaving 'ready'.
    this.sub.on('subscribersReady', () => void this.catchUp());
    await this.sub.ssubscribe(`${this.tag}:n:${this.nodeId}`);
    await this.register();
    // Back from a disconnect: not ready until Redis is known to still hold this node (or it registered again).
    this.redis.on('close', () => (this.alive = false));
    this.redis.on('ready', () => void this.renew());
    this.renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.ttlMs / 4)));
    this.renewTimer.unref();
  }

  /** A fresh epoch: the sequence starts over, and every key this node listens on is registered again. */
  private async register(): Promise<void> {
    this.epoch = randomBytes(6).toString('base64url');
    this.lastSeq = 0;
    this.held = [];
    await this.run('register', this.nodeId, this.epoch, this.ttlMs, this.cap);
    if (this.keys.size) await this.run('listen', this.nodeId, ...this.keys);
    this.alive = true;
  }

  /** One renewal at a time: the timer and a reconnect may both ask, and two would register twice. */
  private renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    if (this.closed) return;
    try {
      const kept = await this.run<number>('renew', this.nodeId, this.epoch, this.ttlMs);
      if (kept === 1) {
        this.alive = true;
        return;
      }
      // Redis restarted empty, or this node was away past its lease: others took it for dead.
      await this.register();
      this.onLost('this node was unknown to Redis (restarted, or the node was unreachable past its lease)');
    } catch (e) {
      this.alive = false;
      this.options.onError?.(e);
    }
  }

  ready(): boolean {
    return this.alive && connected(this.redis, this.tag) && this.sub.status === 'ready' && this.probe.healthy;
  }

  async listen(key: string): Promise<void> {
    this.keys.add(key);
    await this.run('listen', this.nodeId, key);
  }

  unlisten(key: string): void {
    this.keys.delete(key);
    this.run('unlisten', this.nodeId, key).catch((e: unknown) => this.options.onError?.(e));
  }

  send(message: NodeMessage): void {
    this.outbox.push(message);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    if (delayMs === 0) setImmediate(() => void this.flush());
    else setTimeout(() => void this.flush(), delayMs).unref();
  }

  /**
   * One script call for everything sent since the last one; one call in flight at a time, so
   * batches leave in order. While Redis is unreachable they wait and are retried, for a
   * bounded time and size: a blip loses nothing (a retry after a lost reply may deliver a
   * batch twice; chat messages carry seqs the SDK deduplicates). Past the bound they are
   * dropped: chat gaps are then filled by clients from history, and a node Redis forgot starts
   * its sessions over.
   */
  private async flush(): Promise<void> {
    const batch = this.outbox;
    this.outbox = [];
    const args: (string | number)[] = [this.nodeId, this.cap, batch.length];
    for (const m of batch) args.push(m.to.length, ...m.to, JSON.stringify(m));
    let retryIn = 0;
    try {
      await this.run('deliver', ...args);
      this.failingSince = undefined;
    } catch (e) {
      this.options.onError?.(e);
      this.failingSince ??= Date.now();
      if (Date.now() - this.failingSince < RETRY_WINDOW_MS && batch.length + this.outbox.length <= RETRY_MAX_MESSAGES) {
        this.outbox = [...batch, ...this.outbox];
        retryIn = RETRY_MS;
      }
    }
    this.flushing = false;
    if (this.outbox.length) this.schedule(retryIn);
  }

  private received(raw: string): void {
    const a = raw.indexOf(' ');
    const b = raw.indexOf(' ', a + 1);
    const batch: Batch = { epoch: raw.slice(0, a), seq: Number(raw.slice(a + 1, b)), messages: JSON.parse(raw.slice(b + 1)) as NodeMessage[] };
    if (batch.epoch !== this.epoch) return;
    if (this.repairing) {
      this.held.push(batch);
      return;
    }
    if (batch.seq === this.lastSeq + 1) return this.deliver(batch);
    if (batch.seq <= this.lastSeq) return;
    this.held.push(batch);
    void this.repair();
  }

  private deliver(batch: Batch): void {
    this.lastSeq = batch.seq;
    for (const m of batch.messages) {
      try {
        this.onMessage(m);
      } catch (e) {
        this.options.onError?.(e);
      }
    }
  }

  /** Reads what came after `lastSeq` from the stream, then whatever was held meanwhile. */
  private async catchUp(): Promise<void> {
    if (this.closed || !this.epoch) return;
    await this.repair();
  }

  private async repair(): Promise<void> {
    if (this.repairing) return;
    this.repairing = true;
    try {
      const epoch = this.epoch;
      const entries = (await this.redis.xrange(`${this.tag}:nd:${this.nodeId}`, `${this.lastSeq + 1}-1`, '+')) as [string, string[]][];
      if (epoch !== this.epoch) return;
      const fromStream = entries.map(([id, fields]): Batch => ({ epoch, seq: Number(id.split('-')[0]), messages: JSON.parse(fields[1] as string) as NodeMessage[] }));
      const pending = [...fromStream, ...this.held].sort((x, y) => x.seq - y.seq);
      this.held = [];
      const wanted = this.lastSeq + 1;
      const lowest = pending[0]?.seq;
      if (lowest !== undefined && lowest > wanted) {
        // The stream is capped: what it no longer holds cannot come back from Redis.
        this.lastSeq = lowest - 1;
        this.onLost(`deliveries ${wanted}..${this.lastSeq} to this node are gone from the stream`);
      }
      for (const batch of pending) if (batch.seq === this.lastSeq + 1) this.deliver(batch);
    } catch (e) {
      this.options.onError?.(e);
    } finally {
      this.repairing = false;
    }
    // Whatever arrived past a gap the stream could not fill: go again.
    if (this.held.length) void this.repair();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.renewTimer);
    this.probe.stop();
    this.sub.disconnect();
    await this.redis.quit().catch(() => undefined);
  }
}
