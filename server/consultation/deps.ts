import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.ts';
import type { ProtocolError } from '../../protocol/result.ts';
import type { Counter } from '../metrics.ts';
import type { Pusher } from '../session/pusher.ts';
import type { ConsultationRouting, Desk } from '../kernel/routing.ts';
import type { WrapUp } from '../kernel/wrap-up.ts';
import type { ConsultationObserver } from '../kernel/observe.ts';
import type { Store, TransitionResult } from '../store/port.ts';

export interface ConsultationDeps {
  store: Store;
  pusher: Pusher;
  routing: ConsultationRouting;
  desk: Desk;
  /** Presence's wrap-up after a close; absent: none (a service tested alone). */
  wrapUp?: WrapUp;
  now: () => number;
  /** Open consultations (live and message) one citizen may have at once. */
  maxOpenPerCitizen: number;
  /** Requests refused by a limit, by limit. */
  refused?: Counter;
  /** Told of every stored message (the risk watch, server/alerts); absent: nobody watches. */
  observer?: ConsultationObserver;
}

export function newConsultationId(): string {
  return `c_${randomBytes(12).toString('base64url')}`;
}

export const notFound: ProtocolError = { code: ErrorCode.NOT_FOUND, message: 'no such consultation' };
export const notMember: ProtocolError = { code: ErrorCode.NOT_A_MEMBER, message: 'not a member of this consultation' };

/** The error for a compare-and-set that lost: taken by someone else, or simply in the wrong state. */
export function transitionError(result: Extract<TransitionResult, { ok: false }>, action: string): ProtocolError {
  if (result.reason === 'not-found') return notFound;
  // Another lawyer holds it now (it was handed on): not this lawyer's to change.
  if (result.reason === 'not-held') return notMember;
  const state = result.current?.state;
  if (action === 'pick' && (state === 'picked' || state === 'active')) {
    return { code: ErrorCode.CONSULTATION_TAKEN, message: 'another lawyer took this consultation' };
  }
  return { code: ErrorCode.CONSULTATION_STATE, message: `cannot ${action} a consultation that is ${state}` };
}
