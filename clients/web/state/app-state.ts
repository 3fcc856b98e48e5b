import type { Category } from '../../../protocol/vocabulary.ts';
import type { ConnectionState } from '../../sdk/index.ts';
import type { Lang, Params, StringKey } from '../i18n/i18n.ts';
import type { Identity } from '../identity/identity.ts';
import { emptyCitizen, type CitizenSide } from './citizen.ts';
import type { Consultations } from './consultations.ts';
import { emptyDesk, type Desk } from './desk.ts';
import { Store } from './store.ts';
import { emptySupervision, type Supervision } from './supervision.ts';

/** Where a citizen is in the queue; kept apart from the entry, since it may arrive before the request's reply. */
export interface Wait {
  position?: number;
  estimatedWaitMs?: number;
  /** Nobody serves the category now (consult.suggest): no position or wait is meaningful. */
  nobodyOnDuty?: boolean;
  /** A lawyer is being offered the request now (which one, the citizen learns once they accept). */
  offered?: boolean;
}

/** Something said to screen readers (the live region), as a catalogue key so it follows the language. */
export interface Announcement {
  /** Counts up, so the same text said twice is still news. */
  n: number;
  key: StringKey;
  params: Params;
  /** Filled in as `{category}`, in the language said in (a code in the store, a label when said). */
  category?: Category;
}

/**
 * The whole app's state. Shared by every view: identity, connection, language, the
 * consultations this person takes part in (with transcripts and drafts), and the lawyer's desk.
 * Each view selects what it shows; `session/` writes what the server says into it.
 */
export interface AppState {
  lang: Lang;
  identity: Identity | undefined;
  /** Why the sign-in screen shows again, when it does (`assistant-limit`: the lawyer has three assistants signed in). */
  signInNotice: 'expired' | 'refused' | 'assistant-limit' | undefined;
  /** What the sign-in form last had, to fill it again after an expiry. */
  lastSignIn: { role: 'citizen' | 'lawyer' | 'supervisor'; name: string; categories: Category[] } | undefined;
  /** An assistant sent back to sign-in: whose, and the code to fill in again (empty unless it still signs in: turned away for want of a seat). */
  lastAssistant: { code: string; lawyerName: string } | undefined;
  connection: ConnectionState | 'signed-out';
  consultations: Consultations;
  waits: Readonly<Record<string, Wait>>;
  desk: Desk;
  /** The citizen's directory and pages of ended consultations. */
  citizen: CitizenSide;
  /** A supervisor's alert queue and summary. */
  supervision: Supervision;
  announcement: Announcement | undefined;
}

export type AppStore = Store<AppState>;

export function createAppStore(lang: Lang, identity: Identity | undefined): AppStore {
  return new Store<AppState>({
    lang,
    identity,
    signInNotice: undefined,
    lastSignIn: undefined,
    lastAssistant: undefined,
    connection: 'signed-out',
    consultations: {},
    waits: {},
    desk: emptyDesk,
    citizen: emptyCitizen,
    supervision: emptySupervision,
    announcement: undefined,
  });
}

/** What a sign-out (or a lost sign-in) leaves: the language, and nothing of the person. */
export function signedOut(s: AppState, notice: AppState['signInNotice']): AppState {
  return { ...s, identity: undefined, signInNotice: notice, connection: 'signed-out', consultations: {}, waits: {}, desk: emptyDesk, citizen: emptyCitizen, supervision: emptySupervision, announcement: undefined };
}

export function announce(s: AppState, key: StringKey, params: Params, category?: Category): AppState {
  return { ...s, announcement: { n: (s.announcement?.n ?? 0) + 1, key, params, ...(category ? { category } : {}) } };
}
