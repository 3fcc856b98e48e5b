/** What the orchestrator asks a driver process to do; one JSON file per run. */
/** lawline, or a baseline doing the same work: a bare uWebSockets.js server, or Socket.IO 4 (B2 relay only). */
export type Arm = 'lawline' | 'bare' | 'socketio';

export interface EchoJob {
  kind: 'echo';
  arm: Arm;
  url: string;
  tokens: string[];
  connections: number;
  /** requests outstanding per connection (closed loop) */
  window: number;
  durationMs: number;
}

export interface RelayJob {
  kind: 'relay';
  arm: Arm;
  url: string;
  /** [citizenToken, lawyerToken] per pair (unused by the bare arm) */
  pairs: [string, string][];
  /** [citizen's node, lawyer's node] per pair, to spread a pair over a cluster (B4); default `url` for both */
  urls?: [string, string][];
  bodyBytes: number;
  durationMs: number;
  /** closed loop with `window` in flight per citizen, or a fixed total offered rate */
  load: { mode: 'closed'; window: number } | { mode: 'rate'; perSec: number };
}

export interface IdleJob {
  kind: 'idle';
  arm: Arm;
  url: string;
  tokens: string[];
  count: number;
  batch: number;
}

/** B5: lawyers on duty accept every offer and close it at once; citizens ask at a fixed total rate. */
export interface RoutingJob {
  kind: 'routing';
  url: string;
  lawyerTokens: string[];
  /** A citizen asks again only after its previous request was offered, so request and offer pair up by citizen. */
  citizens: { token: string; id: string; category: string; region: string }[];
  perSec: number;
  durationMs: number;
}

/**
 * B4: lawyers go on and off duty, one cycle at a time. Each has a device where they switch
 * (`dutyUrl`), a second device elsewhere that is told (`duty.state` push), and a watcher on a
 * third node polling `directory.list` until the change shows.
 */
export interface PresenceJob {
  kind: 'presence';
  lawyers: { id: string; token: string; dutyUrl: string; deviceUrl: string; watcherToken: string; watcherUrl: string }[];
  /** a category only these lawyers serve, so the directory answer stays short */
  category: string;
  cycles: number;
  timeLimitMs: number;
}

/**
 * The soak (soak/run.ts): citizens and lawyers in consultations on one node for an hour, chatting
 * at `perSec` in all, a share of devices cut every minute; the driver prints a tick every
 * `tickMs` (soak/load.ts) and checks that every acked message reached the other party once.
 */
export interface SoakJob {
  kind: 'soak';
  url: string;
  /** where a device off the network tries to connect: nothing listens there */
  deadUrl: string;
  /** loopback addresses the devices connect from, in turn */
  sourceAddresses: string[];
  lawyers: { id: string; token: string }[];
  /** chat: live consultations, one after another; message: one 留言 kept open and added to; idle: connected, nothing more */
  citizens: { id: string; token: string; kind: 'chat' | 'message' | 'idle' }[];
  categories: string[];
  region: string;
  capacity: number;
  perSec: number;
  /** share of messages written in message consultations (the rest in live ones) */
  messageShare: number;
  dropsPerMin: number;
  /** share of a citizen's drops after which it stays off the network `absentMs` (past the resume window) */
  longShare: number;
  absentMs: number;
  /** how long a silent device stays silent before its socket dies (past the node's heartbeat timeout) */
  silentMs: number;
  /** a live consultation is closed after a time drawn from this range */
  lifetimeMs: [number, number];
  durationMs: number;
  tickMs: number;
}

export type Job = EchoJob | RelayJob | IdleJob | RoutingJob | PresenceJob | SoakJob;

/** B4 presence: latencies from the duty.on/off frame being sent, on and off mixed. */
export interface PresenceResult {
  /** until a directory.list answer on another node shows the change */
  directory: import('./histogram.ts').HistogramData;
  /** until the lawyer's other device (another node) gets its duty.state push */
  device: import('./histogram.ts').HistogramData;
  /** until the duty.on/off reply */
  reply: import('./histogram.ts').HistogramData;
  /** directory.list calls made while waiting */
  polls: number;
}


export interface DriverResult {
  /** messages completed during the measured window (replies for echo, deliveries for relay) */
  messages: number;
  elapsedMs: number;
  /** send -> reply (echo), send -> peer receives (relay) */
  latency: import('./histogram.ts').HistogramData;
  /** lawline relay only: send -> durable ack */
  ack?: import('./histogram.ts').HistogramData;
  driverCpuUs: number;
  /** routing only: requests not sent because that citizen was still waiting */
  skipped?: number;
  presence?: PresenceResult;
  soak?: import('./soak/load.ts').SoakResult;
}
