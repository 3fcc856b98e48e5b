import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { consultation, storeContract } from '../../../test/contracts/store.ts';
import type { ConsultationRecord, Person } from '../port.ts';
import { SqliteStore } from './index.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'lawline-sqlite-'));

storeContract('sqlite', async () => {
  const dir = tempDir();
  let store = await SqliteStore.open({ dir });
  return {
    store,
    async reopen() {
      await store.close();
      store = await SqliteStore.open({ dir });
      return store;
    },
    async cleanup() {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const citizen: Person = { id: 'C1', role: 'citizen', name: '张三' };
const lawyer: Person = { id: 'LA', role: 'lawyer', name: '王律师' };

describe('SQLite store', () => {
  it('keeps few consultations in memory: evicted ones are read back, still checked and deduplicated', async () => {
    const dir = tempDir();
    let store = await SqliteStore.open({ dir, hotConsultations: 2 });
    const made = Array.from({ length: 6 }, () => consultation({ state: 'active', lawyer }));
    for (const c of made) await store.createConsultation(c);
    // Interleaved, concurrent: each message finds its consultation evicted by the others.
    const send = (c: ConsultationRecord, id: string) => store.appendIfAdmitted({ consultationId: c.id, from: citizen, clientMsgId: id, body: id, at: 1 }, (x) => x.state === 'active');
    for (let round = 0; round < 3; round++) {
      const sent = await Promise.all(made.flatMap((c) => [send(c, `m${round}`), send(c, `m${round}`)]));
      for (const r of sent) expect(r).toMatchObject({ ok: true, message: { seq: round + 1 }, consultation: { lastSeq: round + 1 } });
      expect(sent.filter((r) => r.ok && r.duplicate)).toHaveLength(made.length);
    }
    const closing = made[0] as ConsultationRecord;
    await store.transition(closing.id, ['active'], { state: 'closed', updatedAt: 5 });
    for (const c of made.slice(1)) await send(c, 'push-out');
    expect(await send(closing, 'late')).toMatchObject({ ok: false, reason: 'refused', consultation: { state: 'closed', lastSeq: 3 } });
    // Two picks of one evicted consultation at once: one read of it, one winner.
    const other = made[1] as ConsultationRecord;
    for (const c of made.slice(2)) await store.getConsultation(c.id);
    const both = await Promise.all([
      store.transition(other.id, ['active'], { state: 'closed', updatedAt: 6 }, 'LA'),
      store.transition(other.id, ['active'], { state: 'closed', updatedAt: 7 }, 'LA'),
    ]);
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    store = await reopenStore(store, dir);
    expect((await store.appendMessage({ consultationId: (made[2] as ConsultationRecord).id, from: citizen, clientMsgId: 'm1', body: 'again', at: 9 })).duplicate).toBe(true);
    expect((await store.history((made[2] as ConsultationRecord).id, { limit: 10 })).messages.map((m) => m.clientMsgId)).toEqual(['m0', 'm1', 'm2', 'push-out']);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a consultation as it stands in memory, also while its write is in flight (as the file store did)', async () => {
    const dir = tempDir();
    const store = await SqliteStore.open({ dir });
    const c = consultation();
    await store.createConsultation(c);
    // Not awaited: the node tells clients of a transition as soon as it is decided, and they list.
    const taking = store.transition(c.id, ['queued'], { state: 'active', lawyer, updatedAt: 2 });
    const receipt = store.recordRead({ consultationId: c.id, userId: 'C1', upToSeq: 1, at: 3 });
    expect((await store.listConsultations({ lawyerId: 'LA', states: ['active'] })).map((x) => x.id)).toEqual([c.id]);
    expect(await store.readReceipts(c.id)).toHaveLength(1);
    await Promise.all([taking, receipt]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('group-commits: 1,000 concurrent appends take far fewer commits', async () => {
    const dir = tempDir();
    const store = await SqliteStore.open({ dir });
    const c = consultation({ state: 'active' });
    await store.createConsultation(c);
    const before = store.stats().fsyncs;
    const acks = await Promise.all(Array.from({ length: 1000 }, (_, i) => store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `g${i}`, body: 'x'.repeat(120), at: i })));
    expect(acks.map((a) => a.message.seq)).toEqual(acks.map((_, i) => i + 1));
    expect(store.stats().fsyncs - before).toBeLessThan(100);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a create whose id is taken on disk fails alone and leaves nothing behind', async () => {
    const dir = tempDir();
    let store = await SqliteStore.open({ dir });
    const c = consultation();
    await store.createConsultation(c);
    store = await reopenStore(store, dir);
    const asker: Person = { id: 'C9', role: 'citizen', name: 'x' };
    await expect(store.createConsultation({ ...c, citizen: asker }, { maxOpenPerCitizen: 1 })).rejects.toThrow(/UNIQUE/);
    expect(await store.getConsultation(c.id)).toEqual(c);
    // It did not count against its citizen's cap.
    expect(await store.createConsultation(consultation({ citizen: asker }), { maxOpenPerCitizen: 1 })).toEqual({ ok: true });
    expect(store.ready()).toBe(true);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restarts without reading history: 40,000 messages later it opens as fast as empty and reads any page from disk', async () => {
    const dir = tempDir();
    const timedOpen = async () => {
      const t = performance.now();
      const opened = await SqliteStore.open({ dir });
      return { opened, ms: performance.now() - t };
    };
    const empty = await timedOpen();
    let store = empty.opened;
    const made = Array.from({ length: 200 }, (_, i) => consultation({ state: i % 2 ? 'closed' : 'active', lawyer }));
    for (const c of made) await store.createConsultation(c);
    for (let step = 0; step < 20; step++) {
      await Promise.all(made.flatMap((c) => Array.from({ length: 10 }, (_, j) => store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `s${step}-${j}`, body: `消息 ${step}-${j}`, at: step }))));
    }
    await store.close();
    const full = await timedOpen();
    store = full.opened;
    // What it loaded: the 100 open consultations' ids, no message (ready is what the issue asks: under 5 s).
    expect(full.ms).toBeLessThan(Math.max(5000, empty.ms * 3));
    const old = made[7] as ConsultationRecord;
    const t = performance.now();
    const page = await store.history(old.id, { limit: 50 });
    const firstReadMs = performance.now() - t;
    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 151 + i));
    expect(page.messages.at(-1)?.body).toBe('消息 19-9');
    expect(page.hasMore).toBe(true);
    expect(firstReadMs).toBeLessThan(200);
    expect(await store.listConsultations({ states: ['queued', 'picked', 'active'], limit: 1000 })).toHaveLength(100);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('loses no acknowledged message when the process is killed mid-write (kill -9)', async () => {
    const dir = tempDir();
    const fixture = fileURLToPath(new URL('../crash-writer.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, 'sqlite'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await expect.poll(() => out.split('\n').length, { timeout: 30_000, interval: 10 }).toBeGreaterThan(400);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const acked = new Set(out.split('\n').filter((l) => /^\d+$/.test(l)).map(Number));
    const store = await SqliteStore.open({ dir });
    const all = await store.history('crash', { limit: 1_000_000 });
    const seqs = all.messages.map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    for (const seq of acked) expect(seqs).toContain(seq);
    expect((await store.getConsultation('crash'))?.lastSeq).toBe(seqs.length);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});

async function reopenStore(store: SqliteStore, dir: string): Promise<SqliteStore> {
  await store.close();
  return SqliteStore.open({ dir });
}
