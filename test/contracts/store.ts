import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REQUEST_ID_MEMORY_MS, type AlertRecord, type ConsultationRecord, type CreateOutcome, type Person, type Store } from '../../server/store/port.ts';

export interface StoreHarness {
  store: Store;
  /** Closes and opens the same data again, as a restart would. */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

const citizen: Person = { id: 'C1', role: 'citizen', name: '张三' };
const lawyerA: Person = { id: 'LA', role: 'lawyer', name: '王律师' };
const lawyerB: Person = { id: 'LB', role: 'lawyer', name: '李律师' };

let counter = 0;
export function consultation(over: Partial<ConsultationRecord> = {}): ConsultationRecord {
  const at = 1_700_000_000_000 + counter;
  return { id: `c${++counter}`, state: 'queued', category: 'labor', region: '320200', channel: 'text', citizen, createdAt: at, updatedAt: at, lastSeq: 0, ...over };
}

/** The Store port's semantics, for every implementation: file and PostgreSQL (the `*.test.ts` beside each in `server/store/`). */
export function storeContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;
    beforeEach(async () => {
      h = await open();
      store = h.store;
    });
    afterEach(() => h.cleanup());

    it('creates, gets and lists consultations newest first, by participant, state and category', async () => {
      const a = consultation();
      const b = consultation({ category: 'family' });
      await store.createConsultation(a);
      await store.createConsultation(b);
      expect(await store.getConsultation(a.id)).toEqual(a);
      expect(await store.getConsultation('nope')).toBeUndefined();
      expect((await store.listConsultations({ participantId: 'C1' })).map((c) => c.id)).toEqual([b.id, a.id]);
      expect((await store.listConsultations({ states: ['queued'], categories: ['family'] })).map((c) => c.id)).toEqual([b.id]);
      expect(await store.listConsultations({ participantId: 'LA' })).toEqual([]);
      const m = consultation({ channel: 'message' });
      await store.createConsultation(m);
      expect((await store.listConsultations({ states: ['queued'], channel: 'message' })).map((c) => c.id)).toEqual([m.id]);
      expect((await store.listConsultations({ states: ['queued'], channel: 'text' })).map((c) => c.id)).toEqual([b.id, a.id]);
    });

    it('lets exactly one of two concurrent compare-and-sets win', async () => {
      const c = consultation();
      await store.createConsultation(c);
      const [x, y] = await Promise.all([
        store.transition(c.id, ['queued'], { state: 'picked', lawyer: lawyerA, updatedAt: 1 }),
        store.transition(c.id, ['queued'], { state: 'picked', lawyer: lawyerB, updatedAt: 2 }),
      ]);
      expect([x.ok, y.ok].filter(Boolean)).toHaveLength(1);
      const loser = x.ok ? y : x;
      expect(loser).toMatchObject({ ok: false, reason: 'wrong-state', current: { state: 'picked' } });
      const winner = x.ok ? x : y;
      expect((await store.getConsultation(c.id))?.lawyer).toEqual(winner.ok ? winner.consultation.lawyer : undefined);
      expect((await store.listConsultations({ participantId: winner.ok ? winner.consultation.lawyer?.id : '' })).map((r) => r.id)).toEqual([c.id]);
      expect(await store.transition('nope', ['queued'], { state: 'picked', updatedAt: 3 })).toEqual({ ok: false, reason: 'not-found' });
    });

