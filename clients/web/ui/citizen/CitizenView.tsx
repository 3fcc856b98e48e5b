import { useRef, useState } from 'preact/hooks';
import type { DirectoryEntry } from '../../state/citizen.ts';
import { isOpen, ordered } from '../../state/consultations.ts';
import { useApp } from '../context.ts';
import { CitizenConsultation } from './CitizenConsultation.tsx';
import { Directory } from './Directory.tsx';
import { PastList } from './PastList.tsx';
import { RequestForm } from './RequestForm.tsx';

/**
 * The citizen's app: their open consultations (live ones first, then message consultations
 * waiting for or given an answer), a new request with the lawyers on duty to choose from while
 * no live one is open, and the ended ones with their transcripts. One that ends while shown
 * stays a card of its own, closing note and all, until the next request.
 */
export function CitizenView() {
  const consultations = useApp((s) => s.consultations);
  const me = useApp((s) => s.identity?.id);
  const [lawyer, setLawyer] = useState<DirectoryEntry>();
  const seenOpen = useRef(new Set<string>());
  const mine = ordered(consultations).filter((e) => e.view.citizen.id === me);
  const open = mine.filter((e) => isOpen(e.view));
  for (const e of open) seenOpen.current.add(e.view.id);
  const latest = mine[0];
  const justEnded = latest && !isOpen(latest.view) && seenOpen.current.has(latest.view.id) ? latest.view.id : undefined;
  const cards = [...open.filter((e) => e.view.channel === 'text'), ...open.filter((e) => e.view.channel === 'message')].map((e) => e.view.id);
  const asking = !open.some((e) => e.view.channel === 'text');
  return (
    <div class={asking ? 'citizen asking' : 'citizen'}>
      <div class="citizen-open">
        {justEnded && <CitizenConsultation id={justEnded} />}
        {cards.map((id) => (
          <CitizenConsultation key={id} id={id} />
        ))}
      </div>
      {asking && (
        <div class="citizen-side">
          <RequestForm lawyer={lawyer} clear={() => setLawyer(undefined)} />
          <Directory chosen={lawyer?.lawyerId} choose={setLawyer} />
        </div>
      )}
      <div class="citizen-past">
        <PastList except={justEnded} />
      </div>
    </div>
  );
}
