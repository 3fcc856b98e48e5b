import { useEffect, useRef } from 'preact/hooks';
import { attention, lawyerOpen } from '../../state/attention.ts';
import { useApp, useT } from '../context.ts';
import { AssistantCodes } from './AssistantCodes.tsx';
import { chime, listenForUnlock } from './chime.ts';
import { ClosedToday } from './ClosedToday.tsx';
import { ConsultationTabs } from './ConsultationTabs.tsx';
import { DutyBar } from './DutyBar.tsx';
import { OfferCard } from './OfferCard.tsx';
import { QueueList } from './QueueList.tsx';
import { WorkCard } from './WorkCard.tsx';

/**
 * A lawyer's console: duty and the offers ringing first, then the consultations they hold (a tab
 * each, with unread counts; one in view), then the queue, what closed today and their
 * assistants. On a desk the first and last groups make the left column and the consultations the
 * right. A new offer or a message out of view sounds a chime and counts in the page's title.
 */
export function LawyerView() {
  const t = useT();
  const me = useApp((s) => s.identity?.id) ?? '';
  const offers = useApp((s) => s.desk.offers);
  const selected = useApp((s) => s.desk.selected);
  const consultations = useApp((s) => s.consultations);
  const waiting = useApp(attention);
  const open = lawyerOpen(consultations, me);
  useChime(waiting);
  // A consultation closed or handed on leaves the view: the keyboard goes to the tab now in view, or the heading.
  const afterGone = () => setTimeout(() => (document.querySelector<HTMLElement>('[role=tab][aria-selected=true]') ?? document.getElementById('work-title'))?.focus(), 0);
  return (
    <div class="desk">
      <div class="desk-now">
        <DutyBar />
        {offers.map((o) => (
          <OfferCard key={`${o.consultation.id}:${o.expiresAt}`} offer={o} />
        ))}
      </div>
      <section class="desk-work" aria-labelledby="work-title">
        <h2 id="work-title" class="sr-only" tabIndex={-1}>
          {t('workHeading')}
        </h2>
        {open.length > 0 ? (
          <>
            <ConsultationTabs open={open} selected={selected} me={me} />
            {selected && open.some((e) => e.view.id === selected) && <WorkCard key={selected} id={selected} gone={afterGone} />}
          </>
        ) : (
          <p class="card muted" data-testid="work-empty">
            {t('workEmpty')}
          </p>
        )}
      </section>
      <div class="desk-more">
        <QueueList />
        <ClosedToday />
        <AssistantCodes />
      </div>
    </div>
  );
}

/** A chime when `waiting` grows (the lawyer: a new offer, a message out of view; a supervisor: a level III+ alert), once the page may make sound. */
export function useChime(waiting: number): void {
  const before = useRef(waiting);
  useEffect(() => listenForUnlock(), []);
  useEffect(() => {
    if (waiting > before.current) chime();
    before.current = waiting;
  }, [waiting]);
}
