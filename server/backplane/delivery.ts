import type { PushData, PushEvent } from '../../protocol/frames.ts';

/**
 * What one node tells the others: a push for the sessions listening on `to` (audience keys,
 * see session/registry.ts), or a mute/unmute of one user's sessions wherever they are.
 */
export type NodeMessage =
  | { k: 'push'; to: string[]; event: PushEvent; data: PushData<PushEvent> }
  | { k: 'mute' | 'unmute'; to: string[]; userId: string; keys: string[] };

/**
 * Cross-node delivery, the backplane's other half: which nodes have sessions listening on an
 * audience key, and getting messages to them. The embedded node has no other nodes
 * (`noOtherNodes`); the cluster's is `redis/delivery.ts`.
 */
export interface Delivery {
  /** A session of this node listens on `key` (the first one): resolves once other nodes' pushes on it will reach this node. */
  listen(key: string): Promise<void>;
  /** No session of this node listens on `key` any more. */
  unlisten(key: string): void;
  /** Sends to every other node with a session listening on any of `message.to`; batched per event-loop turn. */
  send(message: NodeMessage): void;
  /** Called with each message from another node, in the order that node sent them. */
  onMessage: (message: NodeMessage) => void;
  /**
   * Messages for this node were lost and could not be repaired from the recent-deliveries log
   * (Redis lost its data, or this node was cut off longer than the log holds): every local
   * session must start over from the store.
   */
  onLost: (reason: string) => void;
  /** False while other nodes cannot reach this one (Redis unreachable). */
  ready(): boolean;
  close(): Promise<void>;
}

export function noOtherNodes(): Delivery {
  return {
    listen: async () => undefined,
    unlisten: () => undefined,
    send: () => undefined,
    onMessage: () => undefined,
    onLost: () => undefined,
    ready: () => true,
    close: async () => undefined,
  };
}
