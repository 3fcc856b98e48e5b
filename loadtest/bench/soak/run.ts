// npm run soak [-- --minutes 60 --connections 2000 --rate 300 --drops 5 --warmup 10 --sample 60 --store sqlite]
// One node (SQLite store, memory backplane, the product's limits: `npm start`'s embedded default;
// `--store postgres` keeps the records in PostgreSQL instead, a schema of its own) pinned to core 0 with `npm start`'s Node flags; one driver on core 1 runs a population of
// citizens and lawyers through the SDK (soak/load.ts). At every driver tick the node's RSS (by
// kind of mapping), open fds (by kind), CPU, run-queue wait and /metrics (memory, loop delay,
// store backlog) are read. Prints a row per sample (flagged when the node fell behind), the
// slopes over the whole load and after the warm-up, and the verdict; writes
// loadtest/results/soak-<time>.json. Not part of `npm test`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateDevIdentity, mintToken } from '../../../server/auth/dev-identity.ts';
import type { DriverResult, SoakJob } from '../jobs.ts';
import { productEnv, wsUrl } from '../lawline.ts';
import { cpuMicros, fdKinds, machine, openFds, residentByMapping, rssBytes, runQueueWaitNs } from '../proc.ts';
import { dropSchema } from '../cluster-infra.ts';
import { ROOT, runDriver, startServer, type Server } from '../processes.ts';
import { TICK_PREFIX, type SoakTick } from './load.ts';
import { behindAt, headerLine, printSummary, row, summarize, type NodeReading, type Sample, type TracePoint } from './report.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    connections: { type: 'string', default: '2000' },
    /** chat messages per second, all consultations together */
    rate: { type: 'string', default: '300' },
    /** % of connections cut each minute */
    drops: { type: 'string', default: '5' },
    warmup: { type: 'string' },
    /** seconds between samples */
    sample: { type: 'string', default: '60' },
    /**
     * sqlite: the embedded default (`store/lawline.db`; its memory is bounded: a hot cache of
     * consultations, the open ones' ids, a day of request ids); postgres: records in
     * PostgreSQL. Either way what grows is what the node should not keep.
     */
    store: { type: 'string', default: 'sqlite' },
  },
});
if (values.store !== 'sqlite' && values.store !== 'postgres') throw new Error(`--store sqlite or --store postgres, not ${values.store}`);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `lawline_soak_${process.pid}`;
const storeEnv: Record<string, string> = values.store === 'postgres' ? { DATABASE_URL, LAWLINE_DATABASE_SCHEMA: schema } : {};
const minutes = Number(values.minutes);
const connections = Number(values.connections);
// Warm-up: until the population is in its steady cycle. The longest live consultation (8 min)
// has closed and been replaced once, the first citizens who stayed away past the resume window
// (2 min + 30 s) are back, and V8's old space has grown to its working size; before that RSS
// rises by filling up, not by leaking. Shorter runs use a quarter of their length.
const warmupMinutes = values.warmup !== undefined ? Number(values.warmup) : Math.min(10, minutes / 4);
const TARGETS = { rssMbPerHour: 1, fdsPerHour: 1 };
// The node's defaults (server/config.ts), which the soak keeps: it measures the product as it runs.
const RESUME_WINDOW_MS = 120_000;
const HEARTBEAT_MS = 15_000;

const limit = Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 0);
if (limit < connections + 500) {
  console.error(`open-file limit ${limit} is too low for ${connections} connections (each side holds one fd per socket): raise it (ulimit -n ${connections + 1000})`);
  process.exit(2);
}

// Population, as shares of the connections: lawyers on duty with room for every chatting
// citizen (capacity 10), citizens in live consultations, citizens with one message
// consultation (留言) each kept open, and citizens who only stay connected.
const lawyerCount = Math.round(connections * 0.1);
const idleCount = Math.round(connections * 0.25);
const messageCount = Math.round(connections * 0.1);
const chatCount = connections - lawyerCount - idleCount - messageCount;

const dataDir = mkdtempSync(join(tmpdir(), 'lawline-soak-'));
const identity = await loadOrCreateDevIdentity(dataDir);
const ttlSec = minutes * 60 + 3600;
const categories = ['labor', 'family', 'contract'] as const;
const region = '320200';
const mint = (sub: string, role: 'citizen' | 'lawyer') =>
  mintToken(identity, { sub, role, name: sub, ...(role === 'lawyer' ? { categories: [...categories], region } : {}) }, ttlSec);
