import type { PushData, QueuePlaceT } from '../../protocol/frames.ts';
import type { Offer } from '../backplane/queue-port.ts';
import type { Category } from '../../protocol/vocabulary.ts';
import type { ConsultationRecord, Creating, Person, TransitionResult } from '../store/port.ts';

/**
 * What the other domain folders ask of routing, declared here so that none imports another:
 * `server/routing/` implements these (RoutingService, MessageDesk) and `server/node.ts` hands
 * them to consultation and presence.
 */

/**
 * A lawyer's claim on a queued consultation, as the store then recorded it. `again`: a repeat of
 * a claim that already went through (its answer was lost), answered with the consultation as
 * it stands, nothing changed.
 */
export type Claimed = { ok: true; consultation: ConsultationRecord; again?: true } | { ok: false; reason: 'taken' | 'no-capacity' | 'state'; current?: TransitionResult };

/** A request's first message, written after its create: an offer shows it, so routing knows it from the start. */
export interface FirstMessage {
  body: string;
  stored: Promise<boolean>;
}

/** The consultation service's requests and state changes, as routing sees them. */
export interface ConsultationRouting {
  /** Which lawyer a new request waits for first (the citizen's choice, or their previous lawyer). */
  preference(citizenId: string, asked: { lawyerId?: string; preferPrevious?: boolean; fallbackToQueue?: boolean }, at: number): Promise<Pick<ConsultationRecord, 'preferredLawyerId' | 'preferredUntil'>>;
  /**
   * Queues a request whose create is still committing, once the store has decided to take it.
   * `first`: its first message, stored once the create is (`stored` settles when written or failed).
   */
  enqueueCommitting(c: ConsultationRecord, creating: Creating, first?: FirstMessage): Promise<void>;
  /** Left the queue for good (cancelled); its lawyer, if one held it, gets capacity back. */
  cancelled(c: ConsultationRecord, previous: ConsultationRecord): Promise<void>;
  /** A manual pick, atomic in the backplane before the record; a repeat from the lawyer who holds it now is answered as the first was. */
  pick(consultationId: string, lawyer: Person): Promise<Claimed>;
  /** The offered lawyer accepts; a repeat from the lawyer who holds it now is answered as the first was. */
  accept(consultationId: string, lawyer: Person): Promise<Claimed>;
  decline(consultationId: string, lawyerId: string): Promise<boolean>;
  /** A consultation a lawyer held ended: capacity returns. */
  closed(c: ConsultationRecord, previous: ConsultationRecord): Promise<void>;
  /** Back to the front of the queue (or to the message desk), for a named lawyer first, while the transferring lawyer still holds it. */
  transfer(c: ConsultationRecord, to: { category?: Category; lawyerId?: string }, handover: { from: Person; note: string }): Promise<TransitionResult>;
  /** Where the citizen's live requests stand in the queue now. */
  places(citizenId: string): Promise<QueuePlaceT[]>;
  /** No lawyer on duty (in any state) serves the category. */
  nobodyServes(category: Category): Promise<boolean>;
}

/** Message consultations (留言), as the consultation service uses them. */
export interface Desk {
  /** When a message consultation left now is due. */
  dueFromNow(): number;
  /** A live request becomes a message consultation; undefined if it was not converted. */
  convert(c: ConsultationRecord, origin: 'citizen' | 'wait'): Promise<ConsultationRecord | undefined>;
  /** The assigned lawyer wrote in it: the SLA is met. */
  answered(c: ConsultationRecord, lawyerId: string): Promise<void>;
  /** A pass soon: assign what is unassigned. */
  tick(): Promise<void>;
}

/** What presence asks of routing when a lawyer's duty changes. */
export interface DutyRouting {
  /** A match may be possible now (a lawyer came on duty or back, offers were withdrawn). */
  kick(): void;
  /** Tells the lawyer's devices that an offer of theirs went. */
  offerEnded(offer: Offer, outcome: 'withdrawn'): void;
  /** The offers out to a lawyer, as their pushes: a device that attaches rings again. */
  offersFor(lawyerId: string): Promise<PushData<'offer'>[]>;
  /** A dropped lawyer's consultation back to the front of the queue, only if they still hold it; the record as requeued. */
  requeue(c: ConsultationRecord, lawyerId: string): Promise<ConsultationRecord | undefined>;
}
