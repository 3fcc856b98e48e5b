import type { AlertLevel, AlertStepT } from '../../protocol/frames.ts';
import type { Category } from '../../protocol/vocabulary.ts';
import type { Logger } from '../log.ts';
import type { AlertRecord, Person, Store } from '../store/port.ts';
import { moreSevere, oneUp } from './levels.ts';
import type { CompiledRules } from './rules.ts';

/** What a rule found: raised as a new alert, or folded into the open one with the same id. */
export interface Candidate {
  id: string;
  kind: AlertRecord['kind'];
  riskType: string;
  level: AlertLevel;
  score: number;
  rules: string[];
  consultationId?: string;
  consultationIds?: string[];
  category?: Category;
  region?: string;
}

export type AlertEvent = 'raised' | 'upgraded' | 'reopened' | 'escalated' | 'acknowledged' | 'annotated' | 'closed';

/** Who did a step the server did by itself (raise, escalation), in the audit log. */
export const SYSTEM: Person = { id: 'lawline', role: 'admin', name: 'lawline' };

const MAX_RULES = 20;
const MAX_IDS = 100;
const MAX_HISTORY = 200;
/** Compare-and-set attempts before giving up on one change (each loses only to another change of the same alert). */
const ATTEMPTS = 8;

export interface BookDeps {
  store: Store;
  rules: () => CompiledRules;
  clock: () => number;
  log: Logger;
  /** After a change is durable: the level's actions, the board's push. */
  changed(alert: AlertRecord, event: AlertEvent, before: AlertRecord | undefined): void;
}

export type Outcome = { ok: true; alert: AlertRecord } | { ok: false; reason: 'not-found' | 'closed' | 'busy' };

/**
 * Alerts and their lifecycle, kept in the store (they survive a restart and every node sees
 * them): raised -> acknowledged -> closed (false positive or not), annotated at any step, and
 * escalated one level when not acknowledged within its level's time. Every change is a
 * compare-and-set on the alert's version, so a change computed from a stale copy (another node
 * acknowledged it meanwhile) is recomputed, never lost or doubled: escalation is idempotent and
 * may run on any node (node.ts runs it on the one leading the jobs).
 */
export class AlertBook {
  constructor(private readonly deps: BookDeps) {}

  /** A new alert, or the open one with this id raised to the candidate's level (never lowered). */
  async raise(c: Candidate): Promise<AlertRecord | undefined> {
    for (let i = 0; i < ATTEMPTS; i++) {
      const before = await this.deps.store.getAlert(c.id);
      const next = this.merge(before, c);
      if (!next) return undefined;
      if (await this.deps.store.putAlert(next.alert)) {
        this.deps.changed(next.alert, next.event, before);
        return next.alert;
      }
    }
    this.deps.log.warn({ alertId: c.id }, 'alerts: gave up raising an alert changed by others meanwhile');
    return undefined;
  }

  private merge(before: AlertRecord | undefined, c: Candidate): { alert: AlertRecord; event: AlertEvent } | undefined {
    const now = this.deps.clock();
    if (!before) {
      const alert: AlertRecord = {
        id: c.id,
        version: 1,
        kind: c.kind,
        riskType: c.riskType,
        level: c.level,
        state: 'raised',
        score: c.score,
        rules: c.rules.slice(0, MAX_RULES),
        ...(c.consultationId ? { consultationId: c.consultationId } : {}),
        ...(c.consultationIds ? { consultationIds: c.consultationIds.slice(-MAX_IDS) } : {}),
        ...(c.category ? { category: c.category } : {}),
        ...(c.region ? { region: c.region } : {}),
        rulesVersion: this.deps.rules().version,
        createdAt: now,
        updatedAt: now,
        history: [{ at: now, action: 'raised', level: c.level }],
      };
      return { alert: this.escalating(alert, now), event: 'raised' };
    }
    const rules = [...new Set([...before.rules, ...c.rules])].slice(0, MAX_RULES);
    const ids = c.consultationIds && [...new Set([...(before.consultationIds ?? []), ...c.consultationIds])].slice(-MAX_IDS);
    const grows = ids !== undefined && ids.length !== (before.consultationIds ?? []).length;
    if (before.state === 'closed') {
      // A closed alert comes back only for something worse than what was closed.
      if (!moreSevere(c.level, before.level)) return undefined;
      const { falsePositive: _dropped, ...rest } = before;
      return { alert: this.escalating(this.step({ ...rest, state: 'raised', level: c.level, score: c.score, rules, ...(ids ? { consultationIds: ids } : {}) }, { at: now, action: 'reopened', level: c.level }), now), event: 'reopened' };
    }
    if (moreSevere(c.level, before.level)) {
      const up = this.step({ ...before, level: c.level, score: Math.max(c.score, before.score), rules, ...(ids ? { consultationIds: ids } : {}) }, { at: now, action: 'upgraded', level: c.level });
      return { alert: before.state === 'raised' ? this.escalating(up, now) : up, event: 'upgraded' };
    }
    // Same level or lower: a collective alert records the new consultation; otherwise nothing to do.
    if (!grows) return undefined;
    return { alert: this.step({ ...before, rules, consultationIds: ids }, undefined), event: 'annotated' };
  }

