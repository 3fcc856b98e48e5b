import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatMessageT } from '../protocol/frames.ts';
import { LawlineClient } from '../clients/sdk/index.ts';
import { loadOrCreateDevIdentity, mintToken } from '../server/auth/dev-identity.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { spawnServer, type SpawnedServer } from './helpers/spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'lawline-crash-'));
const running: SpawnedServer[] = [];
afterAll(() => {
  for (const s of running) s.proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const env = (port: number) => ({ LAWLINE_PORT: String(port), LAWLINE_DATA_DIR: dir, LAWLINE_RATE_PER_SEC: '10000', LAWLINE_RATE_BURST: '10000' });

describe('kill -9 mid-chat', () => {
  it('keeps every acked message exactly once and the SDK outbox delivers the rest after restart', async () => {
    const port = await freePort();
    const identity = await loadOrCreateDevIdentity(dir);
    running.push(await spawnServer(env(port)));
    const url = `ws://127.0.0.1:${port}/ws`;
    const client = async (claims: Parameters<typeof mintToken>[1]) => {
      const token = await mintToken(identity, claims);
      const c = new LawlineClient({ url, token, WebSocket, requestTimeoutMs: 3000, reconnect: { minDelayMs: 50, maxDelayMs: 300 } });
      await c.connect();
      return c;
    };
    const cit = await client(citizen('C-crash'));
    const law = await client(lawyer('L-crash'));
    const received: ChatMessageT[] = [];
    law.on('chat.message', (m) => received.push(m));

    const { consultation } = await cit.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    await law.request('consult.pick', { consultationId: consultation.id });
    await law.request('consult.join', { consultationId: consultation.id });

    const acked = new Map<string, number>();
    const all: Promise<unknown>[] = [];
    const sent: string[] = [];
    let sending = true;
    const pump = (async () => {
      for (let i = 0; sending && i < 5000; i++) {
        const { clientMsgId, acked: done } = cit.sendChat(consultation.id, `message ${i}`);
        sent.push(clientMsgId);
        all.push(done.then((a) => acked.set(a.clientMsgId, a.seq)));
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
      }
    })();

    await new Promise((r) => setTimeout(r, 400));
    running[0]?.proc.kill('SIGKILL');
    await running[0]?.exited;
    const ackedBeforeCrash = new Map(acked);
    await new Promise((r) => setTimeout(r, 200));
    sending = false;
    await pump;
    expect(ackedBeforeCrash.size).toBeGreaterThan(10);
    expect(cit.outboxSize()).toBeGreaterThan(0);

    running.push(await spawnServer(env(port)));
    await Promise.race([Promise.all(all), new Promise((_, rej) => setTimeout(() => rej(new Error('outbox not drained')), 15_000))]);
    expect(cit.outboxSize()).toBe(0);

    // The transcript: every message sent is there exactly once, acked ones with their acked seq.
    const history: ChatMessageT[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await law.request('consult.history', { consultationId: consultation.id, limit: 200, ...(before ? { beforeSeq: before } : {}) });
      history.unshift(...page.messages);
      if (!page.hasMore || page.messages.length === 0) break;
      before = page.messages[0]?.seq;
    }
    const ids = history.map((m) => m.clientMsgId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(sent));
    for (const [id, seq] of ackedBeforeCrash) expect(history.find((m) => m.clientMsgId === id)?.seq).toBe(seq);
    expect(history.map((m) => m.seq)).toEqual(history.map((_, i) => i + 1));

    // The lawyer saw each message once, none missing (pushes, resume or gap repair after the crash).
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(sent.length);
    expect(new Set(received.map((m) => m.seq)).size).toBe(sent.length);
    cit.close();
    law.close();
  }, 60_000);
});
