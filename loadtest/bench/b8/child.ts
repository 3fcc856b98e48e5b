// One B8 "server": opens an engine's data dir, says READY (the parent times spawn -> READY and
// reads RSS then; `none` opens nothing and exits), then runs the commands it is given on stdin, one JSON line each, and answers
// each with a `RESULT {...}` line. Usage: child.ts <engine> <dataDir> <manifest>
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Histogram } from '../histogram.ts';
import { ENGINES, openEngine, type EngineName } from './engine.ts';
import { Workload, type Counters } from './workload.ts';

export type Command =
  /** Closed loop: `window` sends in flight at all times, until `messages` or `durationMs`. */
  | { cmd: 'closed'; window: number; live: number; messages: number; durationMs: number }
  /** Open loop at `perSec`, latency counted from when each send was due (no coordinated omission). */
  | { cmd: 'rate'; perSec: number; live: number; durationMs: number }
  /** History pages (50 messages) of these consultations, one after another. */
  | { cmd: 'reads'; ids: string[] }
  | { cmd: 'exit' };

export interface LoadResult {
  messages: number;
  elapsedMs: number;
  cpuUs: number;
  ack: ReturnType<Histogram['toJSON']>;
  counters: Counters;
  /** transactions or fsync batches committed in the window */
  commits: number;
}

export interface ReadsResult {
  firstUs: number;
  reads: ReturnType<Histogram['toJSON']>;
  /** messages returned, summed: 0 would mean the reads found nothing */
  messages: number;
  /** pages whose seqs were not strictly ascending */
  misordered: number;
}

const [name, dir, manifest] = process.argv.slice(2) as [EngineName | 'none', string, string];
// `none`: the same process opening no store, for what Node and tsx alone take to start.
if (name === 'none') {
  console.log(`READY ${JSON.stringify({ openedAtMs: performance.now() })}`);
  process.exit(0);
}
if (!ENGINES.includes(name) || !dir || !manifest) throw new Error('usage: child.ts <engine|none> <dataDir> <manifest>');

const engine = await openEngine(name, dir);
console.log(`READY ${JSON.stringify({ openedAtMs: performance.now() })}`);

const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function load(command: Extract<Command, { cmd: 'closed' | 'rate' }>): Promise<LoadResult> {
  const w = new Workload(engine, command.live);
  await w.start();
  const ack = new Histogram();
  const cpu0 = cpuNow();
  const commits0 = engine.commits();
  const t0 = performance.now();
  const deadline = t0 + command.durationMs;
  let sent = 0;
  const timed = (due: number) => w.send().then(() => ack.record((performance.now() - due) * 1000));
  if (command.cmd === 'closed') {
    const loop = async () => {
      while (sent < command.messages && performance.now() < deadline) {
        sent++;
        await timed(performance.now());
      }
    };
    await Promise.all(Array.from({ length: command.window }, loop));
  } else {
    const inFlight = new Set<Promise<void>>();
    while (performance.now() < deadline) {
      const due = Math.floor(((performance.now() - t0) * command.perSec) / 1000);
      for (; sent < due; sent++) {
        const p = timed(t0 + (sent * 1000) / command.perSec);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inFlight);
  }
  const elapsedMs = performance.now() - t0;
  const cpuUs = cpuNow() - cpu0;
  const commits = engine.commits() - commits0;
  await w.settle();
  appendFileSync(manifest, w.opened.map((id) => `${id}\n`).join(''));
  return { messages: w.counters.appended + w.counters.duplicates, elapsedMs, cpuUs, ack: ack.toJSON(), counters: w.counters, commits };
}

async function reads(ids: string[]): Promise<ReadsResult> {
  const h = new Histogram();
  let firstUs = 0;
  let messages = 0;
  let misordered = 0;
  for (const [i, id] of ids.entries()) {
    const t = performance.now();
    const page = await engine.history(id, 50);
    const us = (performance.now() - t) * 1000;
    if (i === 0) firstUs = us;
    h.record(us);
    messages += page.messages.length;
    if (!page.consultation || page.messages.some((m, j) => j > 0 && m.seq <= (page.messages[j - 1]?.seq ?? 0))) misordered++;
  }
  return { firstUs, reads: h.toJSON(), messages, misordered };
}

// One command at a time, in order.
let queue = Promise.resolve();
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const command = JSON.parse(line) as Command;
  queue = queue.then(async () => {
    if (command.cmd === 'exit') {
      await engine.shutdown();
      process.exit(0);
    }
    const result = command.cmd === 'reads' ? await reads(command.ids) : await load(command);
    console.log(`RESULT ${JSON.stringify(result)}`);
  });
  await queue;
}
