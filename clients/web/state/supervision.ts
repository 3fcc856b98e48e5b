import { ALERT_LEVELS, type AlertLevel, type AlertViewT, type ChatMessageT, type ConsultationViewT, type ReplyData } from '../../../protocol/frames.ts';

/** The transcript of the consultation of the alert opened: read once when opened (each read is audited by the server). */
export interface Transcript {
  consultationId: string;
  state: 'loading' | 'loaded' | 'failed';
  messages: readonly ChatMessageT[];
  hasMore: boolean;
}

/** Open consultations by state, counted from `consult.list` when it was last read. */
export interface ConsultationCounts {
  queued: number;
  active: number;
  at: number;
}

/**
 * What a supervisor's page works from: the open alerts (raised or acknowledged) by id, as the
 * last `alert.list` or push said (a higher `version` wins: pushes and a listing may cross), the
 * level filter, the alert opened with its consultation's transcript, and the summary counts.
 */
export interface Supervision {
  alerts: Readonly<Record<string, AlertViewT>>;
  /** Whether `alert.list` answered at least once since sign-in. */
  listed: boolean;
  filter: AlertLevel | 'all';
  opened: string | undefined;
  transcript: Transcript | undefined;
  counts: ConsultationCounts | undefined;
  /** Risk type labels from the rule file in force (`alert.rules`), by type. */
  typeLabels: Readonly<Record<string, ReplyData<'alert.rules'>['types'][number]['label']>>;
  /** Pushes of `alert.notify` so far (level III and above): the page chimes when it grows. */
  notified: number;
  /** The last rule file the server refused, if any since sign-in. */
  rulesRejected: { version: string; problem: string } | undefined;
}

export const emptySupervision: Supervision = { alerts: {}, listed: false, filter: 'all', opened: undefined, transcript: undefined, counts: undefined, typeLabels: {}, notified: 0, rulesRejected: undefined };

const isOpenAlert = (a: AlertViewT) => a.state !== 'closed';

/** An alert as pushed or answered: newer versions replace older ones; a closed one leaves the queue (and the view, if opened). */
export function alertChanged(s: Supervision, a: AlertViewT): Supervision {
  const known = s.alerts[a.id];
  if (known && known.version >= a.version) return s;
  if (!isOpenAlert(a)) {
    if (!known) return s;
    const { [a.id]: _gone, ...rest } = s.alerts;
    return { ...s, alerts: rest, ...(s.opened === a.id ? { opened: undefined, transcript: undefined } : {}) };
  }
  return { ...s, alerts: { ...s.alerts, [a.id]: a } };
}

/** A full listing: what it holds replaces what was known, unless a push already brought a newer version. */
export function alertsListed(s: Supervision, alerts: readonly AlertViewT[]): Supervision {
  const next: Record<string, AlertViewT> = {};
  for (const a of alerts) {
    if (!isOpenAlert(a)) continue;
    const known = s.alerts[a.id];
    next[a.id] = known && known.version > a.version ? known : a;
  }
  return { ...s, alerts: next, listed: true };
}

const severity = (l: AlertLevel) => ALERT_LEVELS.indexOf(l);

/** The queue's order: most severe first, then newest (last raised or raised again) first. */
export function alertQueue(s: Supervision): AlertViewT[] {
  return Object.values(s.alerts)
    .filter((a) => s.filter === 'all' || a.level === s.filter)
    .sort((a, b) => severity(a.level) - severity(b.level) || b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1));
}

/** Open alerts by level, for the summary strip. */
export function openByLevel(alerts: Supervision['alerts']): Record<AlertLevel, number> {
  const n: Record<AlertLevel, number> = { I: 0, II: 0, III: 0, IV: 0 };
  for (const a of Object.values(alerts)) n[a.level]++;
  return n;
}

/** Alerts at level III or above nobody acknowledged yet: the page's title badge for a supervisor. */
export function unacknowledgedSerious(alerts: Supervision['alerts']): number {
  let n = 0;
  for (const a of Object.values(alerts)) if (a.state === 'raised' && severity(a.level) <= severity('III')) n++;
  return n;
}

export function countConsultations(cs: readonly ConsultationViewT[], at: number): ConsultationCounts {
  const counts = { queued: 0, active: 0, at };
  // Picked: a lawyer took it from the queue and is joining; no longer waiting.
  for (const c of cs) {
    if (c.state === 'queued') counts.queued++;
    else counts.active++;
  }
  return counts;
}
