import { MemoryBackplane } from '../../server/backplane/memory.ts';
import { createLogger } from '../../server/log.ts';
import { Router } from '../../server/routing/router.ts';
import { RoutingService, type RoutingServiceOptions } from '../../server/routing/service.ts';
import type { Store } from '../../server/store/port.ts';
import { RecordedPushes } from './pushes.ts';

/**
 * One node's routing on the memory backplane, for unit tests of routing without sockets: the
 * router offers automatically (no tick: rounds run on events) and shows each request as
 * routing sees it; lawyers come on duty for labour cases in Wuxi.
 */
export function routingFixture(now: () => number) {
  const pushes = new RecordedPushes();
  const backplane = new MemoryBackplane();
  let routing: RoutingService | undefined;
  const router = new Router({
    backplane,
    pusher: pushes,
    now,
    log: createLogger('silent'),
    config: { mode: 'auto', strategy: 'longest-idle', offerTimeoutMs: 20_000, maxMissedOffers: 3, preferredWaitMs: 1000, widening: { provinceAfterMs: 1e9, nationalAfterMs: 1e9 }, tickMs: 1e9 },
    offerView: async (id) => {
      const c = await routing?.view(id);
      return c && { consultation: { ...c, lastSeq: 0 } };
    },
    onPresenceChanged: () => undefined,
    onLeaseExpired: async () => undefined,
  });
  return {
    pushes,
    backplane,
    router,
    /** Routing over `store`; the router shows requests as this one sees them. */
    serve(store: Store, options?: RoutingServiceOptions): RoutingService {
      routing = new RoutingService(backplane, store, router, now, options);
      return routing;
    },
    onDuty: (lawyerId: string) =>
      backplane.putLawyer({ lawyerId, name: lawyerId, categories: ['labor'], region: '320200', capacity: 3, state: 'available', lastAssignedAt: 0, conflicts: [], leaseUntil: Number.MAX_SAFE_INTEGER }),
  };
}
