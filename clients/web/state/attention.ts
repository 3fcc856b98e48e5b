import type { AppState } from './app-state.ts';
import { isOpen, type ConsultationEntry, type Consultations } from './consultations.ts';
import { unacknowledgedSerious } from './supervision.ts';

/** Messages of the others in a consultation past what this person has read. */
export function unread(e: ConsultationEntry, me: string): number {
  let n = 0;
  for (let i = e.messages.length - 1; i >= 0; i--) {
    const m = e.messages[i];
    if (!m || m.seq <= e.readUpTo) break;
    if (m.from.id !== me) n++;
  }
  return n;
}

/** The lawyer's open consultations, newest first: the tabs of the console. */
export function lawyerOpen(consultations: Consultations, me: string | undefined): ConsultationEntry[] {
  return Object.values(consultations)
    .filter((e) => e.view.lawyer?.id === me && isOpen(e.view))
    .sort((a, b) => a.view.createdAt - b.view.createdAt);
}

/**
 * What waits for a lawyer's attention: offers ringing and unread messages of the consultations
 * not in view; for a supervisor, alerts of level III and above not yet acknowledged. The page's
 * title carries it (a badge seen from another tab); 0 for other roles.
 */
export function attention(s: AppState): number {
  if (s.identity?.role === 'supervisor') return unacknowledgedSerious(s.supervision.alerts);
  const me = s.identity?.id;
  if (s.identity?.role !== 'lawyer' || !me) return 0;
  let n = s.desk.offers.length;
  for (const e of lawyerOpen(s.consultations, me)) if (e.view.id !== s.desk.selected) n += unread(e, me);
  return n;
}