    it('after a transfer, only the lawyer who took it holds the consultation: listed for them, and only they can move it', async () => {
      const c = consultation({ state: 'active', lawyer: lawyerA });
      await store.createConsultation(c);
      const ids = (filter: Parameters<Store['listConsultations']>[0]) => store.listConsultations(filter).then((r) => r.map((x) => x.id));
      const held = (lawyerId: string) => ids({ lawyerId, states: ['picked', 'active'] });
      expect(await held('LA')).toEqual([c.id]);
      // LA hands it on (back to the queue, no lawyer) and LB takes it.
      expect((await store.transition(c.id, ['picked', 'active'], { state: 'queued', lawyer: null, updatedAt: 2 }, 'LA')).ok).toBe(true);
      expect(await ids({ participantId: 'LA' })).toEqual([]);
      expect((await store.transition(c.id, ['queued'], { state: 'active', lawyer: lawyerB, updatedAt: 3 })).ok).toBe(true);
      const check = async () => {
        expect(await held('LA')).toEqual([]);
        expect(await held('LB')).toEqual([c.id]);
        expect(await ids({ participantId: 'LA' })).toEqual([]);
        expect(await ids({ participantId: 'LB', states: ['queued', 'picked', 'active'] })).toEqual([c.id]);
        expect(await ids({ participantId: 'C1' })).toEqual([c.id]);
      };
      await check();
      // LA's requeue (they dropped) is conditional on LA holding it at the moment of the write: it is LB's now.
      const requeue = await store.transition(c.id, ['picked', 'active'], { state: 'queued', lawyer: null, updatedAt: 4 }, 'LA');
      expect(requeue).toMatchObject({ ok: false, reason: 'not-held', current: { state: 'active', lawyer: { id: 'LB' } } });
      expect(await store.getConsultation(c.id)).toMatchObject({ state: 'active', lawyer: { id: 'LB' }, updatedAt: 3 });
      // The same once the store rebuilt what it answers from (a restart).
      store = await h.reopen();
      await check();
      expect((await store.transition(c.id, ['active'], { state: 'closed', updatedAt: 5 }, 'LA')).ok).toBe(false);
      expect((await store.transition(c.id, ['active'], { state: 'closed', updatedAt: 5 }, 'LB')).ok).toBe(true);
    });

    it("pages a citizen's ended consultations newest first, from where the last page ended, ties by id, and no one else's", async () => {
      const asker: Person = { id: 'C5', role: 'citizen', name: '孙七' };
      const at = 1_800_000_000_000;
      // Two made in the same millisecond: their ids decide, by code unit (mixed case, as base64url ids are).
      const made = [
        consultation({ id: 'c_past_a', citizen: asker, createdAt: at, updatedAt: at }),
        consultation({ id: 'c_past_C', citizen: asker, createdAt: at + 1, updatedAt: at + 1 }),
        consultation({ id: 'c_past_b', citizen: asker, createdAt: at + 1, updatedAt: at + 1 }),
        consultation({ id: 'c_past_d', citizen: asker, createdAt: at + 2, updatedAt: at + 2, lawyer: lawyerA, state: 'active' }),
        consultation({ id: 'c_past_e', citizen: asker, createdAt: at + 3, updatedAt: at + 3 }),
        consultation({ id: 'c_past_open', citizen: asker, createdAt: at + 4, updatedAt: at + 4 }),
        consultation({ id: 'c_past_other', createdAt: at + 5, updatedAt: at + 5 }),
      ];
      for (const c of made) await store.createConsultation(c);
      for (const id of ['c_past_a', 'c_past_b', 'c_past_C', 'c_past_other']) await store.transition(id, ['queued'], { state: 'closed', updatedAt: at + 9 });
      await store.transition('c_past_d', ['active'], { state: 'closed', updatedAt: at + 9 }, 'LA');
      await store.transition('c_past_e', ['queued'], { state: 'cancelled', updatedAt: at + 9 });
      const ended = ['closed', 'cancelled'] as const;
      const pages = async () => {
        const seen: string[][] = [];
        let before: { createdAt: number; id: string } | undefined;
        // Bounded: a store that ignored the cursor would hand the first page for ever.
        for (let n = 0; n < 5; n++) {
          const page = await store.listConsultations({ citizenId: 'C5', states: ended, limit: 2, ...(before ? { before } : {}) });
          if (!page.length) return seen;
          seen.push(page.map((c) => c.id));
          const last = page.at(-1) as ConsultationRecord;
          before = { createdAt: last.createdAt, id: last.id };
        }
        return seen;
      };
      const expected = [['c_past_e', 'c_past_d'], ['c_past_b', 'c_past_C'], ['c_past_a']];
      expect(await pages()).toEqual(expected);
      // The lawyer who held one is not its citizen; the other citizen's is theirs.
      expect(await store.listConsultations({ citizenId: 'LA', states: ended })).toEqual([]);
      expect((await store.listConsultations({ citizenId: 'C1', states: ended })).map((c) => c.id)).toContain('c_past_other');
      expect((await store.listConsultations({ citizenId: 'C5', states: ended, before: { createdAt: at + 1, id: 'c_past_b' } })).map((c) => c.id)).toEqual(['c_past_C', 'c_past_a']);
      store = await h.reopen();
      expect(await pages()).toEqual(expected);
    });

