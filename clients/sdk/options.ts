import type { ConsultationViewT, PushData, PushEvent, ReplyData, RequestData } from '../../protocol/frames.ts';
import type { Encoding } from '../../protocol/version.ts';
import type { WebSocketConstructor } from './socket.ts';
import type { ClientStore } from './store.ts';

// What a LawlineClient is built with and what it tells its app.

export interface ClientOptions {
  /** One server, or several nodes of a cluster to fail over between (one at a time, in order). */
  url: string | readonly string[];
  token: string | (() => Promise<string>);
  encoding?: Encoding;
  WebSocket?: WebSocketConstructor;
  requestTimeoutMs?: number;
  reconnect?: { minDelayMs: number; maxDelayMs: number };
  ackIntervalMs?: number;
  log?: (msg: string, ctx?: Record<string, unknown>) => void;
  /**
   * Where to keep the session, the unacknowledged chat messages and how far each consultation
   * was delivered, so that a client built on the same store after a page reload resumes where
   * this one was (README: a reload). One per tab: a browser's sessionStorage (`WebStorageStore`).
   */
  store?: ClientStore;
  /** Prefix of the store's keys (default `lawline`). */
  storeKey?: string;
  /**
   * Whether the snapshot's consultations are followed: their delivered seqs kept and, after a
   * lost session or a reload, what they gained read from history (default true). A supervisor
   * passes false: their snapshot lists every open consultation, none of whose messages are
   * pushed to them, and each history read is an audited look at someone's conversation.
   */
  followConsultations?: boolean;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
export type HelloReply = ReplyData<'hello'>;
/** What `requestConsultation` asks: `clientRequestId` only to carry on a request from before (see there). */
export type ConsultationRequest = RequestData<'consult.request'>;

/** Every push by its event name, and the client's own events. */
export type ClientEvents = { [E in PushEvent]: PushData<E> } & {
  state: ConnectionState;
  resumed: HelloReply;
  snapshot: ConsultationViewT[];
  terminated: { code: number; reason: string };
};
