// A load driver: one process, pinned by the orchestrator to its own core. It reads a job,
// sets up its connections, prints LOAD_START, runs for the job's duration, prints LOAD_END and
// then one JSON line with its result. Used for both arms so the client side costs the same.
import { readFileSync } from 'node:fs';
import { io as socketio, type Socket as ClientSocket } from 'socket.io-client';
import type WebSocket from 'ws';
import { inBatches, open, packr, Session, unpackr, type Frame } from './client.ts';
import { Histogram } from './histogram.ts';
import type { DriverResult, EchoJob, IdleJob, Job, PresenceJob, RelayJob, RoutingJob, SoakJob } from './jobs.ts';
import { connectPresence, measurePresence } from './presence-probe.ts';
import { runSoak } from './soak/load.ts';

const job = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Job;
const now = () => performance.now();

function finish(result: Omit<DriverResult, 'driverCpuUs'>, cpuStart: NodeJS.CpuUsage): never {
  const cpu = process.cpuUsage(cpuStart);
  process.stdout.write(`LOAD_END\n${JSON.stringify({ ...result, driverCpuUs: cpu.user + cpu.system })}\n`);
  process.exit(0);
}

async function echo(j: EchoJob): Promise<void> {
  const sockets = await inBatches(j.connections, 50, async (i) => (j.arm === 'lawline' ? (await Session.connect(j.url, j.tokens[i] as string)).ws : open(j.url)));
  const latency = new Histogram();
  let done = 0;
  let running = true;
  const sentAt = new Map<string, number>();
  let nextId = 1_000_000;
  const send = (ws: WebSocket, slot: number) => {
    const id = nextId++;
    sentAt.set(`${slot}:${id}`, now());
    ws.send(packr.pack({ type: 'ping', id, data: {} }));
  };
  sockets.forEach((ws, slot) => {
    ws.removeAllListeners('message');
    ws.on('message', (data: Buffer) => {
      const f = unpackr.unpack(data) as Frame;
      const key = `${slot}:${f.id}`;
      const t0 = sentAt.get(key);
      if (t0 === undefined) return;
      sentAt.delete(key);
      latency.record((now() - t0) * 1000);
      done++;
      if (running) send(ws, slot);
    });
  });
  process.stdout.write('LOAD_START\n');
  const cpu = process.cpuUsage();
  const started = now();
  sockets.forEach((ws, slot) => {
    for (let w = 0; w < j.window; w++) send(ws, slot);
  });
  await new Promise((r) => setTimeout(r, j.durationMs));
  running = false;
  finish({ messages: done, elapsedMs: now() - started, latency: latency.toJSON() }, cpu);
}

async function relay(j: RelayJob): Promise<void> {
  const body = 'x'.repeat(j.bodyBytes);
  const latency = new Histogram();
  const ack = new Histogram();
  let delivered = 0;
  let running = false;
  type Pair = { send: () => void };
  const pairs: Pair[] = await inBatches(j.pairs.length, 20, async (i) => {
    const inflight: number[] = [];
    let n = 0;
    /** A baseline's other side got a message: its latency, and in a closed loop the next one. */
    const relayed = (pair: Pair) => {
      const t0 = inflight.shift();
      if (t0 === undefined || !running) return;
      latency.record((now() - t0) * 1000);
      delivered++;
      if (j.load.mode === 'closed') pair.send();
    };
    if (j.arm === 'socketio') {
      // Socket.IO as its users run it: events with a JSON payload, over its WebSocket transport.
      const connect = (side: 'a' | 'b') =>
        new Promise<ClientSocket>((resolve, reject) => {
          const s = socketio(j.url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { pair: String(i), side } });
          s.once('connect', () => resolve(s));
          s.once('connect_error', reject);
        });
      const a = await connect('a');
      const b = await connect('b');
      const payload = { consultationId: 'c_0000000000000000', clientMsgId: `m${i}-0000000000`, body };
      const pair = { send: () => (inflight.push(now()), a.emit('m', payload)) };
      b.on('m', () => relayed(pair));
      return pair;
    }
    if (j.arm === 'bare') {
      const a = await open(`${j.url}?pair=${i}&side=a`);
      const b = await open(`${j.url}?pair=${i}&side=b`);
      const frame = packr.pack({ type: 'chat.send', id: 1, data: { consultationId: 'c_0000000000000000', clientMsgId: `m${i}-0000000000`, body } });
      const pair = { send: () => (inflight.push(now()), a.send(frame)) };
      b.on('message', () => relayed(pair));
      return pair;
    }
    const [citizenToken, lawyerToken] = j.pairs[i] as [string, string];
    const [citizenUrl, lawyerUrl] = j.urls?.[i] ?? [j.url, j.url];
    const cit = await Session.connect(citizenUrl, citizenToken);
    const law = await Session.connect(lawyerUrl, lawyerToken);
    const { consultation } = (await cit.call('consult.request', { category: 'labor', region: '320200', channel: 'text' })) as { consultation: { id: string } };
    await law.call('consult.pick', { consultationId: consultation.id });
    await law.call('consult.join', { consultationId: consultation.id });
    const sentAt = new Map<number, number>();
    law.onPush = (f) => {
      if (f.event === 'chat.message') {
        const t0 = inflight.shift();
        if (t0 !== undefined && running) {
          latency.record((now() - t0) * 1000);
          delivered++;
        }
      }
      if ((f.seq as number) % 32 === 0) law.ack();
    };
    cit.onPush = (f) => {
      if ((f.seq as number) % 32 === 0) cit.ack();
    };
    cit.onReply = (f) => {
      const t0 = sentAt.get(f.id as number);
      if (t0 === undefined) return false;
      sentAt.delete(f.id as number);
      if (running) ack.record((now() - t0) * 1000);
      if (running && j.load.mode === 'closed') pair.send();
      return true;
    };
    const pair = {
      send: () => {
        const id = cit.id();
        const t0 = now();
        sentAt.set(id, t0);
        inflight.push(t0);
        cit.ws.send(packr.pack({ type: 'chat.send', id, data: { consultationId: consultation.id, clientMsgId: `m${i}-${n++}`, body } }));
      },
    };
    return pair;
  });
  process.stdout.write('LOAD_START\n');
  const cpu = process.cpuUsage();
  const started = now();
  running = true;
  let timer: NodeJS.Timeout | undefined;
  if (j.load.mode === 'closed') {
    for (const p of pairs) for (let w = 0; w < j.load.window; w++) p.send();
  } else {
    // Fixed offered load: every 5 ms send the messages due so far, round-robin over pairs.
    const perSec = j.load.perSec;
    let sent = 0;
    let next = 0;
    timer = setInterval(() => {
      const due = Math.floor(((now() - started) / 1000) * perSec);
      for (; sent < due; sent++) (pairs[next++ % pairs.length] as Pair).send();
    }, 5);
  }
  await new Promise((r) => setTimeout(r, j.durationMs));
  running = false;
  clearInterval(timer);
  finish({ messages: delivered, elapsedMs: now() - started, latency: latency.toJSON(), ...(j.arm === 'lawline' ? { ack: ack.toJSON() } : {}) }, cpu);
}