    it("creates a consultation only while its citizen has fewer open ones than the cap, also when asked for at once", async () => {
      const asker: Person = { id: 'C2', role: 'citizen', name: '李四' };
      const cap = { maxOpenPerCitizen: 2 };
      const asked = [consultation({ citizen: asker }), consultation({ citizen: asker, channel: 'message' }), consultation({ citizen: asker }), consultation({ citizen: asker })];
      const outcomes = await Promise.all(asked.map((c) => store.createConsultation(c, cap)));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(2);
      expect(outcomes.filter((o) => !o.ok)).toEqual([
        { ok: false, reason: 'too-many-open', open: 2 },
        { ok: false, reason: 'too-many-open', open: 2 },
      ]);
      const created = asked.filter((_, i) => outcomes[i]?.ok);
      for (const [i, c] of asked.entries()) expect(await store.getConsultation(c.id)).toEqual(outcomes[i]?.ok ? c : undefined);
      // Closed ones do not count; other citizens have their own; without a cap there is none.
      await store.transition((created[0] as ConsultationRecord).id, ['queued'], { state: 'closed', updatedAt: 9 });
      expect(await store.createConsultation(consultation({ citizen: asker }), cap)).toEqual({ ok: true });
      expect((await store.createConsultation(consultation({ citizen: asker }), cap)).ok).toBe(false);
      expect(await store.createConsultation(consultation(), cap)).toEqual({ ok: true });
      expect(await store.createConsultation(consultation({ citizen: asker }))).toEqual({ ok: true });
      expect(await store.listConsultations({ participantId: 'C2', states: ['queued', 'picked', 'active'] })).toHaveLength(3);
    });

    it("creates one consultation per citizen's clientRequestId: a repeat gets the first as it stands now, at the cap, closed, at once and after a restart", async () => {
      const asker: Person = { id: 'C4', role: 'citizen', name: '赵六' };
      const cap = { maxOpenPerCitizen: 1 };
      const asked = (clientRequestId: string, over: Partial<ConsultationRecord> = {}) => consultation({ citizen: asker, clientRequestId, ...over });
      const repeat = (options = cap) => store.createConsultation(asked('r1'), options);
      // Sent twice at once (the second while the first is in flight), at a cap of one: one is made, the other gets it.
      const both = [asked('r1'), asked('r1')];
      const outcomes = await Promise.all(both.map((c) => store.createConsultation(c, cap)));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      const first = outcomes[0]?.ok ? (both[0] as ConsultationRecord) : (both[1] as ConsultationRecord);
      expect(outcomes.find((o) => !o.ok)).toEqual({ ok: false, reason: 'duplicate', consultation: first });
      // It counted once against the cap: another request is refused, a repeat is not.
      expect(await store.createConsultation(asked('r2'), cap)).toEqual({ ok: false, reason: 'too-many-open', open: 1 });
      // As it stands now: picked, with a message; with or without a cap.
      await store.transition(first.id, ['queued'], { state: 'picked', lawyer: lawyerA, updatedAt: first.updatedAt + 1 });
      await store.appendMessage({ consultationId: first.id, from: asker, clientMsgId: 'm1', body: '你好', at: 2 });
      const now = { ...first, state: 'picked', lawyer: lawyerA, updatedAt: first.updatedAt + 1, lastSeq: 1 };
      expect(await repeat()).toEqual({ ok: false, reason: 'duplicate', consultation: now });
      expect(await repeat({ maxOpenPerCitizen: 100 })).toEqual({ ok: false, reason: 'duplicate', consultation: now });
      expect(await store.createConsultation(asked('r1'))).toEqual({ ok: false, reason: 'duplicate', consultation: now });
      // Another citizen's id is theirs.
      expect(await store.createConsultation(consultation({ clientRequestId: 'r1' }), cap)).toEqual({ ok: true });
      // Closed: a late repeat does not reopen it, nor open another; a new request may.
      await store.transition(first.id, ['picked'], { state: 'closed', updatedAt: first.updatedAt + 2 });
      expect(await repeat()).toMatchObject({ ok: false, reason: 'duplicate', consultation: { id: first.id, state: 'closed' } });
      const second = asked('r2');
      expect(await store.createConsultation(second, cap)).toEqual({ ok: true });
      // Remembered for a day of creates at least, and across a restart.
      expect(await store.createConsultation(consultation({ createdAt: first.createdAt + REQUEST_ID_MEMORY_MS - 60_000 }))).toEqual({ ok: true });
      store = await h.reopen();
      expect(await repeat()).toMatchObject({ ok: false, reason: 'duplicate', consultation: { id: first.id, state: 'closed', lastSeq: 1 } });
      expect(await store.createConsultation(asked('r2'), cap)).toMatchObject({ ok: false, reason: 'duplicate', consultation: { id: second.id, state: 'queued' } });
      expect((await store.listConsultations({ participantId: asker.id })).map((c) => c.id)).toEqual([second.id, first.id]);
    });