const lawyers = await Promise.all(Array.from({ length: lawyerCount }, async (_, i) => ({ id: `SL${i}`, token: await mint(`SL${i}`, 'lawyer') })));
const kindOf = (i: number): SoakJob['citizens'][number]['kind'] => (i < idleCount ? 'idle' : i < idleCount + messageCount ? 'message' : 'chat');
const citizens = await Promise.all(
  Array.from({ length: idleCount + messageCount + chatCount }, async (_, i) => ({ id: `SC${i}`, token: await mint(`SC${i}`, 'citizen'), kind: kindOf(i) })),
);

/** Where the node's metrics are read: its operations listener (LAWLINE_OPS_PORT, loopback). */
const metricsUrl = (node: Server) => `http://127.0.0.1:${node.opsPort ?? 0}/metrics`;

const METRICS = {
  heapUsedBytes: 'nodejs_heap_size_used_bytes',
  heapTotalBytes: 'nodejs_heap_size_total_bytes',
  externalBytes: 'nodejs_external_memory_bytes',
  arrayBuffersBytes: 'nodejs_array_buffers_bytes',
  loopLagP99Sec: 'nodejs_eventloop_lag_p99_seconds',
  loopLagMaxSec: 'nodejs_eventloop_lag_max_seconds',
  storeWaiting: 'lawline_store_waiting_writes',
  connections: 'lawline_connections',
  sessions: 'lawline_sessions',
  heldForResume: 'lawline_resume_held_pushes',
  storeRecords: 'lawline_store_records_total',
} as const;

/** The node's fds by kind: its client connections (`ws`), its PostgreSQL ones (`pg`), its operations listener (`ops`). */
const kindsOf = (node: Server) => fdKinds(node.pid, { local: { [node.port]: 'ws', ...(node.opsPort ? { [node.opsPort]: 'ops' } : {}) }, remote: { [Number(new URL(DATABASE_URL).port || 5432)]: 'pg' } });

async function read(node: Server): Promise<NodeReading> {
  const fds = openFds(node.pid);
  const reading: NodeReading = { rssBytes: rssBytes(node.pid), fds: fds.total, socketFds: fds.sockets, fileFds: fds.files, fdKinds: kindsOf(node), resident: residentByMapping(node.pid), cpuUs: cpuMicros(node.pid), runQueueWaitNs: runQueueWaitNs(node.pid) };
  try {
    const text = await (await fetch(metricsUrl(node), { signal: AbortSignal.timeout(5000) })).text();
    for (const [key, name] of Object.entries(METRICS)) {
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      if (m) reading[key as keyof typeof METRICS] = Number(m[1]);
    }
  } catch (e) {
    console.warn(`metrics not read: ${String(e)}`);
  }
  return reading;
}

const node = await startServer('server/main.ts', productEnv(dataDir, storeEnv));
const samples: Sample[] = [];
const job: SoakJob = {
  kind: 'soak',
  url: wsUrl(node),
  // Nothing listens on port 1 (tcpmux, privileged and unused): a device "off the network" is refused at once.
  deadUrl: 'ws://127.0.0.1:1/ws',
  // The node takes at most 500 connections from one address (LAWLINE_MAX_CONNECTIONS_PER_ADDRESS,
  // kept at its default): 250 a loopback address leaves room for a device's old connection,
  // still held until the heartbeat gives up on it, beside its new one.
  sourceAddresses: Array.from({ length: Math.ceil(connections / 250) }, (_, i) => `127.0.0.${i + 2}`),
  lawyers,
  citizens,
  categories: [...categories],
  region,
  capacity: 10,
  perSec: Number(values.rate),
  messageShare: 0.03,
  dropsPerMin: (connections * Number(values.drops)) / 100,
  longShare: 0.1,
  absentMs: RESUME_WINDOW_MS + 30_000,
  silentMs: 2 * HEARTBEAT_MS + 5000,
  lifetimeMs: [2 * 60_000, 8 * 60_000],
  durationMs: minutes * 60_000,
  tickMs: Number(values.sample) * 1000,
};

console.log(`soak: ${values.store} store, ${connections} connections (${lawyerCount} lawyers on duty, ${chatCount} citizens in live consultations, ${messageCount} with a 留言, ${idleCount} idle), ${job.perSec} msg/s, ${values.drops}% of connections cut a minute, ${minutes} min, warm-up ${warmupMinutes} min`);
const mallocEnv = Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_') || k === 'GLIBC_TUNABLES');
console.log(`node pid ${node.pid} on core 0, port ${node.port}; idle node: ${((await read(node)).rssBytes / 2 ** 20).toFixed(1)} MB RSS; malloc: ${mallocEnv.length ? mallocEnv.map(([k, v]) => `${k}=${v}`).join(' ') : "glibc's defaults"}\n`);
console.log(headerLine());
// Samples in tick order: each waits for the one before (a /metrics read takes a few ms).
let sampling = Promise.resolve();
const take = (minute: number, driver?: SoakTick) =>
  (sampling = sampling.then(async () => {
    const s: Sample = { minute, node: await read(node), loadAverage: loadavg(), ...(driver ? { driver } : {}) };
    console.log(row(s, samples.at(-1), driver && !driver.final ? behindAt(s, samples.at(-1), job.perSec) : []));
    samples.push(s);
  }));