async function idle(j: IdleJob): Promise<void> {
  const sockets = await inBatches(j.count, j.batch, async (i) => {
    if (j.arm === 'lawline') return (await Session.connect(j.url, j.tokens[i % j.tokens.length] as string)).ws;
    return open(j.url);
  });
  process.stdout.write(`LOAD_START\n`);
  // The orchestrator reads the server's RSS now, then tells us to go.
  await new Promise((r) => process.stdin.once('data', r));
  for (const ws of sockets) ws.terminate();
  finish({ messages: sockets.length, elapsedMs: 0, latency: new Histogram().toJSON() }, process.cpuUsage());
}

/** B5: request -> offer delivered to the lawyer's socket, measured in this one process. */
async function routing(j: RoutingJob): Promise<void> {
  const latency = new Histogram();
  let offers = 0;
  let running = false;
  const askedAt = new Map<string, number>();
  // Acks as the SDK does: after 64 pushes or 100 ms, whichever comes first.
  const keepAcking = (s: Session) => {
    const inner = s.onPush;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ack = () => {
      clearTimeout(timer);
      timer = undefined;
      s.ack();
    };
    s.onPush = (f) => {
      inner(f);
      if ((f.seq as number) % 64 === 0) ack();
      else timer ??= setTimeout(ack, 100);
    };
  };
  await inBatches(j.lawyerTokens.length, 100, async (i) => {
    const law = await Session.connect(j.url, j.lawyerTokens[i] as string);
    law.onPush = (f) => {
      if (f.event !== 'offer') return;
      const consultation = (f.data as { consultation: { id: string; citizen: { id: string } } }).consultation;
      const t0 = askedAt.get(consultation.citizen.id);
      if (t0 !== undefined) {
        askedAt.delete(consultation.citizen.id);
        if (running) {
          latency.record((now() - t0) * 1000);
          offers++;
        }
      }
      void law
        .call('offer.accept', { consultationId: consultation.id })
        .then(() => law.call('consult.close', { consultationId: consultation.id }))
        .catch(() => undefined);
    };
    keepAcking(law);
    await law.call('duty.on', { capacity: 3 });
  });
  const citizens = await inBatches(j.citizens.length, 100, async (i) => {
    const c = j.citizens[i] as RoutingJob['citizens'][number];
    const s = await Session.connect(j.url, c.token);
    keepAcking(s);
    return { s, ...c };
  });
  process.stdout.write('LOAD_START\n');
  const cpu = process.cpuUsage();
  const started = now();
  running = true;
  let sent = 0;
  let next = 0;
  let skipped = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((now() - started) / 1000) * j.perSec);
    for (; sent < due; sent++) {
      const c = citizens[next++ % citizens.length] as (typeof citizens)[number];
      // Still waiting for its last offer: this slot of the offered load is lost, and counted.
      if (askedAt.has(c.id)) {
        skipped++;
        continue;
      }
      askedAt.set(c.id, now());
      void c.s.call('consult.request', { category: c.category, region: c.region, channel: 'text' }).catch(() => askedAt.delete(c.id));
    }
  }, 5);
  await new Promise((r) => setTimeout(r, j.durationMs));
  running = false;
  clearInterval(timer);
  finish({ messages: offers, elapsedMs: now() - started, latency: latency.toJSON(), skipped }, cpu);
}

/** B4: presence propagation across nodes (presence-probe.ts); `messages` counts duty changes. */
async function presence(j: PresenceJob): Promise<void> {
  const lawyers = await connectPresence(j);
  process.stdout.write('LOAD_START\n');
  const cpu = process.cpuUsage();
  const started = now();
  const result = await measurePresence(j, lawyers);
  finish({ messages: result.reply.count, elapsedMs: now() - started, latency: result.directory, presence: result }, cpu);
}

/** The soak (soak/): an hour of a population on one node; `messages` counts deliveries. */
async function soak(j: SoakJob): Promise<void> {
  let cpu = process.cpuUsage();
  const r = await runSoak(j, () => {
    process.stdout.write('LOAD_START\n');
    cpu = process.cpuUsage();
  });
  finish({ messages: r.messages, elapsedMs: r.elapsedMs, latency: r.latency, ack: r.ack, soak: r.soak }, cpu);
}

const run = { echo, relay, idle, routing, presence, soak } as const;
await (run[job.kind] as (j: Job) => Promise<void>)(job);
