import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/**
 * A small Prometheus text registry. A label set's series key is formatted once and then
 * found through a tree of its names and values, so counting a frame on the hot path
 * allocates nothing.
 */
type Labels = Record<string, string>;

interface Metric {
  render(): string;
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** name -> value -> (the next label's tree, and the text of the labels so far). */
interface LabelNode {
  text?: string;
  next: Map<string, Map<string, LabelNode>>;
}
const labelTree: LabelNode = { next: new Map() };

function labelText(labels: Labels): string {
  let node = labelTree;
  for (const name in labels) {
    const value = labels[name] as string;
    let byValue = node.next.get(name);
    if (!byValue) node.next.set(name, (byValue = new Map()));
    let child = byValue.get(value);
    if (!child) byValue.set(value, (child = { next: new Map() }));
    node = child;
  }
  return (node.text ??= formatLabels(labels));
}

export class Counter implements Metric {
  private readonly series = new Map<string, { labels: string; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const s = this.series.get(key);
    if (s) s.value += by;
    else this.series.set(key, { labels: key, value: by });
  }

  value(labels: Labels = {}): number {
    return this.series.get(labelText(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const s of this.series.values()) lines.push(`${this.name}${s.labels} ${s.value}`);
    return lines.join('\n');
  }
}

/** A value owned elsewhere (a set's size, a store's counter), read when scraped. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
    private readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, `${this.name} ${this.read()}`].join('\n');
  }
}

/** Values set by whoever computes them (queue lengths per category, lawyers per state). */
export class LabeledGauge implements Metric {
  private readonly series = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}

  set(labels: Labels, value: number): void {
    this.series.set(labelText(labels), value);
  }

  /** Sets every series not in `present` to 0, so a category that emptied reads 0, not its last value. */
  zeroOthers(present: ReadonlySet<string>): void {
    for (const key of this.series.keys()) if (!present.has(key)) this.series.set(key, 0);
  }

  key(labels: Labels): string {
    return labelText(labels);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [labels, value] of this.series) lines.push(`${this.name}${labels} ${value}`);
    return lines.join('\n');
  }
}

/**
 * The audit chain's head: its index as the value, its hash as a label, one series at a time
 * (a scrape keeps what it saw; a later head with a lower index, or another hash at an index
 * seen before, shows the log was cut or rewritten). None until the chain has a record.
 */
export class AuditHead implements Metric {
  readonly name = 'lawline_audit_head_index';
  private head: { index: number; hash: string } | undefined;

  set(head: { index: number; hash: string }): void {
    this.head = head;
  }

