import { LIMITS, type AlertLevel, type AlertViewT } from '../../../protocol/frames.ts';
import type { LawlineClient } from '../../sdk/index.ts';
import type { AppStore } from '../state/app-state.ts';
import { alertChanged } from '../state/supervision.ts';
import type { Done } from './actions.ts';
import { updateSupervision } from './sync-supervisor.ts';

type Call = <T>(run: (c: LawlineClient) => Promise<T>) => Done<T>;

/** What a supervisor's page may do with alerts; each answer is written into the store at once (the push that follows changes nothing). */
export function supervisorActions(call: Call, store: AppStore) {
  const step = (run: (c: LawlineClient) => Promise<{ alert: AlertViewT }>): Done =>
    call(async (c) => {
      const { alert } = await run(c);
      updateSupervision(store, (v) => alertChanged(v, alert));
    });
  const readTranscript = (consultationId: string): Promise<unknown> =>
    call(async (c) => {
      updateSupervision(store, (v) => ({ ...v, transcript: { consultationId, state: 'loading', messages: [], hasMore: false } }));
      const page = await c.request('consult.history', { consultationId, limit: LIMITS.historyPageMax });
      updateSupervision(store, (v) => (v.transcript?.consultationId === consultationId ? { ...v, transcript: { consultationId, state: 'loaded', messages: page.messages, hasMore: page.hasMore } } : v));
    }).then((done) => {
      if (!done.ok) updateSupervision(store, (v) => (v.transcript?.consultationId === consultationId ? { ...v, transcript: { consultationId, state: 'failed', messages: [], hasMore: false } } : v));
    });

  return {
    acknowledge: (alertId: string): Done => step((c) => c.request('alert.ack', { alertId })),
    annotate: (alertId: string, note: string): Done => step((c) => c.request('alert.annotate', { alertId, note })),
    closeAlert: (alertId: string, falsePositive: boolean, note: string): Done =>
      step((c) => c.request('alert.close', { alertId, falsePositive, ...(note ? { note } : {}) })),
    filterAlerts: (filter: AlertLevel | 'all'): void => updateSupervision(store, (v) => ({ ...v, filter })),
    /**
     * Shows an alert with its consultation's transcript, read now (the server records each read
     * in the audit log); undefined closes it. A collective alert has no single consultation.
     */
    openAlert(alertId: string | undefined): void {
      const alert = alertId ? store.get().supervision.alerts[alertId] : undefined;
      updateSupervision(store, (v) => ({ ...v, opened: alert?.id, transcript: undefined }));
      if (alert?.consultationId) void readTranscript(alert.consultationId);
    },
  };
}
