// The soak's driver side (run by ../driver.ts on its own core): connects everyone through the
// SDK, runs the population for the job's duration, prints a `SOAK_TICK {json}` line every
// tick for the orchestrator to sample the node against, then lets everyone back on the
// network, waits for the last messages and checks that none was lost or doubled.
import type { HistogramData } from '../histogram.ts';
import { inBatches } from '../client.ts';
import type { SoakJob } from '../jobs.ts';
import { newReconnectCounts, type ReconnectCounts } from './device.ts';
import { MessageBook, type MessageCounts, type MessageVerdict } from './messages.ts';
import { World, type WorldCounts } from './world.ts';
import { Histogram } from '../histogram.ts';

export interface SoakTick {
  /** milliseconds since the load started */
  t: number;
  messages: MessageCounts;
  /** over this tick only: send -> durable ack, send -> the other party's app (the p99s include waits for dropped devices to come back) */
  ackP50Us: number;
  ackP99Us: number;
  deliveryP50Us: number;
  deliveryP99Us: number;
  /** devices connected now (not dropped, not away, hello done) */
  connected: number;
  /** chat messages waiting in SDK outboxes for an ack */
  outbox: number;
  talks: { text: number; message: number };
  world: WorldCounts;
  reconnects: ReconnectCounts;
  /** this driver's CPU over the tick, share of one core: above ~0.7 it, not the node, sets the pace */
  driverCpuShare: number;
  /** the tick after the drain, when the load had stopped: shown, not part of the slopes */
  final?: boolean;
}

export interface SoakResult {
  verdict: MessageVerdict;
  final: SoakTick;
  /** whether every device came back and every acked message arrived before the drain's limit */
  drained: boolean;
  drainMs: number;
}

export const TICK_PREFIX = 'SOAK_TICK ';

export async function runSoak(
  j: SoakJob,
  started: () => void,
): Promise<{ soak: SoakResult; messages: number; elapsedMs: number; latency: HistogramData; ack: HistogramData }> {
  const book = new MessageBook();
  const reconnects = newReconnectCounts();
  const world = new World(j, book, reconnects);
  const people = [...world.people.values()];
  // 50 at a time: a hello costs the node a signature check (~0.3 ms); 2,000 take a few seconds.
  // A connection the node keeps refusing (a limit) would have the SDK retry for ever: say so and stop.
  const deadline = setTimeout(() => {
    const connected = people.filter((p) => p.device.connected).length;
    console.error(`soak: ${connected} of ${people.length} connected after 2 minutes; closes by the node: ${JSON.stringify(reconnects.unplanned)}`);
    process.exit(1);
  }, 120_000);
  await inBatches(people.length, 50, (i) => (people[i] as (typeof people)[number]).device.client.connect());
  clearTimeout(deadline);
  world.begin();
  started();
  const t0 = performance.now();
  let lastCpu = process.cpuUsage();
  let lastTick = t0;

  const tick = (): SoakTick => {
    const cpu = process.cpuUsage(lastCpu);
    const now = performance.now();
    const share = (cpu.user + cpu.system) / ((now - lastTick) * 1000);
    lastCpu = process.cpuUsage();
    lastTick = now;
    const t: SoakTick = {
      t: Math.round(now - t0),
      messages: { ...book.counts },
      ackP50Us: book.ack.tick.percentile(50),
      ackP99Us: book.ack.tick.percentile(99),
      deliveryP50Us: book.delivery.tick.percentile(50),
      deliveryP99Us: book.delivery.tick.percentile(99),
      connected: people.filter((p) => p.device.connected).length,
      outbox: people.reduce((n, p) => n + p.device.client.outboxSize(), 0),
      talks: world.openTalks(),
      world: structuredClone(world.counts),
      reconnects: structuredClone(reconnects),
      driverCpuShare: share,
    };
    book.ack.tick = new Histogram();
    book.delivery.tick = new Histogram();
    return t;
  };
  const print = (t: SoakTick) => process.stdout.write(`${TICK_PREFIX}${JSON.stringify(t)}\n`);

  // Fixed offered rate: every 20 ms, the messages due so far.
  let sent = 0;
  const chat = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * j.perSec);
    for (; sent < due; sent++) world.chat();
  }, 20);
  const drops = j.dropsPerMin > 0 ? setInterval(() => world.dropOne(), 60_000 / j.dropsPerMin) : undefined;
  const ticks = setInterval(() => print(tick()), j.tickMs);
  await new Promise((r) => setTimeout(r, j.durationMs));
  clearInterval(chat);
  clearInterval(drops);
  clearInterval(ticks);
  const elapsedMs = performance.now() - t0;

  // Drain: everyone back on the network; a silent device needs its silence to run out first.
  world.ending = true;
  for (const p of people) p.device.comeBack();
  const drainStart = performance.now();
  const limitMs = j.silentMs + 60_000;
  let drained = false;
  while (performance.now() - drainStart < limitMs) {
    const outbox = people.reduce((n, p) => n + p.device.client.outboxSize(), 0);
    if (outbox === 0 && book.undelivered() === 0 && people.every((p) => p.device.connected)) {
      drained = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const drainMs = performance.now() - drainStart;
  const final: SoakTick = { ...tick(), final: true };
  print(final);
  // The orchestrator reads the node on that line: leave everyone connected while it does.
  await new Promise((r) => setTimeout(r, 2000));
  for (const p of people) p.device.client.close();
  return {
    soak: { verdict: book.verdict(), final, drained, drainMs },
    messages: book.counts.delivered,
    elapsedMs,
    latency: book.delivery.run.toJSON(),
    ack: book.ack.run.toJSON(),
  };
}
