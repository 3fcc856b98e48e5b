import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { consultation } from '../../../test/contracts/store.ts';
import { createLogger } from '../../log.ts';
import { FileStore } from '../file/index.ts';
import type { AlertRecord, ConsultationRecord, Person, Store } from '../port.ts';
import { SqliteStore } from './index.ts';
import { DB_FILE } from './schema.ts';

const root = mkdtempSync(join(tmpdir(), 'lawline-migrate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const citizen: Person = { id: 'MC1', role: 'citizen', name: '张三' };
const other: Person = { id: 'MC2', role: 'citizen', name: '李四' };
const lawyerA: Person = { id: 'MLA', role: 'lawyer', name: '王律师' };
const lawyerB: Person = { id: 'MLB', role: 'lawyer', name: '李律师' };

/** A data dir written by the file store itself, small segments so the log spans several, ending in a torn write. */
async function oldDataDir(): Promise<{ dir: string; ids: string[] }> {
  const dir = join(root, 'old');
  const store = await FileStore.open({ dir, segmentBytes: 16 * 1024 });
  const made: ConsultationRecord[] = [];
  for (let i = 0; i < 12; i++) {
    const c = consultation({ citizen: i % 3 ? citizen : other, state: 'active', lawyer: lawyerA, clientRequestId: `req-${i}`, createdAt: Date.now() + i, updatedAt: Date.now() + i });
    await store.createConsultation(c);
    made.push(c);
  }
  for (const [i, c] of made.entries()) {
    await Promise.all(
      Array.from({ length: 25 + i }, (_, j) => store.appendMessage({ consultationId: c.id, from: j % 2 ? lawyerA : c.citizen, clientMsgId: `m${j}`, body: `第${j}条 ${'字'.repeat(j)}`, at: 1000 + j })),
    );
    await store.recordRead({ consultationId: c.id, userId: c.citizen.id, upToSeq: 10 + i, at: 5 });
    if (i % 4 === 1) await store.transition(c.id, ['active'], { state: 'queued', lawyer: null, handover: { from: lawyerA, note: '交接' }, updatedAt: 7 }, 'MLA');
    if (i % 4 === 1) await store.transition(c.id, ['queued'], { state: 'active', lawyer: lawyerB, updatedAt: 8 });
    if (i % 4 === 2) await store.transition(c.id, ['active'], { state: 'closed', note: '已解决', updatedAt: 9 });
  }
  for (let i = 0; i < 5; i++) await store.appendAudit({ at: i, actor: lawyerA, action: 'consult.history.read', subject: (made[i] as ConsultationRecord).id, owner: citizen.id });
  await store.putRoster('2026-11-27', [{ lawyerId: 'MLA', day: '2026-11-27', start: '08:00', end: '12:00', categories: ['labor'], region: '320200' }]);
  for (const at of [10, 20, 30]) await store.appendDutyEvent({ lawyerId: 'MLA', at, on: at !== 20, categories: ['labor'], region: '320200' });
  const alert: AlertRecord = {
    id: 'ct.m.self-harm', version: 1, kind: 'content', riskType: 'self-harm', level: 'III', state: 'raised', score: 8, rules: ['self-harm/自杀'],
    consultationId: made[0]?.id ?? '', category: 'labor', region: '320200', rulesVersion: 'v1', createdAt: 100, updatedAt: 100, escalateAt: 200,
    history: [{ at: 100, action: 'raised', level: 'III' }],
  };
  await store.putAlert(alert);
  await store.putAlert({ ...alert, version: 2, state: 'acknowledged', updatedAt: 150 });
  await store.putAlert({ ...alert, id: 'sv.sla.m', kind: 'service', createdAt: 50, updatedAt: 50 });
  await store.close();
  // A crash mid-write: half a frame at the end of the newest segment.
  const segments = readdirSync(join(dir, 'segments')).sort();
  appendFileSync(join(dir, 'segments', segments.at(-1) as string), Buffer.from([0, 0, 1, 0, 9, 9]));
  return { dir, ids: made.map((c) => c.id) };
}

/** Everything a store answers about the data dir, to compare before and after. */
async function everything(store: Store, ids: string[]) {
  const out: Record<string, unknown> = {};
  for (const id of ids) {
    out[id] = {
      c: await store.getConsultation(id),
      history: await store.history(id, { limit: 1000 }),
      reads: await store.readReceipts(id),
    };
  }
  out.lists = [
    await store.listConsultations({ participantId: 'MC1' }),
    await store.listConsultations({ lawyerId: 'MLB' }),
    await store.listConsultations({ states: ['closed'] }),
    await store.listConsultations({ states: ['queued', 'picked', 'active'], citizenId: 'MC2' }),
  ];
  out.audit = await store.verifyAudit();
  out.roster = await store.roster('2026-11-27');
  out.duty = await store.dutyEvents(0, 100);
  out.alerts = await store.listAlerts({});
  return out;
}

function logLines(): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}

describe('upgrade in place from the file store', async () => {
  const { dir, ids } = await oldDataDir();
  const before = await FileStore.open({ dir: join(root, 'probe') }).then(async (probe) => {
    await probe.close();
    cpSync(dir, join(root, 'probe'), { recursive: true });
    const old = await FileStore.open({ dir: join(root, 'probe') });
    const seen = await everything(old, ids);
    await old.close();
    return seen;
  });
  const segmentsBefore = readdirSync(join(dir, 'segments')).sort();

  it('copies every record on first start, logs its progress and keeps the old segments, renamed', async () => {
    expect(segmentsBefore.length).toBeGreaterThan(3);
    const copy = join(root, 'first');
    cpSync(dir, copy, { recursive: true });
    const { log, lines } = logLines();
    const store = await SqliteStore.open({ dir: copy, log });
    expect(await everything(store, ids)).toEqual(before);
    expect(lines.some((l) => l.includes('store: migrated the file store to SQLite') && l.includes('"messages":')), lines.join('\n')).toBe(true);
    expect(existsSync(join(copy, 'segments'))).toBe(false);
    expect(readdirSync(join(copy, 'segments.migrated')).sort()).toEqual(segmentsBefore);
    // It carries on where the file store stopped: dedup of open consultations, request ids, the audit chain.
    const open = ids[0] as string;
    expect(await store.appendMessage({ consultationId: open, from: other, clientMsgId: 'm2', body: 'again', at: 1 })).toMatchObject({ duplicate: true, message: { seq: 3, body: '第2条 字字' } });
    expect((await store.appendMessage({ consultationId: open, from: other, clientMsgId: 'new', body: 'new', at: 1 })).message.seq).toBe(26);
    expect(await store.createConsultation(consultation({ citizen: other, clientRequestId: 'req-0' }))).toMatchObject({ ok: false, reason: 'duplicate', consultation: { id: open } });
    expect((await store.appendAudit({ at: 9, actor: lawyerA, action: 'a', subject: 's' })).index).toBe(5);
    expect(await store.verifyAudit()).toEqual({ records: 6, firstBroken: -1 });
    expect(await store.auditHead()).toMatchObject({ index: 5 });
    // An alert carries on from its version.
    const acknowledged = (await store.getAlert('ct.m.self-harm')) as AlertRecord;
    expect(acknowledged).toMatchObject({ version: 2, state: 'acknowledged' });
    expect(await store.putAlert({ ...acknowledged, version: 2, state: 'closed' })).toBe(false);
    expect(await store.putAlert({ ...acknowledged, version: 3, state: 'closed' })).toBe(true);
    await store.close();
    // A second start opens the database: nothing migrated again.
    const { log: log2, lines: lines2 } = logLines();
    const again = await SqliteStore.open({ dir: copy, log: log2 });
    expect(lines2.some((l) => l.includes('migrat'))).toBe(false);
    expect((await again.history(open, { limit: 1 })).messages[0]?.clientMsgId).toBe('new');
    await again.close();
  }, 60_000);

  it('starts over cleanly after a crash mid-migration, and finishes one that crashed between its two renames', async () => {
    // What a killed migration leaves: a half-built database (here a stale one and its log) beside the untouched segments.
    const crashed = join(root, 'crashed');
    cpSync(dir, crashed, { recursive: true });
    writeFileSync(join(crashed, `${DB_FILE}.migrating`), 'half a database');
    writeFileSync(join(crashed, `${DB_FILE}.migrating-wal`), 'half a log');
    const store = await SqliteStore.open({ dir: crashed });
    expect(await everything(store, ids)).toEqual(before);
    await store.close();
    expect(existsSync(join(crashed, `${DB_FILE}.migrating`))).toBe(false);

    // The database renamed into place, the segments not yet put aside: they are, and the database is used as it is.
    const between = join(root, 'between');
    cpSync(crashed, between, { recursive: true });
    renameSync(join(between, 'segments.migrated'), join(between, 'segments'));
    const resumed = await SqliteStore.open({ dir: between });
    expect(await everything(resumed, ids)).toEqual(before);
    await resumed.close();
    expect(existsSync(join(between, 'segments'))).toBe(false);
    expect(readdirSync(join(between, 'segments.migrated')).sort()).toEqual(segmentsBefore);
  }, 60_000);
});
