import type { LawlineClient } from '../../sdk/index.ts';
import { announce, type AppStore } from '../state/app-state.ts';
import { lawyerOpen } from '../state/attention.ts';
import { addPast } from '../state/consultations.ts';
import { select } from '../state/desk.ts';
import { updateConsultations, updateDesk, type Sync } from './sync.ts';

/** Ended consultations read at each new session: a busy day's worth. */
const CLOSED_PAGE = 50;

/** The lawyer's consultations that ended lately (their closed today), listed without transcripts; more than a day's are left out by the view. */
export async function loadClosed(client: LawlineClient, store: AppStore): Promise<void> {
  try {
    const page = await client.request('consult.past', { limit: CLOSED_PAGE });
    updateConsultations(store, (cs) => addPast(cs, page.consultations));
  } catch (e) {
    console.warn('lawline: closed consultations could not be listed', e);
  }
}

/**
 * A lawyer's console besides the desk: each new offer said in the live region (once, however
 * often it rings again on a new session), what closed lately read at each new session (the
 * closed today list), and one consultation always in view while any is open — the one chosen,
 * else the latest (a closed or handed-on one leaves the view to the one before it).
 */
export const syncLawyer: Sync = (client, store) => {
  const told = new Set<string>();
  const keepInView = () => {
    const s = store.get();
    const open = lawyerOpen(s.consultations, s.identity?.id);
    if (s.desk.selected && open.some((e) => e.view.id === s.desk.selected)) return;
    const next = open.at(-1)?.view.id;
    if (next !== s.desk.selected) updateDesk(store, (d) => select(d, next));
  };
  const offs = [
    store.subscribe(keepInView),
    client.on('offer', (o) => {
      const key = `${o.consultation.id}:${o.expiresAt}`;
      if (told.has(key)) return;
      told.add(key);
      store.update((s) => announce(s, 'offerAnnounced', { name: o.consultation.citizen.name }, o.consultation.category));
    }),
    client.on('snapshot', () => void loadClosed(client, store)),
  ];
  keepInView();
  return () => offs.forEach((off) => off());
};
