import type { PushData } from '../../protocol/frames.ts';
import type { LawyerPresence, PresencePort, PresenceSummary } from '../backplane/presence-port.ts';
import type { Offer, QueueEntry, QueuePort } from '../backplane/queue-port.ts';
import type { Logger } from '../log.ts';
import type { RoutingMetrics } from '../metrics.ts';
import type { Pusher } from '../session/pusher.ts';
import { queryFor, type Strategy, type Widening } from './match.ts';
import { WaitEstimator } from './wait-estimate.ts';

const REPORT_MS = 100;

export interface RoutingConfig {
  /** auto: the router offers consultations to lawyers on duty; manual: lawyers pick from the queue. */
  mode: 'auto' | 'manual';
  strategy: Strategy;
  offerTimeoutMs: number;
  /** Offers in a row a lawyer lets time out before being set away. */
  maxMissedOffers: number;
  /** How long a request waits for the lawyer the citizen chose (or a transfer named) before anyone may take it. */
  preferredWaitMs: number;
  widening: Widening;
  /** How often offers and leases are checked for expiry and widened requests re-matched. */
  tickMs: number;
}

export interface RouterDeps {
  presence: PresencePort;
  queue: QueuePort;
  pusher: Pusher;
  now: () => number;
  log: Logger;
  config: RoutingConfig;
  /** What an offer shows: the consultation's view and, after a transfer, the handover note. */
  offerView: (consultationId: string) => Promise<Omit<PushData<'offer'>, 'expiresAt'> | undefined>;
  /** The router set a lawyer away (offers missed in a row), or ended their wrap-up (no reason). */
  onPresenceChanged: (presence: LawyerPresence, reason?: 'missed-offers') => void;
  /** A lawyer's presence lease ran out (their node stopped renewing it): off duty. */
  onLeaseExpired: (lawyerId: string) => Promise<void>;
  metrics?: RoutingMetrics;
  /** In a cluster every node's router matches, but only the one leading the deployment's jobs tells citizens their place (once, not once per node). */
  leads?: () => boolean;
}

/**
 * Automatic routing: matches queued consultations to lawyers on duty and offers each to one
 * lawyer at a time. All shared state is in the backplane and every claim is atomic there,
 * so several routers (one per node) may run at once. A match round runs on every event that
 * can make a match possible (request, duty change, decline, release) and on a tick, which
 * also expires offers, leases and wrap-ups and widens long-waiting requests by region.
 */
export class Router {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly positions = new Map<string, string>();
  private reportedAt = -Infinity;
  private trailing: NodeJS.Timeout | undefined;
  readonly waits = new WaitEstimator();

  constructor(private readonly deps: RouterDeps) {}

