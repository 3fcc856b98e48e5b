import type { AlertViewT } from '../../protocol/frames.ts';
import type { Logger } from '../log.ts';
import type { Counter } from '../metrics.ts';
import type { Pusher } from '../session/pusher.ts';
import type { AlertRecord, Store } from '../store/port.ts';
import { SYSTEM, type AlertEvent } from './book.ts';
import { guides, notifies } from './levels.ts';
import type { CompiledRules } from './rules.ts';
import type { WebhookSender } from './webhook.ts';

/** What later issues plug in: level II starts silent monitoring, level I offers a forced handoff. */
export interface AlertHooks {
  monitor?(alert: AlertViewT): void;
  handoff?(alert: AlertViewT): void;
}

export interface ActionDeps {
  store: Store;
  pusher: Pusher;
  log: Logger;
  clock: () => number;
  rules: () => CompiledRules;
  webhook?: WebhookSender;
  hooks?: AlertHooks;
  /** Steps by event and level (`lawline_alert_events_total`). */
  events?: Counter;
}

/** Events that put the alert at a level (new, or higher): that level's actions run. */
const LEVELLING: ReadonlySet<AlertEvent> = new Set(['raised', 'upgraded', 'reopened', 'escalated']);

/**
 * The actions of each level, run once a change is durable, on the node that made it (the
 * compare-and-set let exactly one node make it): IV recorded and on the board (`alert.changed`
 * to supervisors, every change); III also the supervisors on duty (`alert.notify`) and the
 * webhook; II also guidance text to the consultation's lawyer and the monitoring hook; I the
 * webhook with priority and the handoff hook. Every change is an audit entry.
 */
export function alertActions(deps: ActionDeps) {
  return (alert: AlertRecord, event: AlertEvent): void => {
    const last = alert.history[alert.history.length - 1];
    const actor = last?.by ?? SYSTEM;
    deps.events?.inc({ event, level: alert.level });
    deps.store
      .appendAudit({ at: deps.clock(), actor, action: `alert.${event}`, subject: alert.id, ...(alert.consultationId ? { owner: alert.consultationId } : {}) })
      .catch((e: unknown) => deps.log.error({ err: e, alertId: alert.id, event }, 'alerts: audit entry failed'));
    deps.pusher.push(['role:supervisor'], 'alert.changed', { alert });
    if (!LEVELLING.has(event)) return;
    const priority = alert.level === 'I';
    if (notifies(alert.level)) {
      deps.pusher.push(['role:supervisor'], 'alert.notify', { alert, priority });
      deps.webhook?.send(alert.id, { event, priority, sentAt: deps.clock(), alert }, priority);
    }
    if (guides(alert.level)) {
      if (alert.consultationId) void guide(deps, alert);
      if (alert.level === 'II') deps.hooks?.monitor?.(alert);
    }
    if (priority) deps.hooks?.handoff?.(alert);
  };
}

async function guide(deps: ActionDeps, alert: AlertRecord): Promise<void> {
  try {
    const c = await deps.store.getConsultation(alert.consultationId as string);
    const text = deps.rules().file.types[alert.riskType]?.guidance;
    if (!c?.lawyer || !text) return;
    deps.pusher.push([`u:${c.lawyer.id}`], 'alert.guidance', { consultationId: c.id, alertId: alert.id, riskType: alert.riskType, level: alert.level, text });
  } catch (e) {
    deps.log.error({ err: e, alertId: alert.id }, 'alerts: guidance for the lawyer failed');
  }
}
