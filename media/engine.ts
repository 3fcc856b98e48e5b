import type { Result } from '../protocol/result.ts';

/**
 * The media engine as the server sees it: started and stopped with the node, supervised
 * inside (`state`, `restarted`), and unavailable with a reason and a fix rather than a crash.
 * Calls (rooms, publishers, subscribers) are driven through it in a later step; Janus is the
 * engine behind it today (`janus/engine.ts`).
 */
export interface MediaEngine {
  readonly state: EngineState;
  readonly restarts: number;
  start(): Promise<Result<void, EngineUnavailable>>;
  stop(): Promise<void>;
  onState(listener: (state: EngineState) => void): () => void;
  /** The engine was started again (it exited or hung): what lived in it is gone and must be re-created. */
  onRestarted(listener: (generation: number) => void): () => void;
}

export type EngineState = 'stopped' | 'starting' | 'up' | 'restarting';

/** Why calls cannot be offered: told to clients with `hint`, the one-line fix for an operator. */
export interface EngineUnavailable {
  reason: 'not-installed' | 'did-not-start';
  message: string;
  hint?: string;
}

/** What the engine logs through (pino's shape; `media/` never imports the server's logger). */
export interface MediaLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
