import type { StringKey } from '../i18n/i18n.ts';
import type { Wait } from './app-state.ts';
import type { ConsultationEntry } from './consultations.ts';

/**
 * The step of a consultation a citizen is at, as the service standard asks each to be shown
 * ("每进入到一个服务环节，应有信息提示"): a live request waits in the queue, is offered to a lawyer,
 * taken, joined, perhaps transferred; a message consultation waits for its answer; each ends closed
 * or cancelled.
 */
export type Stage = 'queued' | 'offered' | 'picked' | 'joined' | 'transferred' | 'message' | 'answered' | 'closed' | 'cancelled';

export function stageOf(e: ConsultationEntry, wait: Wait | undefined): Stage {
  const v = e.view;
  if (v.state === 'closed') return 'closed';
  if (v.state === 'cancelled') return 'cancelled';
  if (v.channel === 'message') return v.answeredAt !== undefined ? 'answered' : 'message';
  if (v.state === 'active') return 'joined';
  if (v.state === 'picked') return 'picked';
  if (wait?.offered) return 'offered';
  return e.reason === 'transferred' ? 'transferred' : 'queued';
}

/** What the page says at each step, shown and announced the same. */
export const STAGE_TEXT: Record<Stage, StringKey> = {
  queued: 'stage_queued',
  offered: 'stage_offered',
  picked: 'stage_picked',
  joined: 'stage_joined',
  transferred: 'stage_transferred',
  message: 'stage_message',
  answered: 'stage_answered',
  closed: 'closedCitizen',
  cancelled: 'stage_cancelled',
};

/** The progress bar of each channel, and which of its steps a stage has reached. */
export const STEPS = {
  text: [
    ['queued', 'stepQueued'],
    ['offered', 'stepOffered'],
    ['active', 'stepActive'],
    ['closed', 'stepClosed'],
  ],
  message: [
    ['message', 'stepMessage'],
    ['answered', 'stepAnswered'],
    ['closed', 'stepClosed'],
  ],
} as const satisfies Record<string, readonly (readonly [string, StringKey])[]>;

const REACHED: Record<Stage, number> = { queued: 0, transferred: 0, message: 0, offered: 1, picked: 1, answered: 1, joined: 2, closed: 99, cancelled: 99 };

/** Index in its channel's steps of the last step reached (the end, once it ended). */
export function reachedStep(stage: Stage, steps: number): number {
  return Math.min(REACHED[stage], steps - 1);
}
