import { callContract } from './calls.ts';
import { coordinationContract } from './coordination.ts';
import type { OpenHarness } from './harness.ts';
import { presenceContract } from './presence.ts';
import { queueContract } from './queue.ts';

export { entry, lawyer, type BackplaneHarness } from './harness.ts';

/**
 * The backplane's semantics, a suite per port, for every implementation: memory, Redis and
 * Redis Cluster (the `*.test.ts` beside each in `server/backplane/`).
 */
export function backplaneContract(name: string, open: OpenHarness): void {
  presenceContract(name, open);
  queueContract(name, open);
  callContract(name, open);
  coordinationContract(name, open);
}
