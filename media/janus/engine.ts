import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { err, ok, type Result } from '../../protocol/result.ts';
import type { EngineState, EngineUnavailable, MediaEngine, MediaLog } from '../engine.ts';
import { launchJanus, retireJanus, type LaunchOptions, type RunningJanus } from './launch.ts';
import { findJanusLibrary } from './runtime-dir.ts';
import type { JanusSocket } from './socket.ts';

export interface JanusEngineOptions extends Partial<Omit<LaunchOptions, 'runtimeParent'>> {
  /** Runtime dirs (configuration with the secrets) are made below it, one per start. */
  runtimeParent: string;
  log: MediaLog;
  /** How often Janus is asked whether it answers, and how long an answer may take. */
  probeMs?: number;
  probeTimeoutMs?: number;
  /** Unanswered probes in a row after which Janus is taken for hung and restarted. */
  missedProbes?: number;
}

const INSTALL_HINT = 'apt-get install janus';
/** Longest wait between two tries to start a Janus that keeps failing. */
const MAX_BACKOFF_MS = 30_000;

const executable = (name: string): string | undefined => {
  const candidates = name.includes('/') ? [name] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
};

/**
 * Janus, run and supervised by lawline: started on a private runtime dir, asked every
 * `probeMs` whether it answers, and restarted (with fresh secrets) when it exits or misses
 * `missedProbes` probes in a row; `restarted` tells the drivers to re-create what they had.
 */
export class JanusEngine implements MediaEngine {
  private current: RunningJanus | undefined;
  private phase: EngineState = 'stopped';
  private generation = 0;
  private missed = 0;
  private probing = false;
  private probeTimer: NodeJS.Timeout | undefined;
  /** The restart in progress, so an exit and a failed probe never restart twice. */
  private restarting: Promise<void> | undefined;
  private readonly stateListeners = new Set<(state: EngineState) => void>();
  private readonly restartListeners = new Set<(generation: number) => void>();

  constructor(private readonly o: JanusEngineOptions) {}

  get state(): EngineState {
    return this.phase;
  }

  /** How many times Janus was started again after the first start. */
  get restarts(): number {
    return Math.max(0, this.generation - 1);
  }

  /** The API socket of the Janus running now (undefined while none answers). */
  api(): JanusSocket | undefined {
    return this.phase === 'up' ? this.current?.api : undefined;
  }

  /** What drives the Janus running now: its API, its admin API's address and the key of both, and which start it is. */
  control(): { api: JanusSocket; adminUrl: string; adminKey: string; generation: number } | undefined {
    const running = this.current;
    if (this.phase !== 'up' || !running) return undefined;
    return { api: running.api, adminUrl: `ws://127.0.0.1:${running.settings.adminPort}`, adminKey: running.settings.adminSecret, generation: this.generation };
  }

  /** The pid of the Janus running now: for operators and fault tests. */
  pid(): number | undefined {
    return this.current?.process.pid;
  }

  onState(listener: (state: EngineState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onRestarted(listener: (generation: number) => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  async start(): Promise<Result<void, EngineUnavailable>> {
    const binary = executable(this.o.binary ?? 'janus');
    const library = this.o.library ?? findJanusLibrary();
    if (!binary || !library) {
      const what = !binary ? `no ${this.o.binary ?? 'janus'} on PATH` : 'no Janus videoroom plugin and WebSocket transport found';
      return err({ reason: 'not-installed', message: `calls are unavailable: ${what}`, hint: INSTALL_HINT });
    }
    this.setState('starting');
    const started = await launchJanus(this.launchOptions(binary, library));
    if (!started.ok) {
      this.setState('stopped');
      return err({ reason: 'did-not-start', message: `calls are unavailable: ${started.error}` });
    }
    this.adopt(started.value);
    this.probeTimer = setInterval(() => void this.probe(), this.o.probeMs ?? 1000);
    this.probeTimer.unref();
    return ok(undefined);
  }

  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.setState('stopped');
    clearInterval(this.probeTimer);
    await this.restarting;
    const running = this.current;
    this.current = undefined;
    if (running) await retireJanus(running, 'stop');
  }

  private launchOptions(binary: string, library: string): LaunchOptions {
    return {
      binary,
      library,
      runtimeParent: this.o.runtimeParent,
      rtpPorts: this.o.rtpPorts ?? { min: 20000, max: 40000 },
      ...(this.o.publicIp ? { publicIp: this.o.publicIp } : {}),
      logLevel: this.o.logLevel ?? 3,
      wsPort: this.o.wsPort ?? 0,
      adminPort: this.o.adminPort ?? 0,
      startTimeoutMs: this.o.startTimeoutMs ?? 15_000,
    };
  }

  private adopt(running: RunningJanus): void {
    this.current = running;
    this.generation++;
    this.missed = 0;
    this.o.log.info({ pid: running.process.pid, generation: this.generation, wsPort: running.settings.wsPort }, 'media: Janus answers');
    void running.process.exited.then((how) => {
      if (this.current !== running || this.phase === 'stopped') return;
      this.o.log.error({ ...how, pid: running.process.pid, output: running.process.output() }, 'media: Janus exited; restarting it');
      void this.restart('exited');
    });
    this.setState('up');
  }

  private async probe(): Promise<void> {
    const running = this.current;
    if (this.phase !== 'up' || this.probing || !running) return;
    this.probing = true;
    const answer = await running.api.request({ janus: 'ping' }, this.o.probeTimeoutMs ?? 1000);
    this.probing = false;
    if (this.current !== running || this.phase !== 'up') return;
    if (answer.ok) return void (this.missed = 0);
    this.missed++;
    this.o.log.warn({ missed: this.missed, error: answer.error.message }, 'media: Janus did not answer a probe');
    if (this.missed >= (this.o.missedProbes ?? 2)) void this.restart('hung');
  }

  /** Kills the Janus there is (hung or gone) and starts another, trying again with backoff until one answers or the engine stops. */
  private restart(why: 'exited' | 'hung'): Promise<void> {
    this.restarting ??= (async () => {
      this.setState('restarting');
      const old = this.current;
      this.current = undefined;
      if (old) await retireJanus(old, 'kill');
      const binary = executable(this.o.binary ?? 'janus');
      const library = this.o.library ?? findJanusLibrary();
      for (let attempt = 0; this.phase === 'restarting'; attempt++) {
        const started = binary && library ? await launchJanus(this.launchOptions(binary, library)) : err('Janus is no longer installed');
        if (started.ok) {
          if (this.phase !== 'restarting') return void (await retireJanus(started.value, 'stop'));
          this.adopt(started.value);
          this.o.log.warn({ why, generation: this.generation }, 'media: Janus restarted');
          for (const listener of this.restartListeners) listener(this.generation);
          return;
        }
        const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
        this.o.log.error({ why, attempt, backoffMs: backoff, error: started.error }, 'media: Janus could not be restarted');
        // In steps, so that a stop() during the backoff does not wait it out.
        for (const until = Date.now() + backoff; Date.now() < until && this.phase === 'restarting'; ) await new Promise((r) => setTimeout(r, 100));
      }
    })().finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  private setState(state: EngineState): void {
    if (this.phase === state) return;
    this.phase = state;
    for (const listener of this.stateListeners) listener(state);
  }
}
