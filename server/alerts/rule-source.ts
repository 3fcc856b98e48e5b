import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../log.ts';
import { CompiledRules } from './rules.ts';

export interface RuleSourceEvents {
  /** A new file is in force (audited by the caller). */
  reloaded(rules: CompiledRules): void;
  /** A changed file was refused: the rules before it stay in force. */
  rejected(problem: string): void;
}

/**
 * The rule file in force, reloaded when it changes. The directory is watched, not the file: an
 * editor or a deployment replaces the file (rename over it), which a watch on the old inode
 * never sees. Changes are debounced (a save is several events) and a file that does not parse
 * or check keeps the old rules, loudly.
 */
export class RuleSource {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  loadedAt = 0;

  private constructor(
    readonly path: string,
    public current: CompiledRules,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly debounceMs: number,
  ) {}

  /** Loads the file at start: a bad one fails the start with what is wrong and where. */
  static async open(path: string, log: Logger, now: () => number, debounceMs = 200): Promise<RuleSource> {
    const rules = CompiledRules.parse(await readFile(path, 'utf8'));
    if (!rules.ok) throw new Error(`alert rules ${path}: ${rules.error}`);
    const source = new RuleSource(path, rules.value, log, now, debounceMs);
    source.loadedAt = now();
    return source;
  }

  watch(events: RuleSourceEvents): void {
    const name = basename(this.path);
    this.watcher = watch(dirname(this.path), (_event, file) => {
      if (file !== null && file !== name) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.reading = this.reading.then(() => this.reload(events));
      }, this.debounceMs);
      this.timer.unref();
    });
    this.watcher.on('error', (e) => this.log.error({ err: e, path: this.path }, 'alert rules: cannot watch the file; changes need a restart'));
    this.watcher.unref();
  }

  /** Reads the file again now (the watch does this on a change). */
  async reload(events: RuleSourceEvents): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      const problem = `cannot read: ${(e as Error).message}`;
      this.log.error({ path: this.path, problem }, 'alert rules: the changed file was refused; the rules before it stay in force');
      events.rejected(problem);
      return;
    }
    const rules = CompiledRules.parse(text);
    if (!rules.ok) {
      this.log.error({ path: this.path, problem: rules.error, version: this.current.version }, 'alert rules: the changed file was refused; the rules before it stay in force');
      events.rejected(rules.error);
      return;
    }
    this.current = rules.value;
    this.loadedAt = this.now();
    this.log.info({ path: this.path, version: rules.value.version }, 'alert rules: reloaded');
    events.reloaded(rules.value);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
