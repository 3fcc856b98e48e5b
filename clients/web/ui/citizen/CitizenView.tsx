import { isOpen, ordered } from '../../state/consultations.ts';
import { useApp } from '../context.ts';
import { CitizenConsultation } from './CitizenConsultation.tsx';
import { RequestForm } from './RequestForm.tsx';

/**
 * A citizen asks for help and follows their consultation to its end; once it is closed they
 * may ask again. Their latest consultation is shown (after a reload too: the server's
 * snapshot brings back every open one).
 */
export function CitizenView() {
  const latest = useApp((s) => ordered(s.consultations)[0]);
  const open = latest !== undefined && isOpen(latest.view);
  return (
    <>
      {!open && <RequestForm />}
      {latest && <CitizenConsultation id={latest.view.id} />}
    </>
  );
}
