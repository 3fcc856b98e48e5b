import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../protocol/frames.ts';
import { MemoryCoordination } from '../backplane/memory/coordination.ts';
import { loadOrCreateDevIdentity, mintToken } from '../auth/dev-identity.ts';
import { createVerifier } from '../auth/verifier.ts';
import { AssistantRegistry } from '../cluster/assistant-seats.ts';
import { createLogger } from '../log.ts';
import { hello } from './hello.ts';
import { SessionRegistry } from './registry.ts';

describe('hello for a new session', () => {
  it('holds a push that arrives while the snapshot is read, instead of losing it between the two', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lawline-hello-'));
    try {
      const identity = await loadOrCreateDevIdentity(dir);
      const verifier = createVerifier({ jwks: { kind: 'keys', jwks: identity.jwks }, issuer: identity.issuer, audience: identity.audience, clockToleranceSec: 5 });
      const registry = new SessionRegistry(60_000, { bufferMax: 100, onOverflow: () => undefined });
      const message = { consultationId: 'c1', seq: 7, from: { id: 'C1', role: 'citizen' as const, name: 'c' }, clientMsgId: 'm7', body: '刚好在快照之后', at: 1 };
      const deps = {
        verifier,
        registry,
        assistants: new AssistantRegistry(new MemoryCoordination(), { nodeId: 'n1', log: createLogger('silent'), onSeatLost: () => undefined }),
        resumeWindowMs: 60_000,
        heartbeatMs: 15_000,
        maxFrameBytes: 65_536,
        ratePerSec: 50,
        rateBurst: 100,
        // The message is stored (and pushed) after the snapshot's read, before hello returns.
        snapshot: async () => {
          const snapshot: never[] = [];
          await Promise.resolve();
          registry.push(['u:L1'], 'chat.message', message);
          return snapshot;
        },
      };
      const sent: ServerFrame[] = [];
      const transport = { send: (f: ServerFrame) => void sent.push(f), close: () => undefined };
      const token = await mintToken(identity, { sub: 'L1', role: 'lawyer', name: 'l', categories: ['labor'] });
      const result = await hello(deps, { token }, transport);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.value.attachAfterReply).toBe(true);
      expect(sent).toEqual([]); // nothing goes out before the reply
      const { session } = result.value;
      session.attach(transport);
      session.replayAfter(0);
      expect(sent).toEqual([{ type: 'push', seq: 1, event: 'chat.message', data: message }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
