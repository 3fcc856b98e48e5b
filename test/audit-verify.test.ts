import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LawlineClient } from '../clients/sdk/index.ts';
import { loadOrCreateDevIdentity, mintToken, type DevClaims } from '../server/auth/dev-identity.ts';
import { citizen, lawyer, supervisor } from './helpers/people.ts';
import { DATABASE_URL } from './helpers/services.ts';
import { spawnServer } from './helpers/spawn.ts';

// The audit chain of a real node, checked by `npm run audit:verify` as an auditor runs it: the
// heads the node published in its log hold, then the chain is tampered with in PostgreSQL
// (an edited, a deleted, a reordered record, a cut tail) and each is named.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const schema = `lawline_audit_${randomBytes(5).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'lawline-audit-'));
const logFile = join(dataDir, 'node.log');
const db = new pg.Client({ connectionString: DATABASE_URL });

function verify(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, ['--import', 'tsx', 'clients/cli/audit-verify.ts', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL, LAWLINE_DATABASE_SCHEMA: schema, LAWLINE_DATA_DIR: dataDir } }, (e, stdout, stderr) =>
      resolve({ code: e ? Number(e.code) : 0, out: stdout + stderr }),
    ),
  );
}

let saved: { idx: number; hash: string; prev_hash: string; record: unknown }[];

beforeAll(async () => {
  await db.connect();
  const node = await spawnServer({ DATABASE_URL, LAWLINE_DATABASE_SCHEMA: schema, LAWLINE_DATA_DIR: dataDir, LAWLINE_LOG_LEVEL: 'info', LAWLINE_AUDIT_ANCHOR_MS: '1000' });
  try {
    const identity = await loadOrCreateDevIdentity(dataDir);
    const connect = async (claims: DevClaims) => {
      const c = new LawlineClient({ url: `ws://127.0.0.1:${node.port}/ws`, token: await mintToken(identity, claims), WebSocket });
      await c.connect();
      return c;
    };
    const cit = await connect(citizen('AU-C1'));
    const law = await connect(lawyer('AU-L1'));
    const sup = await connect(supervisor('AU-S1'));
    const { consultation } = await cit.request('consult.request', { category: 'labor', region: '320200', channel: 'text', firstMessage: '加班费' });
    await law.request('consult.pick', { consultationId: consultation.id });
    // Three reads of someone else's transcript: three audit records.
    for (let i = 0; i < 3; i++) await sup.request('consult.history', { consultationId: consultation.id });
    const until = Date.now() + 10_000;
    while (!/"auditHead":\{"index":2,/.test(node.output()) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const metrics = await (await fetch(`http://127.0.0.1:${node.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/^lawline_audit_head_index\{hash="[0-9a-f]{64}"\} 2$/m);
    for (const c of [cit, law, sup]) c.close();
  } finally {
    node.proc.kill('SIGTERM');
    await node.exited;
    writeFileSync(logFile, node.output());
  }
  saved = (await db.query(`SELECT idx, hash, prev_hash, record FROM ${schema}.audit ORDER BY idx`)).rows;
}, 60_000);

afterAll(async () => {
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await db.end();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Puts the chain back as the node left it, then applies one tampering. */
async function tamper(sql: string): Promise<void> {
  await db.query(`DELETE FROM ${schema}.audit`);
  for (const r of saved) await db.query(`INSERT INTO ${schema}.audit (idx, hash, prev_hash, record) VALUES ($1, $2, $3, $4)`, [r.idx, r.hash, r.prev_hash, r.record]);
  if (sql) await db.query(sql.replaceAll('audit', `${schema}.audit`));
}

describe('npm run audit:verify', () => {
  it('passes on the chain and the heads its node published', async () => {
    expect(saved.map((r) => (r.record as { action: string }).action)).toEqual(['consult.history.read', 'consult.history.read', 'consult.history.read']);
    const { code, out } = await verify('--anchors-from', logFile);
    expect(out).toContain('3 records, head #2');
    expect(out).toContain('every link holds');
    expect(out).toMatch(/[1-9]\d* published heads? checked/);
    expect(code).toBe(0);
  }, 30_000);

  it('names an edited, a deleted and a reordered record, and a tail cut after its head was published', async () => {
    const cases: [string, string, RegExp][] = [
      ['edited', `UPDATE audit SET record = jsonb_set(record, '{subject}', '"another-consultation"') WHERE idx = 1`, /record #1 \(consult\.history\.read of another-consultation by .*\) was edited after it was written/],
      ['deleted', 'DELETE FROM audit WHERE idx = 1', /record #1 is missing: deleted/],
      [
        'reordered',
        `UPDATE audit a SET record = b.record, hash = b.hash, prev_hash = b.prev_hash FROM (SELECT idx, record, hash, prev_hash FROM audit) b WHERE (a.idx, b.idx) IN ((1, 2), (2, 1))`,
        /position #1 holds a record numbered #2: records were deleted or reordered/,
      ],
      ['cut', 'DELETE FROM audit WHERE idx = 2', /node\.log:\d+ published head #2, past the chain's end \(#1\): records were cut from the tail/],
    ];
    for (const [name, sql, expected] of cases) {
      await tamper(sql);
      const { code, out } = await verify('--anchors-from', logFile);
      expect(out, name).toMatch(expected);
      expect(code, name).toBe(1);
    }
    // The cut chain verifies by itself: only the published head shows what is gone.
    await tamper('DELETE FROM audit WHERE idx = 2');
    expect(await verify()).toMatchObject({ code: 0, out: expect.stringContaining('every link holds') });
    // A head given by hand that the chain has with another hash: rewritten from there.
    await tamper('');
    const { code, out } = await verify('--anchor', `1:${'f'.repeat(64)}`);
    expect(out).toMatch(/--anchor published #1 with hash f{64}; the chain has [0-9a-f]{64} there: rewritten/);
    expect(code).toBe(1);
    expect(await verify('--anchor', 'nonsense')).toMatchObject({ code: 2, out: expect.stringContaining('expected INDEX:HASH') });
  }, 60_000);
});
