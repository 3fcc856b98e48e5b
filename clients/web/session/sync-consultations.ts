import { LIMITS, type ConsultationViewT } from '../../../protocol/frames.ts';
import { announce } from '../state/app-state.ts';
import { addMessages, setHistory, setTyping, upsertView } from '../state/consultations.ts';
import { updateConsultations, updateWait, type Sync } from './sync.ts';

/** What a screen reader is told of a new message: its start (a 5,000-character message read whole would drown everything else). */
const ANNOUNCED_CHARS = 140;

/**
 * The consultations this person takes part in: the snapshot of a new session, state changes,
 * messages (live, and the history of each consultation the first time it is seen), typing,
 * and a citizen's place in the queue.
 */
export const syncConsultations: Sync = (client, store, me) => {
  const asked = new Set<string>();
  // Whoever adds a consultation (a push, a reply to pick or accept), its history is loaded once.
  const loadHistories = () => {
    for (const [id, e] of Object.entries(store.get().consultations)) {
      if (e.history !== 'loading' || asked.has(id)) continue;
      asked.add(id);
      client.request('consult.history', { consultationId: id, limit: LIMITS.historyPageMax }).then(
        (page) => updateConsultations(store, (cs) => setHistory(addMessages(cs, id, page.messages), id, 'loaded')),
        (e: unknown) => {
          console.warn('lawline: history of', id, 'could not be loaded', e);
          updateConsultations(store, (cs) => setHistory(cs, id, 'failed'));
        },
      );
    }
  };
  const know = (views: readonly ConsultationViewT[]) => updateConsultations(store, (cs) => views.reduce((acc, v) => upsertView(acc, v), cs));
  const offs = [
    store.subscribe(loadHistories),
    client.on('snapshot', know),
    // A resumed session brings what was missed, not a list: a page that starts on one (a reload, once the SDK keeps its session) asks.
    client.on('resumed', () =>
      client.request('consult.list', {}).then(
        ({ consultations }) => know(consultations),
        (e: unknown) => console.warn('lawline: consultations could not be listed after a resume', e),
      ),
    ),
    client.on('consult.state', ({ consultation, reason }) => updateConsultations(store, (cs) => upsertView(cs, consultation, reason))),
    client.on('chat.message', (m) => {
      updateConsultations(store, (cs) => addMessages(cs, m.consultationId, [m]));
      if (m.from.id !== me.id) {
        const body = m.body.length > ANNOUNCED_CHARS ? `${m.body.slice(0, ANNOUNCED_CHARS)}…` : m.body;
        store.update((s) => announce(s, 'newMessage', { name: m.from.name, body }));
      }
    }),
    client.on('chat.typing', (ev) => ev.from.id !== me.id && updateConsultations(store, (cs) => setTyping(cs, ev.consultationId, ev.from, ev.typing))),
    client.on('queue.position', ({ consultationId, position, estimatedWaitMs }) => updateWait(store, consultationId, (w) => ({ ...w, position, estimatedWaitMs }))),
    client.on('consult.suggest', ({ consultationId }) => updateWait(store, consultationId, (w) => ({ ...w, nobodyOnDuty: true }))),
  ];
  loadHistories();
  return () => offs.forEach((off) => off());
};
