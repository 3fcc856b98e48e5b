import type { PushData, PushEvent } from '../../protocol/frames.ts';
import type { Delivery, NodeMessage } from '../backplane/delivery.ts';
import type { Pusher } from './pusher.ts';
import type { SessionRegistry } from './registry.ts';
import type { Session } from './session.ts';

/**
 * The Pusher of a node in a cluster: this node's sessions get a push at once from the
 * registry, every other node with a session on one of its keys through the delivery; a
 * user's mute follows their sessions to whichever node holds them.
 */
export class ClusterPusher implements Pusher {
  constructor(
    private readonly local: SessionRegistry,
    private readonly delivery: Delivery,
  ) {
    delivery.onMessage = (m) => this.received(m);
  }

  push<E extends PushEvent>(keys: readonly string[], event: E, data: PushData<E>, skip?: Session): void {
    this.local.push(keys, event, data, skip);
    this.delivery.send({ k: 'push', to: [...keys], event, data: data as PushData<PushEvent> });
  }

  mute(userId: string, keys: readonly string[]): void {
    this.local.mute(userId, keys);
    this.delivery.send({ k: 'mute', to: [`u:${userId}`], userId, keys: [...keys] });
  }

  unmute(userId: string, keys: readonly string[]): void {
    this.local.unmute(userId, keys);
    this.delivery.send({ k: 'unmute', to: [`u:${userId}`], userId, keys: [...keys] });
  }

  private received(m: NodeMessage): void {
    if (m.k === 'push') this.local.push(m.to, m.event, m.data);
    else if (m.k === 'mute') this.local.mute(m.userId, m.keys);
    else this.local.unmute(m.userId, m.keys);
  }
}
