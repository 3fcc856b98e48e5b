import type { IceServerT } from '../../protocol/frames.ts';
import type { CallRooms } from '../../media/rooms.ts';
import type { CallPort } from '../backplane/call-port.ts';
import type { Logger } from '../log.ts';
import type { CallMetrics } from '../metrics.ts';
import type { Pusher } from '../session/pusher.ts';
import type { Store } from '../store/port.ts';

/** Whether calls can be placed on this node, and if not why (told to clients at hello). */
export interface CallAvailability {
  available: boolean;
  reason?: string;
  hint?: string;
}

export interface CallDeps {
  store: Store;
  pusher: Pusher;
  /** The lawyer's one call slot, across the cluster. */
  slots: CallPort;
  /** This node's media engine's rooms; undefined: calls are off or the engine is not installed. */
  rooms: CallRooms | undefined;
  availability: () => CallAvailability;
  /** STUN/TURN for one party of a call (TURN credentials minted for them, expiring); empty: host candidates only. */
  iceServers: (userId: string) => IceServerT[];
  now: () => number;
  log: Logger;
  /** A party whose every device is gone this long ends their calls (the session resume window). */
  goneAfterMs: number;
  metrics?: Pick<CallMetrics, 'ended' | 'setup'>;
}