  get preferredWaitMs(): number {
    return this.deps.config.preferredWaitMs;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.config.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.trailing);
  }

  /** Asks for a match round; rounds never overlap, and one asked for during a round follows it. */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    // finally() runs asynchronously, so it always clears after this assignment.
    const running = this.loop().finally(() => (this.running = undefined));
    this.running = running;
    return running;
  }

  /** Resolves when no round is running or asked for (tests wait on it between steps). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async tick(): Promise<void> {
    const now = this.deps.now();
    try {
      for (const offer of await this.deps.queue.expiredOffers(now)) await this.timedOut(offer);
      for (const lawyerId of await this.deps.presence.expiredLeases(now)) await this.deps.onLeaseExpired(lawyerId);
      // Each ended once, on whichever node asks first; the round below may offer them work.
      for (const presence of await this.deps.presence.endDueWrapUps(now)) this.deps.onPresenceChanged(presence);
    } catch (e) {
      this.deps.log.error({ err: e }, 'routing tick failed');
    }
    await this.kick();
  }

  /** The offered lawyer declined: the next lawyer is tried. */
  async decline(consultationId: string, lawyerId: string): Promise<boolean> {
    const rejected = await this.deps.queue.reject(consultationId, lawyerId, 'declined');
    if (!rejected.ok) return false;
    this.offerEnded(rejected.offer, 'declined');
    void this.kick();
    return true;
  }

  /** Tells the lawyer's devices that `offer` is over, naming it by its `expiresAt`: one that reaches a device before its offer (from another node) stops it showing. */
  offerEnded(offer: Offer, outcome: 'accepted' | 'declined' | 'timeout' | 'withdrawn'): void {
    this.deps.metrics?.offers.inc({ outcome });
    this.deps.pusher.push([`u:${offer.lawyerId}`], 'offer.ended', { consultationId: offer.consultationId, outcome, expiresAt: offer.expiresAt });
  }

  /**
   * The offers out to a lawyer, as their pushes: a device that attaches (perhaps on another node,
   * its own having died) rings again. Only those still out once their records are read: one
   * withdrawn meanwhile had its offer.ended pushed to the lawyer's devices, this one among them.
   */
  async offersFor(lawyerId: string): Promise<PushData<'offer'>[]> {
    const theirs = async () => (await this.deps.queue.listOffers()).filter((o) => o.lawyerId === lawyerId);
    const out: PushData<'offer'>[] = [];
    for (const offer of await theirs()) {
      const view = await this.deps.offerView(offer.consultationId);
      if (view) out.push({ ...view, expiresAt: offer.expiresAt });
    }
    if (!out.length) return out;
    const still = new Set((await theirs()).map((o) => `${o.consultationId}\u0000${o.expiresAt}`));
    return out.filter((o) => still.has(`${o.consultation.id}\u0000${o.expiresAt}`));
  }

  /** A consultation left the queue (taken, cancelled): forget what its citizen was last told. */
  forget(consultationId: string): void {
    this.positions.delete(consultationId);
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.round();
      } while (this.again);
    } catch (e) {
      this.deps.log.error({ err: e }, 'routing round failed');
    }
  }

  private async round(): Promise<void> {
    const { presence, queue: queuePort, config, now } = this.deps;
    const queue = await queuePort.listQueue();
    let moved = false;
    if (config.mode === 'auto' && queue.length) {
      const offered = new Set((await queuePort.listOffers()).map((o) => o.consultationId));
      for (const entry of queue) {
        if (offered.has(entry.consultationId)) continue;
        const t = now();
        // A few of the best: another router may take the first between our read and our claim.
        const lawyers = await presence.findLawyers(queryFor(entry, t, config.widening, config.strategy, 3));
        if (lawyers.length && (await this.offer(entry, lawyers, t))) moved = true;
      }
    }
    await this.report(moved ? await queuePort.listQueue() : queue);
  }

  /** Queue positions and gauges, at most every REPORT_MS (under load a round runs per request); a skipped one follows. */
  private async report(queue: readonly QueueEntry[]): Promise<void> {
    const t = this.deps.now();
    const wait = this.reportedAt + REPORT_MS - t;
    if (wait > 0) {
      // Only the report follows, not a match round: matching runs on events and ticks.
      this.trailing ??= setTimeout(() => {
        this.trailing = undefined;
        void this.deps.queue
          .listQueue()
          .then((q) => this.report(q))
          .catch((e) => this.deps.log.error({ err: e }, 'routing report failed'));
      }, wait);
      return;
    }
    this.reportedAt = t;
    const summary = await this.deps.presence.summary();
    if (this.deps.leads?.() !== false) this.tellPositions(queue, summary, new Set((await this.deps.queue.listOffers()).map((o) => o.consultationId)));
    this.gauge(queue, summary);
  }

  private gauge(queue: readonly QueueEntry[], summary: PresenceSummary): void {
    const m = this.deps.metrics;
    if (!m) return;
    const count = <K extends string>(keys: K[]) => keys.reduce((acc, k) => acc.set(k, (acc.get(k) ?? 0) + 1), new Map<K, number>());
    const set = (gauge: RoutingMetrics['queueLength'], label: string, counts: Map<string, number>) => {
      const present = new Set<string>();
      for (const [value, n] of counts) {
        gauge.set({ [label]: value }, n);
        present.add(gauge.key({ [label]: value }));
      }
      gauge.zeroOthers(present);
    };
    set(m.queueLength, 'category', count(queue.map((e) => e.category)));
    set(m.lawyers, 'state', new Map(Object.entries(summary.byState)));
  }

  /**
   * Offers the request to the first of `lawyers` the backplane lets have it. What the offer shows
   * is read first, and the offer pushed in the step that claimed it: a cancel or a conversion
   * withdraws an offer only after its claim and pushes offer.ended after that, so the lawyer
   * hears of the offer first on one node. Across nodes each node delivers its own pushes, and
   * the offer.ended may arrive first: it names the offer (its expiresAt), and the SDK drops an
   * offer that arrives after its end (clients/sdk/offers.ts). Read after the claim, the record could come back after the
   * offer was withdrawn, and the offer reach the lawyer after its offer.ended, ringing for
   * nothing until it timed out. A read for a claim another router wins is wasted.
   */
  private async offer(entry: QueueEntry, lawyers: readonly string[], t: number): Promise<boolean> {
    const { queue, config } = this.deps;
    const view = await this.deps.offerView(entry.consultationId);
    if (!view) {
      // Gone from the store (cannot happen unless records were removed): do not leave it queued.
      const { withdrawn } = await queue.dequeue(entry.consultationId);
      if (withdrawn) this.offerEnded(withdrawn, 'withdrawn');
      return false;
    }
    for (const lawyerId of lawyers) {
      const expiresAt = t + config.offerTimeoutMs;
      const claim = await queue.offer(entry.consultationId, lawyerId, expiresAt, t);
      if (claim.reason === 'not-queued' || claim.reason === 'already-offered') return false;
      if (!claim.ok) continue;
      this.deps.metrics?.offers.inc({ outcome: 'offered' });
      this.deps.pusher.push([`u:${lawyerId}`], 'offer', { ...view, expiresAt });
      return true;
    }
    return false;
  }

  private async timedOut(offer: Offer): Promise<void> {
    const { ok, presence } = await this.deps.queue.reject(offer.consultationId, offer.lawyerId, 'timeout');
    if (!ok) return;
    this.offerEnded(offer, 'timeout');
    if (presence && presence.state === 'available' && presence.missedOffers >= this.deps.config.maxMissedOffers) {
      const away = await this.deps.presence.setLawyerState(offer.lawyerId, 'away');
      if (away) this.deps.onPresenceChanged(away, 'missed-offers');
    }
  }

  /**
   * Each waiting citizen hears their place among requests of the same category, whether a lawyer
   * is being offered theirs now (never which: the lawyer has not said yes), and whether anyone
   * serves the category at all, when any of them changes. Each report reads the offers out, so a citizen hears of an offer within a report
   * interval of it, and of its end (declined, timed out) at the round that follows.
   */
  private tellPositions(queue: readonly QueueEntry[], summary: PresenceSummary, offered: ReadonlySet<string>): void {
    for (const { entry, position, estimatedWaitMs, served } of placesIn(queue, summary, this.waits)) {
      const ringing = offered.has(entry.consultationId);
      const told = `${position}:${Math.round(estimatedWaitMs / 5000)}:${ringing}:${served}`;
      if (this.positions.get(entry.consultationId) === told) continue;
      this.positions.set(entry.consultationId, told);
      this.deps.pusher.push([`u:${entry.citizenId}`], 'queue.position', { consultationId: entry.consultationId, position, estimatedWaitMs, offered: ringing, nobodyOnDuty: !served });
    }
  }
}

/** Where each queued request stands: its place among requests of its category (1 is next), the expected wait, and whether anyone serves the category. */
export function placesIn(queue: readonly QueueEntry[], summary: PresenceSummary, waits: WaitEstimator): { entry: QueueEntry; position: number; estimatedWaitMs: number; served: boolean }[] {
  const ahead = new Map<string, number>();
  return queue.map((entry) => {
    const position = (ahead.get(entry.category) ?? 0) + 1;
    ahead.set(entry.category, position);
    const serving = summary.slotsByCategory[entry.category] ?? 0;
    return { entry, position, estimatedWaitMs: waits.estimate(position, serving), served: serving > 0 };
  });
}
