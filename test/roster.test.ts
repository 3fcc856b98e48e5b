import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalTime } from '../server/presence/coverage.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { cast } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// The duty roster over the operations HTTP API, and what it drives: reminders at shift start
// and the coverage report of scheduled against actually on duty.
let server: TestServer;
const people = cast(() => server);
afterEach(() => people.dismiss());
beforeAll(async () => {
  server = await startTestServer({ LAWLINE_OFFER_TIMEOUT_MS: '400' });
});
afterAll(() => server.cleanup());

const time = new LocalTime(480);
const api = async (method: string, path: string, token?: string, body?: unknown) => {
  const res = await fetch(`http://127.0.0.1:${server.opsPort}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('duty roster', () => {
  it('is uploaded by operations only, validated, and read back', async () => {
    const day = time.day(Date.now());
    const shift = { lawyerId: 'R-L1', start: '08:00', end: '12:00', categories: ['labor'], region: '320200' };
    expect((await api('PUT', `/api/roster/${day}`, undefined, { shifts: [shift] })).status).toBe(401);
    expect((await api('PUT', `/api/roster/${day}`, await server.token(citizen('R-C1')), { shifts: [shift] })).status).toBe(403);
    const admin = await server.token({ sub: 'R-A1', role: 'admin', name: '运维' });
    expect((await api('PUT', `/api/roster/${day}`, admin, '{"shifts": [')).status).toBe(400);
    const huge = await api('PUT', `/api/roster/${day}`, admin, `{"shifts":[],"pad":"${'x'.repeat(4 * 1024 * 1024)}"}`);
    expect(huge).toEqual({ status: 413, body: { error: `body over ${4 * 1024 * 1024} bytes` } });
    expect((await api('PUT', '/api/roster/2026-13-01', admin, { shifts: [] })).status).toBe(400);
    const bad = await api('PUT', `/api/roster/${day}`, admin, { shifts: [{ ...shift, categories: ['astrology'] }] });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toContain('/shifts/0/categories/0');
    expect((await api('PUT', `/api/roster/${day}`, admin, { shifts: [{ ...shift, start: '13:00' }] })).body.error).toContain('before it starts');
    expect(await api('PUT', `/api/roster/${day}`, admin, { shifts: [shift] })).toEqual({ status: 200, body: { day, shifts: 1 } });
    expect((await api('GET', `/api/roster/${day}`, admin)).body.shifts).toEqual([{ ...shift, day }]);
  });

  it('reminds a rostered lawyer who is not on duty at shift start, and reports coverage by category, region and hour', async () => {
    const now = Date.now();
    const day = time.day(now);
    const hour = Number(new Date(now + 480 * 60_000).toISOString().slice(11, 13));
    const supervisorToken = await server.token({ sub: 'R-S1', role: 'supervisor', name: '督导' });
    const onTime = await people.join(lawyer('R-L2', '王律师', ['labor']));
    const late = await people.join(lawyer('R-L3', '李律师', ['family']));
    await onTime.client.request('duty.on', {});
    const shifts = [
      { lawyerId: 'R-L2', start: '00:00', end: '24:00', categories: ['labor'], region: '320200' },
      { lawyerId: 'R-L3', start: '00:00', end: '24:00', categories: ['family'], region: '320200' },
    ];
    expect((await api('PUT', `/api/roster/${day}`, supervisorToken, { shifts })).status).toBe(200);
    const reminder = await late.next('roster.reminder');
    expect(reminder.shift).toMatchObject({ day, start: '00:00', categories: ['family'] });
    await new Promise((r) => setTimeout(r, 200));
    expect(onTime.pushes('roster.reminder')).toHaveLength(0);

    // On duty outside the roster is allowed, and shows in the report.
    const extra = await people.join(lawyer('R-L4', '赵律师', ['debt']));
    await extra.client.request('duty.on', {});
    const report = await api('GET', `/api/coverage/${day}`, supervisorToken);
    const rows = report.body.rows as { category: string; region: string; hour: number; scheduled: number; onDuty: number }[];
    const at = (category: string) => rows.find((r) => r.category === category && r.region === '320200' && r.hour === hour);
    expect(at('labor')).toMatchObject({ scheduled: 1, onDuty: 1 });
    expect(at('family')).toMatchObject({ scheduled: 1, onDuty: 0 });
    expect(at('debt')).toMatchObject({ scheduled: 0, onDuty: 1 });
    expect(rows.filter((r) => r.category === 'labor' && r.scheduled === 1)).toHaveLength(24);
    const cit = await people.join(citizen('R-C2'));
    const listed = (await cit.client.request('directory.list', { category: 'labor' })).lawyers.find((l) => l.lawyerId === 'R-L2');
    expect(listed?.serviceHours).toEqual(['00:00-24:00']);
    const metrics = await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/^lawline_roster_reminders_total [1-9]/m);
  });
});
