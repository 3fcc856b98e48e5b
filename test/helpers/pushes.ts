import type { PushData, PushEvent } from '../../protocol/frames.ts';
import type { Pusher } from '../../server/session/pusher.ts';

/** A pusher that keeps every push, for unit tests of the domain services without sockets. */
export class RecordedPushes implements Pusher {
  readonly seen: { to: string; event: PushEvent; data: unknown }[] = [];
  push<E extends PushEvent>(keys: readonly string[], event: E, data: PushData<E>): void {
    for (const to of keys) this.seen.push({ to, event, data });
  }
  mute(): void {}
  unmute(): void {}
  of(event: PushEvent) {
    return this.seen.filter((p) => p.event === event);
  }
}
