import type { CallPort } from './call-port.ts';
import type { CoordinationPort } from './coordination-port.ts';
import type { PresencePort } from './presence-port.ts';
import type { QueuePort } from './queue-port.ts';

/**
 * The backplane: state the nodes of a cluster share and that may be rebuilt or may expire,
 * never a durable record (a consultation's truth is the store). One port per concern, each
 * given only to the services that need it (`node.ts` wires them): `presence` (duty leases,
 * the lawyer index, devices), `queue` (queue, offers, claims, holds: atomic together with the
 * lawyers' load, invariant 3), `calls` (a lawyer's one call), `coordination` (leadership and
 * assistant seats). Implementations: `memory/` for the embedded node, `redis/` (Lua for every
 * read-modify-write, one hash slot per deployment so Redis Cluster runs it unchanged) for a
 * cluster. Cross-node delivery is `delivery.ts`. The contract suites in
 * `test/contracts/backplane/` run over both, and Redis Cluster.
 */
export interface Backplane {
  readonly presence: PresencePort;
  readonly queue: QueuePort;
  readonly calls: CallPort;
  readonly coordination: CoordinationPort;
  /** False while the shared state cannot be reached (Redis down or not answering): the node reports not-ready. */
  ready(): boolean;
  /** Closes the connection the four ports share. */
  close(): Promise<void>;
}