// RSS at one instant swings with the GC's cycle (scavenges every ~30 ms, old-space
// compactions) and fds with the drops in flight: fitting the slopes to a reading every 5 s
// rather than one a minute narrows their error about 3.5-fold (√12). Reading /proc costs the
// node nothing.
const TRACE_MS = 5000;
const trace: TracePoint[] = [];
let tracer: NodeJS.Timeout | undefined;
const startTrace = () => {
  const t0 = performance.now();
  tracer = setInterval(() => trace.push({ minute: (performance.now() - t0) / 60_000, rssBytes: rssBytes(node.pid), fds: openFds(node.pid).total }), TRACE_MS).unref();
};

// A driver starved of CPU (seen at a load average of 12-20 on 2 cores) stops reading its sockets:
// the node then cuts every connection at its heartbeat (4002) and the run is void, with no row
// printed for minutes. Said as it happens, with the machine's load, rather than found at the end.
let lastTick: number | undefined;
const watchdog = setInterval(() => {
  const silentSec = lastTick === undefined ? 0 : (performance.now() - lastTick) / 1000;
  if (silentSec > (3 * job.tickMs) / 1000) console.warn(`no tick from the driver for ${silentSec.toFixed(0)} s (load average ${loadavg()[0]?.toFixed(1)}): it is starved or stuck; a driver that stops answering pings for ${(2 * HEARTBEAT_MS) / 1000} s has its connections cut`);
}, job.tickMs).unref();

let result: DriverResult;
try {
  // Armed from the start of the load to its end (not while everyone connects, nor in the drain).
  const started = () => ((lastTick = performance.now()), startTrace(), take(0));
  const ended = async () => (clearInterval(tracer), clearInterval(watchdog));
  const measured = await runDriver(job, node.pid, started, ended, {
    timeoutMs: job.durationMs + 10 * 60_000,
    onLine: (line) => {
      if (!line.startsWith(TICK_PREFIX)) return;
      lastTick = performance.now();
      const tick = JSON.parse(line.slice(TICK_PREFIX.length)) as SoakTick;
      void take(tick.t / 60_000, tick);
    },
  });
  await sampling;
  result = measured.result;
} finally {
  clearInterval(watchdog);
  await node.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (values.store === 'postgres') await dropSchema(DATABASE_URL, schema);
}

const summary = summarize(samples, trace, minutes, warmupMinutes, TARGETS, result.soak, job.perSec);
printSummary(summary, result.soak);
// The machine is shared: what else ran beside the soak (1-minute load average, 2 cores, the soak's own two processes included).
const loads = samples.flatMap((s) => (s.loadAverage ? [s.loadAverage[0] as number] : []));
const machineLoad = { min: Math.min(...loads), median: [...loads].sort((a, b) => a - b)[Math.floor(loads.length / 2)] as number, max: Math.max(...loads) };
console.log(`load average (1 min) over the run: ${machineLoad.min.toFixed(2)} min, ${machineLoad.median.toFixed(2)} median, ${machineLoad.max.toFixed(2)} max on ${machine().nproc} cores (the soak's node and driver are two of it)`);
const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
mkdirSync(join(ROOT, 'loadtest/results'), { recursive: true });
const file = join(ROOT, 'loadtest/results', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const population = { connections, lawyers: lawyerCount, chat: chatCount, message: messageCount, idle: idleCount };
// glibc malloc settings the node ran with (MALLOC_ARENA_MAX and the like), if any: they move RSS.
const malloc = Object.fromEntries(mallocEnv);
const params = { ...population, store: values.store, malloc, perSec: job.perSec, dropsPerMin: job.dropsPerMin, minutes, sampleSeconds: job.tickMs / 1000, capacity: job.capacity, messageShare: job.messageShare, longShare: job.longShare, absentMs: job.absentMs, silentMs: job.silentMs, lifetimeMs: job.lifetimeMs };
// A run of uncommitted code says so: its commit alone would not say what ran.
const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT }).toString().trim() !== '';
writeFileSync(file, JSON.stringify({ machine: machine(), machineLoad, commit, dirty, params, warmupMinutes, targets: TARGETS, summary, driver: result, samples, trace }, null, 2));
console.log(`\nwrote ${file}`);
process.exit(summary.pass ? 0 : 1);
