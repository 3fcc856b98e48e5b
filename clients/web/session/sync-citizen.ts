import type { ConsultationViewT, PersonViewT } from '../../../protocol/frames.ts';
import type { LawlineClient } from '../../sdk/index.ts';
import { announce, type AppStore } from '../state/app-state.ts';
import type { CitizenSide } from '../state/citizen.ts';
import { addPast, isOpen } from '../state/consultations.ts';
import { STAGE_TEXT, stageOf, type Stage } from '../state/stage.ts';
import { updateConsultations, type Sync } from './sync.ts';

/** A page of ended consultations: a phone's screen of them, about. */
export const PAST_PAGE = 10;

export function updateCitizen(store: AppStore, f: (c: CitizenSide) => CitizenSide): void {
  store.update((s) => ({ ...s, citizen: f(s.citizen) }));
}

/**
 * The next page of the citizen's ended consultations (the first with `fromStart`), listed
 * without their transcripts. A first page read again (a new session) adds what ended
 * meanwhile and keeps how far the pages went.
 */
export async function loadPast(client: LawlineClient, store: AppStore, fromStart = false): Promise<void> {
  const { cursor } = store.get().citizen.past;
  updateCitizen(store, (c) => ({ ...c, past: { ...c.past, status: 'loading' } }));
  try {
    const page = await client.request('consult.past', { limit: PAST_PAGE, ...(!fromStart && cursor ? { before: cursor } : {}) });
    updateConsultations(store, (cs) => addPast(cs, page.consultations));
    const last = page.consultations.at(-1);
    updateCitizen(store, (c) => ({
      ...c,
      past:
        fromStart && c.past.cursor
          ? { ...c.past, status: 'loaded' }
          : { status: 'loaded', hasMore: page.hasMore, cursor: last ? { createdAt: last.createdAt, id: last.id } : c.past.cursor },
    }));
  } catch (e) {
    console.warn('lawline: past consultations could not be listed', e);
    updateCitizen(store, (c) => ({ ...c, past: { ...c.past, status: 'failed' } }));
  }
}

/**
 * The citizen's side: the ended consultations (a first page with each new session, the rest
 * when asked), a waiting place that ends when the request leaves the queue, and each step of a
 * consultation said in the live region as it is reached. Steps of ended consultations listed
 * from the record are not news; an open one first seen (asked for here, or back after a reload)
 * is.
 */
export const syncCitizen: Sync = (client, store, me) => {
  const said = new Map<string, Stage>();
  const sayStages = () => {
    const s = store.get();
    for (const e of Object.values(s.consultations)) {
      if (e.view.citizen.id !== me.id) continue;
      const stage = stageOf(e, s.waits[e.view.id]);
      const before = said.get(e.view.id);
      if (before === stage) continue;
      said.set(e.view.id, stage);
      if (before === undefined && !isOpen(e.view)) continue;
      store.update((st) => announce(st, STAGE_TEXT[stage], { name: lawyerName(e.view, me) }));
    }
  };
  const offs = [
    store.subscribe(sayStages),
    // A new session, and the session resumed after a reload (the SDK reads it then): what ended meanwhile.
    client.on('snapshot', () => void loadPast(client, store, true)),
    // Out of the queue (taken, converted, ended): its place and any offer are over; back in it, new ones are told.
    client.on('consult.state', ({ consultation }) => {
      if (consultation.state === 'queued' && consultation.channel === 'text') return;
      store.update((s) => {
        if (!(consultation.id in s.waits)) return s;
        const { [consultation.id]: _over, ...waits } = s.waits;
        return { ...s, waits };
      });
    }),
  ];
  return () => offs.forEach((off) => off());
};

const lawyerName = (v: ConsultationViewT, me: PersonViewT): string => (v.lawyer && v.lawyer.id !== me.id ? v.lawyer.name : '');