    it('tells a create its decision once, before it is answered, the same as the answer', async () => {
      const asker: Person = { id: 'C3', role: 'citizen', name: '王五' };
      const told: [string, CreateOutcome][] = [];
      const create = async (c: ConsultationRecord, max?: number) => {
        const outcome = await store.createConsultation(c, { ...(max !== undefined ? { maxOpenPerCitizen: max } : {}), decided: (o) => told.push([c.id, o]) });
        // Told before the answer came.
        expect(told.filter(([id]) => id === c.id)).toEqual([[c.id, outcome]]);
        return outcome;
      };
      const [first, second, free] = [consultation({ citizen: asker }), consultation({ citizen: asker }), consultation({ citizen: asker })];
      expect(await create(first, 1)).toEqual({ ok: true });
      expect(await create(second, 1)).toEqual({ ok: false, reason: 'too-many-open', open: 1 });
      expect(await create(free)).toEqual({ ok: true });
    });

    it('assigns message seqs in order and deduplicates clientMsgId, also while the first write is in flight', async () => {
      const c = consultation({ state: 'active', lawyer: lawyerA });
      await store.createConsultation(c);
      const msg = (clientMsgId: string, from: Person = citizen) => ({ consultationId: c.id, from, clientMsgId, body: `body ${clientMsgId}`, at: 5 });
      const [m1, m1dup, m2] = await Promise.all([store.appendMessage(msg('a')), store.appendMessage(msg('a')), store.appendMessage(msg('b'))]);
      expect(m1).toMatchObject({ duplicate: false, message: { seq: 1 } });
      expect(m1dup).toEqual({ duplicate: true, message: m1.message });
      expect(m2.message.seq).toBe(2);
      // Same clientMsgId from another sender is another message.
      expect((await store.appendMessage(msg('a', lawyerA))).message.seq).toBe(3);
      expect((await store.appendMessage(msg('a'))).duplicate).toBe(true);
      expect((await store.getConsultation(c.id))?.lastSeq).toBe(3);
    });

    it('appends only what the consultation admits as it stands, and hands back the consultation with its last seq', async () => {
      const c = consultation({ state: 'picked', lawyer: lawyerA });
      await store.createConsultation(c);
      const msg = (clientMsgId: string, from: Person) => ({ consultationId: c.id, from, clientMsgId, body: clientMsgId, at: 5 });
      const whenActive = (r: ConsultationRecord) => r.state === 'active';
      expect(await store.appendIfAdmitted(msg('early', lawyerA), whenActive)).toMatchObject({ ok: false, reason: 'refused', consultation: { state: 'picked' } });
      expect(await store.appendIfAdmitted(msg('x', lawyerA), () => true).then((r) => r.ok && [r.message.seq, r.consultation.lastSeq])).toEqual([1, 1]);
      await store.transition(c.id, ['picked'], { state: 'active', updatedAt: 6 });
      const admitted = await store.appendIfAdmitted(msg('hello', lawyerA), whenActive);
      expect(admitted).toMatchObject({ ok: true, duplicate: false, message: { seq: 2, body: 'hello' }, consultation: { state: 'active', lastSeq: 2 } });
      expect(await store.appendIfAdmitted(msg('hello', lawyerA), whenActive)).toMatchObject({ ok: true, duplicate: true, message: { seq: 2 } });
      await store.transition(c.id, ['active'], { state: 'closed', updatedAt: 7 });
      expect(await store.appendIfAdmitted(msg('late', citizen), whenActive)).toMatchObject({ ok: false, reason: 'refused', consultation: { state: 'closed', lastSeq: 2 } });
      expect(await store.appendIfAdmitted({ ...msg('lost', citizen), consultationId: 'nope' }, () => true)).toEqual({ ok: false, reason: 'not-found' });
      // Refused messages took no seq and left nothing behind.
      expect((await store.history(c.id, { limit: 10 })).messages.map((m) => [m.seq, m.clientMsgId])).toEqual([
        [1, 'x'],
        [2, 'hello'],
      ]);
    });

