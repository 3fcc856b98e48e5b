import { LIMITS } from '../../../protocol/frames.ts';
import type { LawlineClient } from '../../sdk/index.ts';
import { announce, type AppStore } from '../state/app-state.ts';
import { alertChanged, alertsListed, countConsultations, type Supervision } from '../state/supervision.ts';
import type { Sync } from './sync.ts';

/**
 * How often the summary's consultation counts are read again (`consult.list`: at most 500 open
 * consultations, one store query). The live board (pushed counts, O(changes)) replaces this
 * polling later; until then 15 s per supervisor page is a small, bounded cost.
 */
const COUNTS_EVERY_MS = 15_000;

export function updateSupervision(store: AppStore, f: (v: Supervision) => Supervision): void {
  store.update((s) => {
    const next = f(s.supervision);
    return next === s.supervision ? s : { ...s, supervision: next };
  });
}

async function listAlerts(client: LawlineClient, store: AppStore): Promise<void> {
  try {
    const { alerts } = await client.request('alert.list', { limit: LIMITS.alertPageMax });
    updateSupervision(store, (v) => alertsListed(v, alerts));
  } catch (e) {
    console.warn('lawline: the alerts could not be listed', e);
  }
}

async function readTypeLabels(client: LawlineClient, store: AppStore): Promise<void> {
  try {
    const { types } = await client.request('alert.rules', {});
    updateSupervision(store, (v) => ({ ...v, typeLabels: Object.fromEntries(types.map((t) => [t.type, t.label])) }));
  } catch (e) {
    console.warn('lawline: the alert rules could not be read', e);
  }
}

async function readCounts(client: LawlineClient, store: AppStore): Promise<void> {
  try {
    const { consultations } = await client.request('consult.list', {});
    updateSupervision(store, (v) => ({ ...v, counts: countConsultations(consultations, Date.now()) }));
  } catch (e) {
    console.warn('lawline: the open consultations could not be counted', e);
  }
}

/**
 * A supervisor's page: the open alerts, listed at each new session (pushes missed while away are
 * in the listing) and then kept by `alert.changed` (every raise, escalation, step); `alert.notify`
 * (level III and above) is also said in the live region and counted, so the page chimes; the
 * rule file's labels for the risk types; the consultation counts of the summary, read every 15 s.
 */
export const syncSupervisor: Sync = (client, store) => {
  const offs = [
    // A supervisor's snapshot holds every open consultation (as consult.list does): counted, not kept.
    client.on('snapshot', (consultations) => {
      updateSupervision(store, (v) => ({ ...v, counts: countConsultations(consultations, Date.now()) }));
      void listAlerts(client, store);
      void readTypeLabels(client, store);
    }),
    client.on('alert.changed', ({ alert }) => updateSupervision(store, (v) => alertChanged(v, alert))),
    client.on('alert.notify', ({ alert, priority }) => {
      updateSupervision(store, (v) => ({ ...alertChanged(v, alert), notified: v.notified + 1 }));
      store.update((s) => announce(s, priority ? 'alertAnnouncedPriority' : 'alertAnnounced', { level: alert.level }));
    }),
    client.on('alert.rules.rejected', (rejected) => updateSupervision(store, (v) => ({ ...v, rulesRejected: rejected }))),
  ];
  const timer = setInterval(() => {
    if (store.get().connection === 'open') void readCounts(client, store);
  }, COUNTS_EVERY_MS);
  return () => {
    clearInterval(timer);
    offs.forEach((off) => off());
  };
};
