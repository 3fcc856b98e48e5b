/** What the orchestrator asks a driver process to do; one JSON file per run. */
export type Arm = 'lawline' | 'bare';

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

export type Job = EchoJob | RelayJob | IdleJob | RoutingJob;

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
}
