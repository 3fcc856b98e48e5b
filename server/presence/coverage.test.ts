import { describe, expect, it } from 'vitest';
import type { DutyEvent, Shift } from '../store/port.ts';
import { coverage, LocalTime } from './coverage.ts';

const time = new LocalTime(480);
const day = '2026-11-25';
const at = (hhmm: string) => time.at(day, hhmm);
const event = (lawyerId: string, hhmm: string, on: boolean): DutyEvent => ({ lawyerId, at: at(hhmm), on, categories: ['labor'], region: '320200' });
const shift = (lawyerId: string, start: string, end: string): Shift => ({ lawyerId, day, start, end, categories: ['labor'], region: '320200' });

describe('coverage', () => {
  it('counts a lawyer in every local hour they were rostered for or on duty in, carrying duty over midnight', () => {
    const rows = coverage(
      day,
      time,
      [shift('A', '08:30', '10:00'), shift('B', '09:00', '24:00')],
      [event('A', '08:45', true), event('A', '09:10', false), event('C', '23:30', true)],
      new Map([['B', { ...event('B', '00:00', true), at: at('00:00') - 3600_000 }]]),
      at('24:00'),
    );
    const hour = (h: number) => rows.find((r) => r.hour === h) ?? { scheduled: 0, onDuty: 0 };
    expect(hour(0)).toMatchObject({ scheduled: 0, onDuty: 1 }); // B on duty since yesterday
    expect(hour(8)).toMatchObject({ scheduled: 1, onDuty: 2 });
    expect(hour(9)).toMatchObject({ scheduled: 2, onDuty: 2 });
    expect(hour(10)).toMatchObject({ scheduled: 1, onDuty: 1 });
    expect(hour(23)).toMatchObject({ scheduled: 1, onDuty: 2 });
    expect(time.day(at('23:59'))).toBe(day);
    expect(time.day(at('24:00'))).toBe('2026-11-26');
  });

  it('does not count the future as on duty', () => {
    const rows = coverage(day, time, [], [event('A', '08:00', true)], new Map(), at('10:30'));
    expect(rows.filter((r) => r.onDuty > 0).map((r) => r.hour)).toEqual([8, 9, 10]);
  });
});
