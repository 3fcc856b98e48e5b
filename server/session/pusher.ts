import type { PushData, PushEvent } from '../../protocol/frames.ts';
import type { Session } from './session.ts';

/**
 * How domain services reach people: by audience key (`u:<id>`, `team:<lawyerId>`,
 * `role:<role>`, `queue:<category>`), never by socket. The session registry implements it on the
 * embedded node; in a cluster `ClusterPusher` reaches this node's sessions and, through the
 * backplane's delivery, the other nodes'.
 */
export interface Pusher {
  push<E extends PushEvent>(keys: readonly string[], event: E, data: PushData<E>, skip?: Session): void;
  /** Takes every session of `userId`, now and later, out of `keys`, until `unmute`. */
  mute(userId: string, keys: readonly string[]): void;
  unmute(userId: string, keys: readonly string[]): void;
}