  /** Escalates every raised alert whose time is up, one level each (I does not escalate). */
  async escalateDue(): Promise<number> {
    const now = this.deps.clock();
    let n = 0;
    for (const a of await this.deps.store.listAlerts({ states: ['raised'] })) {
      if (a.escalateAt === undefined || a.escalateAt > now) continue;
      const r = await this.change(a.id, 'escalated', undefined, (x) => {
        if (x.state !== 'raised' || x.escalateAt === undefined || x.escalateAt > now) return undefined;
        const level = oneUp(x.level);
        return this.escalating(this.step({ ...x, level }, { at: now, action: 'escalated', level }), now);
      });
      if (r.ok) n++;
    }
    return n;
  }

  acknowledge(id: string, by: Person, note?: string): Promise<Outcome> {
    return this.change(id, 'acknowledged', by, (x) => {
      if (x.state !== 'raised') return x; // a repeat, or already closed: answered as it is
      const { escalateAt: _stopped, ...rest } = x;
      return this.step({ ...rest, state: 'acknowledged' }, { at: this.deps.clock(), action: 'acknowledged', by, ...(note ? { note } : {}) });
    });
  }

  annotate(id: string, by: Person, note: string): Promise<Outcome> {
    return this.change(id, 'annotated', by, (x) => this.step(x, { at: this.deps.clock(), action: 'annotated', by, note }));
  }

  close(id: string, by: Person, falsePositive: boolean, note?: string): Promise<Outcome> {
    return this.change(id, 'closed', by, (x) => {
      if (x.state === 'closed') return x;
      const { escalateAt: _stopped, ...rest } = x;
      return this.step({ ...rest, state: 'closed', ...(falsePositive ? { falsePositive: true } : {}) }, { at: this.deps.clock(), action: 'closed', by, ...(note ? { note } : {}) });
    });
  }

  /**
   * Applies `edit` with compare-and-set, again on a fresh copy when another change won. `edit`
   * returns the alert itself for "nothing to change" (answered as it stands), undefined to skip.
   */
  private async change(id: string, event: AlertEvent, by: Person | undefined, edit: (a: AlertRecord) => AlertRecord | undefined): Promise<Outcome> {
    for (let i = 0; i < ATTEMPTS; i++) {
      const before = await this.deps.store.getAlert(id);
      if (!before) return { ok: false, reason: 'not-found' };
      const next = edit(before);
      if (!next) return { ok: false, reason: 'closed' };
      if (next === before) return { ok: true, alert: before };
      if (await this.deps.store.putAlert(next)) {
        this.deps.changed(next, event, before);
        return { ok: true, alert: next };
      }
    }
    this.deps.log.warn({ alertId: id, event, by: by?.id }, 'alerts: gave up on a change: the alert kept changing under it');
    return { ok: false, reason: 'busy' };
  }

  private step(a: AlertRecord, step: AlertStepT | undefined): AlertRecord {
    const now = this.deps.clock();
    const history = step ? [...a.history, step].slice(-MAX_HISTORY) : a.history;
    return { ...a, version: a.version + 1, updatedAt: now, history };
  }

  /** Sets when a raised alert escalates next: its level's time from now (none at level I). */
  private escalating(a: AlertRecord, now: number): AlertRecord {
    const { escalateAt: _old, ...rest } = a;
    if (a.level === 'I') return rest;
    return { ...rest, escalateAt: now + this.deps.rules().file.levels[a.level].ackWithinMs };
  }
}
