import { describe, expect, it } from 'vitest';
import type { ConsultationViewT } from '../../../protocol/frames.ts';
import type { ConsultationEntry, StateReason } from './consultations.ts';
import { addPast, upsertView } from './consultations.ts';
import { reachedStep, stageOf, STEPS } from './stage.ts';

const view = (over: Partial<ConsultationViewT> = {}): ConsultationViewT => ({
  id: 'c1',
  state: 'queued',
  category: 'labor',
  region: '320200',
  channel: 'text',
  citizen: { id: 'C1', role: 'citizen', name: '张三' },
  createdAt: 1,
  updatedAt: 1,
  lastSeq: 0,
  ...over,
});
const entry = (over: Partial<ConsultationViewT> = {}, reason?: StateReason): ConsultationEntry => upsertView({}, view(over), reason)['c1'] as ConsultationEntry;
const lawyer = { id: 'L1', role: 'lawyer' as const, name: '王律师' };

describe("a citizen's step", () => {
  it('follows a live request from the queue to its end, through an offer, a transfer and a lawyer who dropped', () => {
    expect(stageOf(entry(), undefined)).toBe('queued');
    expect(stageOf(entry(), { position: 1, estimatedWaitMs: 60_000 })).toBe('queued');
    expect(stageOf(entry(), { position: 1, estimatedWaitMs: 60_000, offered: true })).toBe('offered');
    expect(stageOf(entry({ state: 'picked', lawyer }), undefined)).toBe('picked');
    expect(stageOf(entry({ state: 'active', lawyer }), { offered: true })).toBe('joined');
    expect(stageOf(entry({}, 'transferred'), undefined)).toBe('transferred');
    expect(stageOf(entry({}, 'transferred'), { offered: true })).toBe('offered');
    expect(stageOf(entry({}, 'lawyer-disconnected'), undefined)).toBe('queued');
    expect(stageOf(entry({ state: 'closed', lawyer }), undefined)).toBe('closed');
    expect(stageOf(entry({ state: 'cancelled' }), undefined)).toBe('cancelled');
  });

  it('follows a message consultation from left (or converted) to answered and closed', () => {
    expect(stageOf(entry({ channel: 'message' }, 'converted'), { nobodyOnDuty: true })).toBe('message');
    expect(stageOf(entry({ channel: 'message', state: 'active', lawyer }), undefined)).toBe('message');
    expect(stageOf(entry({ channel: 'message', state: 'active', lawyer, answeredAt: 5 }), undefined)).toBe('answered');
    expect(stageOf(entry({ channel: 'message', state: 'closed', lawyer, answeredAt: 5 }), undefined)).toBe('closed');
  });

  it('marks the steps of its channel reached, all of them once it ended', () => {
    expect(reachedStep('queued', STEPS.text.length)).toBe(0);
    expect(reachedStep('offered', STEPS.text.length)).toBe(1);
    expect(reachedStep('joined', STEPS.text.length)).toBe(2);
    expect(reachedStep('closed', STEPS.text.length)).toBe(3);
    expect(reachedStep('answered', STEPS.message.length)).toBe(1);
    expect(reachedStep('cancelled', STEPS.message.length)).toBe(2);
  });

  it('lists an ended consultation without its transcript, and a known one keeps what it has', () => {
    const listed = addPast({}, [view({ state: 'closed' })]);
    expect(listed['c1']?.history).toBe('idle');
    const known = { c1: { ...(entry() as ConsultationEntry), history: 'loaded' as const } };
    expect(addPast(known, [view({ state: 'closed', updatedAt: 2 })])['c1']).toMatchObject({ history: 'loaded', view: { state: 'closed' } });
  });
});
