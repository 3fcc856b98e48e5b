import { describe, expect, it } from 'vitest';
import type { AlertViewT } from '../../../protocol/frames.ts';
import { alertChanged, alertQueue, alertsListed, emptySupervision, openByLevel, unacknowledgedSerious } from './supervision.ts';

const alert = (id: string, over: Partial<AlertViewT> = {}): AlertViewT => ({
  id,
  version: 1,
  kind: 'content',
  riskType: 'self-harm',
  level: 'III',
  state: 'raised',
  score: 8,
  rules: ['self-harm/自杀'],
  consultationId: `c-${id}`,
  rulesVersion: 'v1',
  createdAt: 1000,
  updatedAt: 1000,
  history: [],
  ...over,
});

describe('the supervisor’s alert queue (state)', () => {
  it('orders most severe first, then newest; filters by level', () => {
    let s = emptySupervision;
    for (const a of [alert('a', { level: 'IV', updatedAt: 5000 }), alert('b', { level: 'I', updatedAt: 1000 }), alert('c', { level: 'III', updatedAt: 2000 }), alert('d', { level: 'III', updatedAt: 3000 })]) s = alertChanged(s, a);
    expect(alertQueue(s).map((a) => a.id)).toEqual(['b', 'd', 'c', 'a']);
    expect(alertQueue({ ...s, filter: 'III' }).map((a) => a.id)).toEqual(['d', 'c']);
    expect(openByLevel(s.alerts)).toEqual({ I: 1, II: 0, III: 2, IV: 1 });
    expect(unacknowledgedSerious(s.alerts)).toBe(3);
  });

  it('keeps the newer version when a push and a listing cross; a closed alert leaves the queue and the view', () => {
    let s = alertChanged(emptySupervision, alert('a', { version: 3, level: 'II' }));
    expect(alertChanged(s, alert('a', { version: 2, level: 'III' }))).toBe(s);
    s = alertsListed(s, [alert('a', { version: 2, level: 'III' }), alert('b')]);
    expect(s.alerts['a']?.level).toBe('II');
    expect(Object.keys(s.alerts).sort()).toEqual(['a', 'b']);
    s = { ...s, opened: 'a' };
    s = alertChanged(s, alert('a', { version: 4, state: 'closed' }));
    expect(s.alerts['a']).toBeUndefined();
    expect(s.opened).toBeUndefined();
    // A listing without an alert drops it (closed meanwhile elsewhere).
    expect(alertsListed(s, []).alerts).toEqual({});
  });
});