  render(): string {
    const lines = [`# HELP ${this.name} index of the last audit record, labelled with its hash (published by every node)`, `# TYPE ${this.name} gauge`];
    if (this.head) lines.push(`${this.name}${labelText({ hash: this.head.hash })} ${this.head.index}`);
    return lines.join('\n');
  }
}

/** Latency histogram, buckets in seconds. */
export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}

  observe(seconds: number, labels: Labels = {}): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    s.sum += seconds;
    s.count++;
    for (let i = 0; i < this.buckets.length; i++) if (seconds <= (this.buckets[i] as number)) s.counts[i]!++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.series) {
      const inner = key.slice(1, -1);
      const le = (v: string) => `{${inner ? `${inner},` : ''}le="${v}"}`;
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${le(String(b))} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${le('+Inf')} ${s.count}`, `${this.name}_sum${key} ${s.sum}`, `${this.name}_count${key} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
/** Waits people feel: seconds to an hour. */
export const WAIT_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;

export class Registry {
  private readonly metrics: Metric[] = [];
  add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
  render(): string {
    return `${this.metrics.map((m) => m.render()).join('\n')}\n`;
  }
}

/** The node's metrics, built once in main.ts and handed to whoever records into them. */
export interface MetricGauges {
  connections: () => number;
  sessions: () => number;
  heldForResume: () => number;
  store: () => { fsyncs: number; records: number; waiting: number };
  /** Calls on this node by state; absent: a node made without calls (tests of parts). */
  calls?: () => { ringing: number; active: number };
  /** The media engine's health and its restarts so far; undefined: no engine (calls off or not installed). */
  mediaEngine?: () => { up: boolean; restarts: number } | undefined;
}

export function createMetrics(gauges: MetricGauges) {
  const registry = new Registry();
  return {
    registry,
    connections: registry.add(new Gauge('lawline_connections', 'open WebSocket connections', gauges.connections)),
    sessions: registry.add(new Gauge('lawline_sessions', 'sessions, attached or waiting for resume', gauges.sessions)),
    heldForResume: registry.add(new Gauge('lawline_resume_held_pushes', 'pushes held for disconnected sessions, all together (LAWLINE_RESUME_HOLD_MAX caps it)', gauges.heldForResume)),
    framesIn: registry.add(new Counter('lawline_frames_in_total', 'client frames received, by type')),
    oversizeDrops: registry.add(new Counter('lawline_oversize_drops_total', 'connections cut without a close code by uWS for a frame over 4 x LAWLINE_MAX_FRAME_BYTES')),
    framesDropped: registry.add(new Counter('lawline_frames_dropped_total', 'client frames dropped unread: over the rate limit')),
    pushes: registry.add(new Counter('lawline_pushes_total', 'server pushes, by event')),
    errors: registry.add(new Counter('lawline_errors_total', 'error replies and frames, by code')),
    connectionsRefused: registry.add(new Counter('lawline_connections_refused_total', 'WebSocket connections turned away, by reason (total, address: the connection caps; draining)')),
    closes: registry.add(new Counter('lawline_closes_total', 'connections closed by the server, by close code')),
    refused: registry.add(new Counter('lawline_refused_total', 'requests refused by a limit, by limit (open-per-citizen)')),
    alertEvents: registry.add(new Counter('lawline_alert_events_total', 'risk alert steps made on this node, by event (raised, upgraded, reopened, escalated, acknowledged, annotated, closed) and level')),
    alertWebhook: registry.add(new Counter('lawline_alert_webhook_total', 'alert webhook deliveries, by outcome (delivered, retried, failed, dropped)')),
    calls: callMetrics(registry, gauges),
    requestSeconds: registry.add(new Histogram('lawline_request_seconds', 'request handling time, by type', LATENCY_BUCKETS)),
    // records ÷ fsyncs is the group-commit batch size.
    storeRecords: registry.add(new Gauge('lawline_store_records_total', 'records made durable', () => gauges.store().records, 'counter')),
    storeFsyncs: registry.add(new Gauge('lawline_store_fsyncs_total', 'fsyncs (group commits)', () => gauges.store().fsyncs, 'counter')),
    // Above a batch or two only while the store falls behind what it is asked (a soak reads it).
    storeWaiting: registry.add(new Gauge('lawline_store_waiting_writes', 'writes waiting for the next fsync or commit (the one under way not counted)', () => gauges.store().waiting)),
    auditHead: registry.add(new AuditHead()),
    routing: routingMetrics(registry),
    process: processMetrics(registry),
  };
}

/**
 * The process's memory, under the names Prometheus' Node client uses, so a soak or a dashboard
 * can tell the JavaScript heap from native memory (uWS buffers, typed arrays) when RSS grows;
 * and how late the event loop ran timers since the last scrape, which says when the node falls
 * behind its load (a backlog grows memory that is not a leak). One `process.memoryUsage()` per
 * gauge per scrape: it reads /proc/self/stat and V8's counters, microseconds, never a heap walk.
 */
function processMetrics(registry: Registry) {
  const memory = (key: keyof NodeJS.MemoryUsage) => () => process.memoryUsage()[key];
  return {
    rss: registry.add(new Gauge('process_resident_memory_bytes', 'resident set size', memory('rss'))),
    heapUsed: registry.add(new Gauge('nodejs_heap_size_used_bytes', 'V8 heap in use', memory('heapUsed'))),
    heapTotal: registry.add(new Gauge('nodejs_heap_size_total_bytes', 'V8 heap reserved', memory('heapTotal'))),
    external: registry.add(new Gauge('nodejs_external_memory_bytes', 'memory outside the V8 heap held by JavaScript objects (buffers, typed arrays)', memory('external'))),
    arrayBuffers: registry.add(new Gauge('nodejs_array_buffers_bytes', 'of the external memory, what ArrayBuffers and Buffers hold', memory('arrayBuffers'))),
    loopDelay: registry.add(new LoopDelay()),
    gc: registry.add(new GcPauses()),
  };
}

/**
 * How late the event loop ran since the last scrape (median, 99th percentile and largest),
 * sampled every 20 ms by a libuv timer (unref'd) and reset by each scrape. Node records the time
 * between the timer's runs (an idle loop reads 20.1 ms), so the timer's own 20 ms is taken off:
 * what is left is how late it ran, an idle loop's ~0.1 ms.
 * `stop()` ends the sampling (at the node's close).
 */
const LOOP_SAMPLE_MS = 20;

class LoopDelay implements Metric {
  private readonly delay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  constructor() {
    this.delay.enable();
  }
  render(): string {
    const d = this.delay;
    const seconds = (ns: number) => (d.count > 0 ? Math.max(0, ns - LOOP_SAMPLE_MS * 1e6) / 1e9 : 0);
    const lines = [
      '# HELP nodejs_eventloop_lag_p50_seconds event-loop delay since the last scrape, median',
      '# TYPE nodejs_eventloop_lag_p50_seconds gauge',
      `nodejs_eventloop_lag_p50_seconds ${seconds(d.percentile(50))}`,
      '# HELP nodejs_eventloop_lag_p99_seconds event-loop delay since the last scrape, 99th percentile',
      '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
      `nodejs_eventloop_lag_p99_seconds ${seconds(d.percentile(99))}`,
      '# HELP nodejs_eventloop_lag_max_seconds event-loop delay since the last scrape, largest',
      '# TYPE nodejs_eventloop_lag_max_seconds gauge',
      `nodejs_eventloop_lag_max_seconds ${seconds(d.max)}`,
    ];
    d.reset();
    return lines.join('\n');
  }
  stop(): void {
    this.delay.disable();
  }
}

/**
 * Garbage-collector pauses, from V8's own `gc` performance entries: total seconds and runs by
 * kind (a counter, so a rate is the share of time spent collecting), and the longest pause since
 * the last scrape, which is what a message waiting behind it felt. `stop()` disconnects.
 */
class GcPauses implements Metric {
  private readonly seconds = new Map<string, number>();
  private readonly runs = new Map<string, number>();
  private longest = 0;
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind) ?? 0] ?? 'other';
      this.seconds.set(kind, (this.seconds.get(kind) ?? 0) + entry.duration / 1000);
      this.runs.set(kind, (this.runs.get(kind) ?? 0) + 1);
      this.longest = Math.max(this.longest, entry.duration / 1000);
    }
  });
  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }
  render(): string {
    const lines = ['# HELP nodejs_gc_duration_seconds_total time spent in garbage collection, by kind', '# TYPE nodejs_gc_duration_seconds_total counter'];
    for (const [kind, s] of this.seconds) lines.push(`nodejs_gc_duration_seconds_total${labelText({ kind })} ${s}`);
    lines.push('# HELP nodejs_gc_runs_total garbage collections, by kind', '# TYPE nodejs_gc_runs_total counter');
    for (const [kind, n] of this.runs) lines.push(`nodejs_gc_runs_total${labelText({ kind })} ${n}`);
    lines.push('# HELP nodejs_gc_pause_max_seconds longest garbage-collection pause since the last scrape', '# TYPE nodejs_gc_pause_max_seconds gauge', `nodejs_gc_pause_max_seconds ${this.longest}`);
    this.longest = 0;
    return lines.join('\n');
  }
  stop(): void {
    this.observer.disconnect();
  }
}

