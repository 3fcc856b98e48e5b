import type { CoordinationPort } from '../backplane/coordination-port.ts';
import type { Logger } from '../log.ts';
import type { Counter } from '../metrics.ts';
import type { Pusher } from '../session/pusher.ts';
import type { Store } from '../store/port.ts';
import { alertActions, type AlertHooks } from './actions.ts';
import { AlertBook, SYSTEM } from './book.ts';
import { alertHandlers } from './handlers.ts';
import { RuleSource } from './rule-source.ts';
import { AlertWatch } from './watch.ts';
import { WebhookSender, type WebhookConfig } from './webhook.ts';

export { signature } from './webhook.ts';
export type { AlertHooks } from './actions.ts';

export interface AlertServiceDeps {
  store: Store;
  pusher: Pusher;
  log: Logger;
  /** Injectable: escalation tests move it through every level's time. */
  clock: () => number;
  rulesPath: string;
  /** Where the collective rule counts mentions, across the cluster. */
  coordination: Pick<CoordinationPort, 'mention'>;
  webhook?: WebhookConfig;
  /** In a cluster escalation runs on the node leading the jobs (it would be correct on all: compare-and-set). */
  leads: () => boolean;
  /** How often escalation deadlines are checked. */
  tickMs: number;
  hooks?: AlertHooks;
  metrics?: { events: Counter; webhook: Counter };
}

/**
 * The risk watch (issue 19, item 3): the rule file, the alerts and their lifecycle, the actions
 * of each level and escalation. `observer` is told of every stored message and SLA breach;
 * `handlers` answer the supervisors' alert.* requests.
 */
export class AlertService {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  readonly book: AlertBook;
  readonly watch: AlertWatch;
  readonly webhook: WebhookSender | undefined;

  private constructor(
    private readonly deps: AlertServiceDeps,
    readonly source: RuleSource,
  ) {
    const rules = () => source.current;
    const webhook = deps.webhook && new WebhookSender({ ...deps.webhook, ...(deps.metrics ? { outcomes: deps.metrics.webhook } : {}) }, deps.log);
    this.webhook = webhook;
    const act = alertActions({ store: deps.store, pusher: deps.pusher, log: deps.log, clock: deps.clock, rules, ...(webhook ? { webhook } : {}), ...(deps.hooks ? { hooks: deps.hooks } : {}), ...(deps.metrics ? { events: deps.metrics.events } : {}) });
    this.book = new AlertBook({ store: deps.store, rules, clock: deps.clock, log: deps.log, changed: act });
    this.watch = new AlertWatch(this.book, rules, deps.log, deps.clock, deps.coordination);
  }

  /** Loads the rule file (a bad one fails the start, saying what and where) and watches it. */
  static async open(deps: AlertServiceDeps): Promise<AlertService> {
    const source = await RuleSource.open(deps.rulesPath, deps.log, deps.clock);
    const service = new AlertService(deps, source);
    const audit = (action: string, subject: string) =>
      deps.store.appendAudit({ at: deps.clock(), actor: SYSTEM, action, subject }).catch((e: unknown) => deps.log.error({ err: e, action }, 'alerts: audit entry failed'));
    source.watch({
      reloaded: (rules) => void audit('alert.rules.reloaded', `${rules.version}`),
      rejected: (problem) => {
        void audit('alert.rules.rejected', problem.slice(0, 200));
        deps.pusher.push(['role:supervisor'], 'alert.rules.rejected', { version: source.current.version, problem: problem.slice(0, 1000) });
      },
    });
    deps.log.info({ path: deps.rulesPath, version: source.current.version }, 'alert rules: loaded');
    return service;
  }

  get observer() {
    return this.watch;
  }

  handlers() {
    return alertHandlers({ store: this.deps.store, book: this.book, source: this.source, clock: this.deps.clock });
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.tickMs);
    this.timer.unref();
  }

  /** One escalation pass (the timer's; tests call it after moving the clock). */
  async tick(): Promise<number> {
    if (this.ticking || !this.deps.leads()) return 0;
    this.ticking = true;
    try {
      return await this.book.escalateDue();
    } catch (e) {
      this.deps.log.error({ err: e }, 'alerts: escalation pass failed; the next one tries again');
      return 0;
    } finally {
      this.ticking = false;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.source.stop();
    this.webhook?.stop();
    await this.watch.settled();
  }
}
