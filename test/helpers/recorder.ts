import WebSocket from 'ws';
import { expect } from 'vitest';
import { LawlineClient } from '../../clients/sdk/index.ts';
import { Pushes, type PushData, type PushEvent } from '../../protocol/frames.ts';
import type { DevClaims } from '../../server/auth/dev-identity.ts';
import type { TestServer } from './server.ts';

/** An SDK client that keeps every push it receives, for scenario tests to wait on. */
export class Participant {
  readonly seen: { event: PushEvent; data: unknown }[] = [];

  private constructor(
    readonly client: LawlineClient,
    readonly id: string,
  ) {}

  static async connect(server: Pick<TestServer, 'token' | 'url'>, claims: DevClaims, url = server.url): Promise<Participant> {
    const client = new LawlineClient({ url, token: await server.token(claims), WebSocket, reconnect: { minDelayMs: 20, maxDelayMs: 100 } });
    const person = new Participant(client, claims.sub);
    for (const event of Object.keys(Pushes) as PushEvent[]) client.on(event, (data) => person.seen.push({ event, data }));
    await client.connect();
    return person;
  }

  pushes<E extends PushEvent>(event: E): PushData<E>[] {
    return this.seen.filter((p) => p.event === event).map((p) => p.data as PushData<E>);
  }

  /** Waits for a push of `event` matching `match` and returns it. */
  async next<E extends PushEvent>(event: E, match: (data: PushData<E>) => boolean = () => true, timeout = 3000): Promise<PushData<E>> {
    let found: PushData<E> | undefined;
    await expect.poll(() => (found = this.pushes(event).find(match)), { timeout, interval: 10 }).toBeDefined();
    return found as PushData<E>;
  }

  close(): void {
    this.client.close();
  }
}

/**
 * The people of one scenario file: each joins through `join`, and `dismiss` (in afterEach)
 * leaves nothing behind — consultations cancelled or closed, lawyers off duty, sockets closed —
 * so the next test starts from an empty queue with nobody on duty.
 */
export function cast(server: () => TestServer) {
  const present: Participant[] = [];
  return {
    async join(claims: DevClaims): Promise<Participant> {
      const p = await Participant.connect(server(), claims);
      present.push(p);
      return p;
    },
    /** Everyone in the cast now. */
    present: (): readonly Participant[] => present,
    /** Takes `p` out of the cast without the clean-up (a test that drops its connection on purpose). */
    forget(p: Participant): void {
      present.splice(present.indexOf(p), 1);
    },
    async dismiss(): Promise<void> {
      for (const p of present.splice(0)) {
        const { consultations } = await p.client.request('consult.list', {});
        for (const c of consultations) {
          if (c.citizen.id === p.id && c.state !== 'active') await p.client.request('consult.cancel', { consultationId: c.id }).catch(() => undefined);
          else await p.client.request('consult.close', { consultationId: c.id }).catch(() => undefined);
        }
        await p.client.request('duty.off', {}).catch(() => undefined);
        p.close();
      }
    },
  };
}
