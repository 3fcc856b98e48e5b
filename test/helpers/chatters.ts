import WebSocket from 'ws';
import { expect as globalExpect, type ExpectStatic } from 'vitest';
import { LawlineClient } from '../../clients/sdk/index.ts';
import type { WebSocketConstructor } from '../../clients/sdk/socket.ts';
import type { ChatMessageT } from '../../protocol/frames.ts';
import type { DevClaims } from '../../server/auth/dev-identity.ts';

/** An SDK client of a fault test: what it received, and which of its messages were acked at which seq. */
export interface Chatter {
  id: string;
  client: LawlineClient;
  received: ChatMessageT[];
  acked: Map<string, number>;
  /** Codes of the error frames the server sent it outside a reply (RATE_LIMITED: frames it dropped unread). */
  serverErrors: number[];
  /** Each socket the client opened, in order: to which url, when (performance.now()), and when it opened, if it did. */
  connections: Connection[];
}

export interface Connection {
  url: string;
  at: number;
  openedAt?: number;
}

/** Node's WebSocket, noting each socket the client opens in `connections`. */
function noting(connections: Connection[]): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string, protocols: string | string[]) {
      super(url, protocols);
      const c: Connection = { url, at: performance.now() };
      connections.push(c);
      this.once('open', () => (c.openedAt = performance.now()));
    }
  };
}

/** Connects through `urls` in order (a cluster's nodes, as a client would know a load balancer's), failing over on its own. */
export async function chatter(token: (claims: DevClaims) => Promise<string>, claims: DevClaims, urls: readonly string[]): Promise<Chatter> {
  const serverErrors: number[] = [];
  const log = (msg: string, ctx?: Record<string, unknown>) => {
    if (msg === 'server error' && typeof ctx?.code === 'number') serverErrors.push(ctx.code);
  };
  const connections: Connection[] = [];
  const client = new LawlineClient({ url: urls, token: await token(claims), WebSocket: noting(connections), reconnect: { minDelayMs: 50, maxDelayMs: 500 }, log });
  const received: ChatMessageT[] = [];
  client.on('chat.message', (m) => received.push(m));
  await client.connect();
  return { id: claims.sub, client, received, acked: new Map(), serverErrors, connections };
}

/** Sends a message every `everyMs` until `running()` is false; a message counts once its ack says it is durable. */
export async function chatWhile(p: Chatter, consultationId: string, running: () => boolean, everyMs: number): Promise<number> {
  let sent = 0;
  while (running()) {
    const { clientMsgId, acked } = p.client.sendChat(consultationId, `${p.id} #${sent++}`);
    // One never acked (the client was closed: a test that failed part way) is not counted.
    acked.then((ack) => p.acked.set(clientMsgId, ack.seq)).catch(() => undefined);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return sent;
}

/** Every message of a consultation, paging through history. */
export async function wholeHistory(client: LawlineClient, consultationId: string): Promise<ChatMessageT[]> {
  const all: ChatMessageT[] = [];
  for (let beforeSeq: number | undefined; ; ) {
    const page = await client.request('consult.history', { consultationId, limit: 200, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
    all.unshift(...page.messages);
    beforeSeq = page.messages[0]?.seq;
    if (!page.hasMore || beforeSeq === undefined) return all;
  }
}

/**
 * Nothing acknowledged lost or doubled between two parties: the store holds each message once,
 * every acked one at the seq its ack gave, and each side received every message of the other,
 * once, in order (waiting a little for the last ones on their way). Concurrent tests pass their own `expect`.
 */
export async function expectConversationIntact(consultationId: string, a: Chatter, b: Chatter, expect: ExpectStatic = globalExpect): Promise<void> {
  await expect.poll(() => a.client.outboxSize() + b.client.outboxSize(), { timeout: 15_000 }).toBe(0);
  const messages = await wholeHistory(a.client, consultationId);
  const ids = messages.map((m) => m.clientMsgId);
  expect(new Set(ids).size).toBe(ids.length);
  const stored = new Map(messages.map((m) => [m.clientMsgId, m.seq]));
  for (const p of [a, b]) for (const [id, seq] of p.acked) expect(stored.get(id)).toBe(seq);
  for (const [me, other] of [[a, b], [b, a]] as const) {
    const sent = [...other.acked.values()].sort((x, y) => x - y);
    await expect.poll(() => me.received.filter((m) => m.consultationId === consultationId && m.from.id === other.id).map((m) => m.seq), { timeout: 5000 }).toEqual(sent);
  }
}
