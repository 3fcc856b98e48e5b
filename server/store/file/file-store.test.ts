import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { consultation, storeContract } from '../../../test/contracts/store.ts';
import type { Person } from '../port.ts';
import { crc32 } from './crc32.ts';
import { FileStore } from './index.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'lawline-store-'));
const citizen: Person = { id: 'C1', role: 'citizen', name: '张三' };
const segments = (dir: string) => readdirSync(join(dir, 'segments')).sort().map((f) => join(dir, 'segments', f));

storeContract('file', async () => {
  const dir = tempDir();
  let store = await FileStore.open({ dir });
  return {
    store,
    async reopen() {
      await store.close();
      store = await FileStore.open({ dir });
      return store;
    },
    async cleanup() {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('file store on disk', () => {
  it('group-commits: 1,000 concurrent appends take far fewer fsyncs', async () => {
    const dir = tempDir();
    const store = await FileStore.open({ dir });
    const c = consultation({ state: 'active' });
    await store.createConsultation(c);
    const before = store.stats().fsyncs;
    const acks = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `g${i}`, body: 'x'.repeat(120), at: i })),
    );
    const fsyncs = store.stats().fsyncs - before;
    expect(acks.map((a) => a.message.seq)).toEqual(acks.map((_, i) => i + 1));
    expect(fsyncs).toBeLessThan(100);
    expect(fsyncs).toBeGreaterThan(0);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("decides a capped create at once, before its fsync: routing starts on it beside the write", async () => {
    const dir = tempDir();
    const store = await FileStore.open({ dir });
    const told: boolean[] = [];
    const cap = { maxOpenPerCitizen: 1, decided: (o: { ok: boolean }) => told.push(o.ok) };
    const fsyncs = store.stats().fsyncs;
    const created = [store.createConsultation(consultation(), cap), store.createConsultation(consultation(), cap)];
    // Both told within the calls, before any fsync.
    expect(told).toEqual([true, false]);
    expect(store.stats().fsyncs).toBe(fsyncs);
    expect((await Promise.all(created)).map((o) => o.ok)).toEqual([true, false]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('cuts a torn tail at start and keeps every complete record', async () => {
    const dir = tempDir();
    let store = await FileStore.open({ dir });
    const c = consultation({ state: 'active' });
    await store.createConsultation(c);
    for (let i = 0; i < 5; i++) await store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `t${i}`, body: `m${i}`, at: i });
    await store.close();
    const [seg] = segments(dir);
    const size = statSync(seg as string).size;
    truncateSync(seg as string, size - 3); // the last record torn in half
    appendFileSync(seg as string, Buffer.from([0, 0, 0, 9, 1, 2])); // and some garbage after it
    store = await FileStore.open({ dir });
    const page = await store.history(c.id, { limit: 10 });
    expect(page.messages.map((m) => m.clientMsgId)).toEqual(['t0', 't1', 't2', 't3']);
    expect((await store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: 'after', body: 'x', at: 9 })).message.seq).toBe(5);
    await store.close();
    store = await FileStore.open({ dir });
    expect((await store.history(c.id, { limit: 10 })).messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start over corruption in an older segment', async () => {
    const dir = tempDir();
    const store = await FileStore.open({ dir, segmentBytes: 256 });
    const c = consultation({ state: 'active' });
    await store.createConsultation(c);
    for (let i = 0; i < 20; i++) await store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `r${i}`, body: 'y'.repeat(50), at: i });
    await store.close();
    const first = segments(dir)[0] as string;
    const bytes = readFileSync(first);
    bytes[12] = (bytes[12] as number) ^ 0xff;
    writeFileSync(first, bytes);
    await expect(FileStore.open({ dir, segmentBytes: 256 })).rejects.toThrow(/corrupt/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rotates segments and reads history across them after a restart', async () => {
    const dir = tempDir();
    let store = await FileStore.open({ dir, segmentBytes: 1024 });
    const c = consultation({ state: 'active' });
    await store.createConsultation(c);
    for (let i = 0; i < 100; i++) await store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `s${i}`, body: `消息 ${i} ${'z'.repeat(40)}`, at: i });
    expect(segments(dir).length).toBeGreaterThan(5);
    await store.close();
    store = await FileStore.open({ dir, segmentBytes: 1024 });
    const all = await store.history(c.id, { limit: 200 });
    expect(all.messages.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(all.messages[42]?.body).toContain('消息 42');
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('detects an audit record edited on disk, even with its checksum fixed', async () => {
    const dir = tempDir();
    let store = await FileStore.open({ dir });
    const actor: Person = { id: 'S1', role: 'supervisor', name: '督导' };
    for (const subject of ['c-one', 'c-two', 'c-three']) await store.appendAudit({ at: 1, actor, action: 'consult.history.read', subject });
    await store.close();
    const seg = segments(dir)[0] as string;
    const bytes = readFileSync(seg);
    const at = bytes.indexOf(Buffer.from('c-two'));
    bytes.write('c-TWO', at);
    // Re-frame the edited record so only the hash chain can tell.
    let pos = 0;
    while (pos < bytes.length) {
      const len = bytes.readUInt32BE(pos);
      if (at >= pos + 8 && at < pos + 8 + len) bytes.writeUInt32BE(crc32(bytes.subarray(pos + 8, pos + 8 + len)), pos + 4);
      pos += 8 + len;
    }
    writeFileSync(seg, bytes);
    store = await FileStore.open({ dir });
    expect(await store.verifyAudit()).toEqual({ records: 3, firstBroken: 1 });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write of a process killed with SIGKILL', async () => {
    const dir = tempDir();
    const fixture = fileURLToPath(new URL('../crash-writer.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, 'file'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (out.split('\n').length > 200) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const lines = out.split('\n').filter((l) => /^\d+$/.test(l));
    const acked = new Set(lines.map(Number));
    const store = await FileStore.open({ dir });
    const [c] = await store.listConsultations({});
    const all = await store.history(c?.id ?? '', { limit: 100_000 });
    const seqs = all.messages.map((m) => m.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const seq of acked) expect(seqs).toContain(seq);
    expect(acked.size).toBeGreaterThan(150);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
