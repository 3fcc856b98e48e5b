import type { PushData, PushEvent } from '../../protocol/frames.ts';
import type { Identity } from '../auth/identity.ts';
import type { Session } from './session.ts';

/**
 * How domain services reach people: by audience key (`u:<id>`, `team:<lawyerId>`,
 * `role:<role>`), never by socket. The session registry implements it on one node; the
 * cluster backplane will implement it across nodes.
 */
export interface Pusher {
  push<E extends PushEvent>(keys: readonly string[], event: E, data: PushData<E>, skip?: Session): void;
  /** Pushes to each listener of `key` whose identity passes `accept`. */
  pushFiltered<E extends PushEvent>(key: string, accept: (identity: Identity) => boolean, event: E, data: PushData<E>): void;
}
