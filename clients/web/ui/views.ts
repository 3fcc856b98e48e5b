import type { ComponentType } from 'preact';
import type { Role } from '../../../protocol/vocabulary.ts';
import { AssistantView } from './assistant/AssistantView.tsx';
import { CitizenView } from './citizen/CitizenView.tsx';
import { LawyerView } from './lawyer/LawyerView.tsx';
import { SupervisorView } from './supervisor/SupervisorView.tsx';

/**
 * The screen each role sees once signed in. A new view (the assistant's, a supervisor's) is a
 * component that reads the store with `useApp` and acts with `useActions`, added here; what
 * its session keeps in the store is in `session/role-syncs.ts`.
 */
export const VIEWS: Partial<Record<Role, ComponentType>> = {
  citizen: CitizenView,
  lawyer: LawyerView,
  assistant: AssistantView,
  supervisor: SupervisorView,
};