/** perf_hooks' `NODE_PERFORMANCE_GC_*` flags, as Prometheus' Node client names them. */
const GC_KINDS: Readonly<Record<number, string>> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

export type Metrics = ReturnType<typeof createMetrics>;

/** Calls and the media engine under them: what a call costs to set up, how calls end, whether the engine is there. */
function callMetrics(registry: Registry, gauges: MetricGauges) {
  const byState = (state: 'ringing' | 'active') => () => gauges.calls?.()[state] ?? 0;
  return {
    ringing: registry.add(new Gauge('lawline_calls_ringing', 'calls on this node ringing, not yet answered', byState('ringing'))),
    active: registry.add(new Gauge('lawline_calls_active', 'calls on this node answered and running', byState('active'))),
    ended: registry.add(new Counter('lawline_calls_ended_total', 'calls ended on this node, by reason (hangup, declined, closed, transferred, disconnected, unavailable)')),
    // From call.start to both parties' receiving legs taken by the engine: a person's wait for the other's picture and voice, their answering time included.
    setup: registry.add(new Histogram('lawline_call_setup_seconds', 'call.start to both parties receiving the other (their answering included)', SETUP_BUCKETS)),
    engineUp: registry.add(new Gauge('lawline_media_engine_up', 'the media engine answers its probes (1), or not (0); absent engine: 0', () => (gauges.mediaEngine?.()?.up ? 1 : 0))),
    engineRestarts: registry.add(new Gauge('lawline_media_engine_restarts_total', 'times the media engine was restarted by its supervisor', () => gauges.mediaEngine?.()?.restarts ?? 0, 'counter')),
  };
}
export type CallMetrics = ReturnType<typeof callMetrics>;

/** Ringing included: a few seconds to a minute. */
const SETUP_BUCKETS = [0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120] as const;

function routingMetrics(registry: Registry) {
  return {
    queueLength: registry.add(new LabeledGauge('lawline_queue_length', 'consultations waiting, by category')),
    lawyers: registry.add(new LabeledGauge('lawline_lawyers', 'lawyers on duty, by state')),
    offers: registry.add(new Counter('lawline_offers_total', 'offers by outcome (offered, accepted, declined, timeout, withdrawn)')),
    sla: registry.add(new Counter('lawline_sla_events_total', 'message consultation SLA events (rerouted, reminded, breached)')),
    messages: registry.add(new Counter('lawline_message_consultations_total', 'message consultations by origin (direct, converted-by-citizen, converted-after-wait)')),
    rosterReminders: registry.add(new Counter('lawline_roster_reminders_total', 'rostered lawyers reminded at shift start because they were not on duty')),
    timeToAnswer: registry.add(new Histogram('lawline_time_to_answer_seconds', 'request to a lawyer taking it, by category', WAIT_BUCKETS)),
  };
}
export type RoutingMetrics = ReturnType<typeof routingMetrics>;
