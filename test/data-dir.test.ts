import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LawlineClient } from '../clients/sdk/index.ts';
import { loadOrCreateDevIdentity, mintToken, type DevClaims } from '../server/auth/dev-identity.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { runToExit, spawnServer, type SpawnedServer } from './helpers/spawn.ts';

// The data dir holds transcripts, the audit chain and the development signing key: only the
// server's user may read it. A node creates it 0700 with every file 0600 whatever its umask,
// and refuses to start on one that group or others can reach, saying which path and the chmod
// that fixes it.

const parent = mkdtempSync(join(tmpdir(), 'lawline-datadir-'));
let umask: number;
beforeAll(() => {
  // The most permissive umask a service manager could hand the node: modes must be set outright.
  umask = process.umask(0);
});
afterAll(() => {
  process.umask(umask);
  rmSync(parent, { recursive: true, force: true });
});

// `npm start`'s media setting: with Janus installed (the test set-up installs it) its runtime dir is in the data dir too.
const env = (dataDir: string) => ({ LAWLINE_PORT: '0', LAWLINE_DATA_DIR: dataDir, LAWLINE_MEDIA: 'auto' });

/** Every directory and file under `dir` (itself included), with its permission bits. */
function modes(dir: string): Map<string, { mode: number; dir: boolean }> {
  const out = new Map<string, { mode: number; dir: boolean }>();
  const walk = (path: string) => {
    const s = lstatSync(path);
    // Janus's runtime dir links to its modules in /usr/lib: the links are the data dir's, their targets are not.
    if (s.isSymbolicLink()) return;
    out.set(path, { mode: s.mode & 0o777, dir: s.isDirectory() });
    if (s.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return out;
}

async function stop(server: SpawnedServer): Promise<void> {
  server.proc.kill('SIGTERM');
  expect(await server.exited).toBe(0);
}

/** A citizen and a lawyer of the node's development identity exchange messages: the store writes segments. */
async function chat(server: SpawnedServer, dataDir: string): Promise<void> {
  const identity = await loadOrCreateDevIdentity(dataDir);
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const connect = async (claims: DevClaims) => {
    const c = new LawlineClient({ url, token: await mintToken(identity, claims), WebSocket });
    await c.connect();
    return c;
  };
  const cit = await connect(citizen('DD-C1'));
  const law = await connect(lawyer('DD-L1'));
  const { consultation } = await cit.request('consult.request', { category: 'labor', region: '320200', channel: 'text', firstMessage: '工资被拖欠' });
  await law.request('consult.pick', { consultationId: consultation.id });
  await law.request('consult.join', { consultationId: consultation.id });
  for (let i = 0; i < 5; i++) {
    await cit.sendChat(consultation.id, `问 ${i}`).acked;
    await law.sendChat(consultation.id, `答 ${i}`).acked;
  }
  await law.request('consult.close', { consultationId: consultation.id });
  cit.close();
  law.close();
}

describe('the data dir', () => {
  const dataDir = join(parent, 'data');

  it('is created 0700 with every directory in it 0700 and every file 0600, even with umask 000', async () => {
    const server = await spawnServer(env(dataDir));
    await chat(server, dataDir);
    // Running: SQLite's write-ahead log and its index are there too, and as private as the database.
    const running = modes(dataDir);
    expect([...running.keys()].map((p) => p.slice(dataDir.length))).toEqual(expect.arrayContaining(['/store/lawline.db', '/store/lawline.db-wal', '/store/lawline.db-shm', '/media']));
    // The media engine's runtime dir (its configuration and secrets) while it runs.
    expect([...running.keys()].some((p) => /\/media\/janus-[^/]+\/janus\.jcfg$/.test(p))).toBe(true);
    await stop(server);
    const found = modes(dataDir);
    const names = [...found.keys()].map((p) => p.slice(dataDir.length));
    expect(names).toEqual(expect.arrayContaining(['', '/identity', '/identity/signing-key.json', '/identity/jwks.json', '/store', '/store/lawline.db']));
    for (const [path, { mode, dir }] of [...running, ...found]) expect(`${path} ${mode.toString(8)}`).toBe(`${path} ${dir ? '700' : '600'}`);
    // Its own dir passes its own check: it starts again.
    await stop(await spawnServer(env(dataDir)));
  }, 60_000);

  it('refuses to start when a file or the dir itself is open to others, naming the path and the chmod that fixes it', async () => {
    const segment = join(dataDir, 'store', 'lawline.db');
    chmodSync(segment, 0o644);
    const refusedFile = await runToExit(env(dataDir));
    expect(refusedFile.code).not.toBe(0);
    expect(refusedFile.code).not.toBeNull();
    expect(refusedFile.output).toContain(segment);
    expect(refusedFile.output).toContain('chmod');

    chmodSync(dataDir, 0o755);
    const refused = await runToExit(env(dataDir));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(`${dataDir} `);
    // The fix it gives, run as given, is enough to start again.
    const fix = /(chmod -R go-rwx \S+)/.exec(refused.output)?.[1];
    expect(fix).toBeDefined();
    execFileSync('sh', ['-c', fix as string]);
    await stop(await spawnServer(env(dataDir)));
  }, 60_000);
});
