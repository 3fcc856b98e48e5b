import { ordered } from '../../state/consultations.ts';
import { useApp } from '../context.ts';
import { AssistantCodes } from './AssistantCodes.tsx';
import { DutyBar } from './DutyBar.tsx';
import { OfferCard } from './OfferCard.tsx';
import { QueueList } from './QueueList.tsx';
import { WorkCard } from './WorkCard.tsx';

/**
 * A lawyer goes on duty and answers offers the router makes (ringing on every device), or
 * takes a consultation from the waiting queue of their categories; chats and closes it.
 */
export function LawyerView() {
  const me = useApp((s) => s.identity?.id);
  const offers = useApp((s) => s.desk.offers);
  const consultations = useApp((s) => s.consultations);
  const mine = ordered(consultations).filter((e) => e.view.lawyer?.id === me);
  return (
    <div class="desk">
      <div class="desk-side">
        <DutyBar />
        {offers.map((o) => (
          <OfferCard key={`${o.consultation.id}:${o.expiresAt}`} offer={o} />
        ))}
        <QueueList />
        <AssistantCodes />
      </div>
      <div class="desk-work">
        {mine.map((e) => (
          <WorkCard key={e.view.id} id={e.view.id} />
        ))}
      </div>
    </div>
  );
}
