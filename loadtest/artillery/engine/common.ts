// What the engine's parts share: artillery's types as far as the engine uses them, the
// thread's raw record, errors as artillery counts them, and metrics sent to both.
import { ErrorCode } from '../../../protocol/errors.ts';
import { LawlineError } from '../../../clients/sdk/index.ts';
import { Recorder } from './recorder.ts';

export type Vars = Record<string, unknown>;
export interface Context {
  vars: Vars;
  [key: string]: unknown;
}
export type Callback = (err: unknown, context?: Context) => void;
export type Step = (context: Context, callback: Callback) => void;
export interface Emitter {
  emit(event: string, ...args: unknown[]): unknown;
}
export interface Helpers {
  createThink(spec: unknown, defaults: unknown): Step;
  createLoopWithCount(count: number, steps: Step[], opts: Record<string, unknown>): Step;
  template(value: unknown, context: Context): unknown;
}
export type Spec = Record<string, unknown>;
export interface LawlineConfig {
  encoding?: 'msgpack' | 'json';
  requestTimeoutMs?: number;
  reconnect?: { minDelayMs: number; maxDelayMs: number };
  /** default waitFor / verify / reconnected timeout, seconds */
  timeout?: number;
}

const CODE_NAMES = new Map(Object.entries(ErrorCode).map(([k, v]) => [v as number, k]));

/**
 * One per worker thread: the raw per-second record that report.ts merges across processes.
 * Made at load time, from LAWLINE_LOADTEST_RAW: artillery loads the engine in each worker with
 * no other way to hand it settings per run.
 */
export const recorder = new Recorder();

/** What a step failed with, as artillery counts it (`errors.<code>`). */
export class StepError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export function codeOf(e: unknown): string {
  if (e instanceof StepError) return e.code;
  if (e instanceof LawlineError) return `lawline.${CODE_NAMES.get(e.code) ?? e.code}`;
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.message : String(e);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function within<T>(p: Promise<T>, ms: number, code: string, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StepError(code, `${what}: no answer in ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Metrics to artillery (its report and `ensure`) and to the raw record, under the same names. */
export class Metrics {
  constructor(private readonly ee: Emitter) {}
  histogram(name: string, ms: number): void {
    this.ee.emit('histogram', name, ms);
    recorder.histogram(name, ms);
  }
  counter(name: string, n = 1): void {
    this.ee.emit('counter', name, n);
    recorder.counter(name, n);
  }
}

