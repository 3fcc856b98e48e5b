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

export type Job = EchoJob | RelayJob | IdleJob;

export interface DriverResult {
  /** messages completed during the measured window (replies for echo, deliveries for relay) */
  messages: number;
  elapsedMs: number;
  /** send -> reply (echo), send -> peer receives (relay) */
  latency: import('./histogram.ts').HistogramData;
  /** lawline relay only: send -> durable ack */
  ack?: import('./histogram.ts').HistogramData;
  driverCpuUs: number;
}
