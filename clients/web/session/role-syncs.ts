import type { Role } from '../../../protocol/vocabulary.ts';
import type { Sync } from './sync.ts';
import { catchUpDuty, catchUpWaits } from './sync-catch-up.ts';
import { syncCitizen } from './sync-citizen.ts';
import { syncConsultations } from './sync-consultations.ts';
import { syncDesk } from './sync-desk.ts';
import { syncLawyer } from './sync-lawyer.ts';
import { syncSupervisor } from './sync-supervisor.ts';

/** What each role's session keeps in the store, besides nothing: a role with no row syncs its consultations only. */
export const SYNCS: Partial<Record<Role, readonly Sync[]>> = {
  citizen: [syncConsultations, syncCitizen, catchUpWaits],
  lawyer: [syncConsultations, syncDesk, catchUpDuty, syncLawyer],
  // The lawyer's consultations (the server lists them for the assistant); no desk: duty and offers are the lawyer's.
  assistant: [syncConsultations],
  // Not syncConsultations: the supervisor is a party to none; consult.list is counted for the summary only.
  supervisor: [syncSupervisor],
};

export const syncsFor = (role: Role): readonly Sync[] => SYNCS[role] ?? [syncConsultations];