    it('pages history backwards in ascending order', async () => {
      const c = consultation({ state: 'active', lawyer: lawyerA });
      await store.createConsultation(c);
      for (let i = 1; i <= 7; i++) await store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `m${i}`, body: `第${i}条`, at: i });
      const newest = await store.history(c.id, { limit: 3 });
      expect(newest.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
      expect(newest.hasMore).toBe(true);
      const older = await store.history(c.id, { beforeSeq: 5, limit: 3 });
      expect(older.messages.map((m) => m.body)).toEqual(['第2条', '第3条', '第4条']);
      expect((await store.history(c.id, { beforeSeq: 2, limit: 3 })).hasMore).toBe(false);
      expect(await store.history('nope', { limit: 3 })).toEqual({ messages: [], hasMore: false });
    });

    it('keeps the newest read receipt per reader', async () => {
      const c = consultation();
      await store.createConsultation(c);
      await store.recordRead({ consultationId: c.id, userId: 'C1', upToSeq: 4, at: 1 });
      await store.recordRead({ consultationId: c.id, userId: 'C1', upToSeq: 2, at: 2 });
      await store.recordRead({ consultationId: c.id, userId: 'LA', upToSeq: 1, at: 3 });
      const receipts = await store.readReceipts(c.id);
      expect(receipts.find((r) => r.userId === 'C1')?.upToSeq).toBe(4);
      expect(receipts).toHaveLength(2);
    });

    it('chains audit records and verifies the chain', async () => {
      const first = await store.appendAudit({ at: 1, actor: lawyerA, action: 'consult.history.read', subject: 'c1', owner: 'C1' });
      const second = await store.appendAudit({ at: 2, actor: lawyerB, action: 'recording.open', subject: 'r1' });
      expect(first.prevHash).toBe('0'.repeat(64));
      expect(second.prevHash).toBe(first.hash);
      expect(second.index).toBe(1);
      expect(await store.verifyAudit()).toEqual({ records: 2, firstBroken: -1 });
    });

    it('names the head of the audit chain and reads any record of it, after a restart too', async () => {
      expect(await store.auditHead()).toBeUndefined();
      expect(await store.auditRecord(0)).toBeUndefined();
      const records = [];
      for (const at of [1, 2, 3]) records.push(await store.appendAudit({ at, actor: lawyerA, action: 'consult.history.read', subject: `c${at}`, owner: 'C1' }));
      expect(await store.auditHead()).toEqual({ index: 2, hash: records[2]?.hash });
      expect(await store.auditRecord(1)).toEqual(records[1]);
      store = await h.reopen();
      expect(await store.auditHead()).toEqual({ index: 2, hash: records[2]?.hash });
      expect(await store.auditRecord(0)).toEqual(records[0]);
      expect(await store.auditRecord(3)).toBeUndefined();
    });

    it('keeps everything across a restart, and dedup of open consultations too', async () => {
      const c = consultation({ state: 'active', lawyer: lawyerA });
      await store.createConsultation(c);
      await store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: 'k1', body: 'x', at: 1 });
      await store.transition(c.id, ['active'], { state: 'active', note: 'still open', updatedAt: 9 });
      await store.appendAudit({ at: 1, actor: lawyerA, action: 'a', subject: 's' });
      store = await h.reopen();
      expect(await store.getConsultation(c.id)).toMatchObject({ state: 'active', lastSeq: 1, note: 'still open' });
      expect(await store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: 'k1', body: 'x', at: 2 })).toMatchObject({ duplicate: true, message: { seq: 1 } });
      expect((await store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: 'k2', body: 'y', at: 3 })).message.seq).toBe(2);
      expect((await store.appendAudit({ at: 2, actor: lawyerA, action: 'b', subject: 's' })).index).toBe(1);
      expect(await store.verifyAudit()).toEqual({ records: 2, firstBroken: -1 });
    });

    it("replaces a day's roster, keeps duty events in time order, and both survive a restart", async () => {
      const shift = { lawyerId: 'LA', day: '2026-11-25', start: '08:00', end: '12:00', categories: ['labor' as const], region: '320200' };
      await store.putRoster('2026-11-25', [shift, { ...shift, lawyerId: 'LB' }]);
      await store.putRoster('2026-11-25', [shift]);
      await store.putRoster('2026-11-26', [{ ...shift, day: '2026-11-26' }]);
      for (const at of [10, 20, 30]) await store.appendDutyEvent({ lawyerId: 'LA', at, on: at !== 20, categories: ['labor'], region: '320200' });
      const restarted = await h.reopen();
      expect(await restarted.roster('2026-11-25')).toEqual([shift]);
      expect(await restarted.roster('2026-12-01')).toEqual([]);
      expect((await restarted.dutyEvents(15, 31)).map((e) => [e.at, e.on])).toEqual([
        [20, false],
        [30, true],
      ]);
    });
    it('writes an alert only over the version before it: one of two racing writers wins, and alerts survive a restart', async () => {
      const alert = (over: Partial<AlertRecord> = {}): AlertRecord => ({
        id: 'ct.c1.self-harm', version: 1, kind: 'content', riskType: 'self-harm', level: 'III', state: 'raised', score: 8, rules: ['self-harm/自杀'],
        consultationId: 'c1', category: 'labor', region: '320200', rulesVersion: 'v1', createdAt: 100, updatedAt: 100, escalateAt: 200,
        history: [{ at: 100, action: 'raised', level: 'III' }], ...over,
      });
      expect(await store.putAlert(alert())).toBe(true);
      expect(await store.putAlert(alert({ score: 9 }))).toBe(false); // version 1 again: exists
      expect(await store.putAlert(alert({ version: 3 }))).toBe(false); // skips a version
      const [x, y] = await Promise.all([
        store.putAlert(alert({ version: 2, level: 'II', updatedAt: 150 })),
        store.putAlert(alert({ version: 2, state: 'acknowledged', updatedAt: 151 })),
      ]);
      expect([x, y].filter(Boolean)).toHaveLength(1);
      expect((await store.getAlert('ct.c1.self-harm'))?.version).toBe(2);
      expect(await store.getAlert('nope')).toBeUndefined();
      await store.putAlert(alert({ id: 'cl.labor.320200.x', kind: 'collective', createdAt: 300, updatedAt: 300, consultationIds: ['c1', 'c2'] }));
      await store.putAlert(alert({ id: 'sv.sla.c9', kind: 'service', createdAt: 200, updatedAt: 200, state: 'closed', falsePositive: true }));
      expect((await store.listAlerts({})).map((a) => a.id)).toEqual(['cl.labor.320200.x', 'sv.sla.c9', 'ct.c1.self-harm']);
      expect((await store.listAlerts({ states: ['closed'] })).map((a) => a.id)).toEqual(['sv.sla.c9']);
      expect((await store.listAlerts({ limit: 1 })).map((a) => a.id)).toEqual(['cl.labor.320200.x']);
      const restarted = await h.reopen();
      const back = await restarted.getAlert('cl.labor.320200.x');
      expect(back).toEqual(alert({ id: 'cl.labor.320200.x', kind: 'collective', createdAt: 300, updatedAt: 300, consultationIds: ['c1', 'c2'] }));
      expect(await restarted.putAlert({ ...(back as AlertRecord), version: 2, state: 'closed' })).toBe(true);
      expect((await restarted.listAlerts({ states: ['raised', 'acknowledged'] })).length).toBe(1);
    });
  });
}
