import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackplane } from '../../server/backplane/memory/index.ts';
import type { Backplane } from '../../server/backplane/port.ts';
import { createLogger } from '../../server/log.ts';
import { Router } from '../../server/routing/router.ts';
import { RoutingService, type RoutingServiceOptions } from '../../server/routing/service.ts';
import { openFileStore } from '../../server/store/file/index.ts';
import type { ConsultationRecord, Store } from '../../server/store/port.ts';
import { RecordedPushes } from './pushes.ts';

/**
 * One node's routing on a backplane (memory unless given), for unit tests of routing without
 * sockets: the router offers automatically (no tick: rounds run on events) and shows each
 * request as routing sees it; lawyers come on duty for labour cases in Wuxi.
 */
export function routingFixture(now: () => number, backplane: Backplane = new MemoryBackplane()) {
  const pushes = new RecordedPushes();
  let routing: RoutingService | undefined;
  const router = new Router({
    presence: backplane.presence,
    queue: backplane.queue,
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
      backplane.presence.putLawyer({ lawyerId, name: lawyerId, categories: ['labor'], region: '320200', capacity: 3, state: 'available', lastAssignedAt: 0, conflicts: [], leaseUntil: Number.MAX_SAFE_INTEGER }),
  };
}

/** `routingFixture` beside a real file store in a directory of its own; `close` stops routing and removes the directory. */
export async function routingOnFileStore(now: () => number, backplane?: Backplane) {
  const dir = mkdtempSync(join(tmpdir(), 'lawline-routing-'));
  const real = await openFileStore({ dir });
  const world = routingFixture(now, backplane);
  const close = async () => {
    world.router.stop();
    await real.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { ...world, real, close };
}

/** A citizen's live request, queued at `at`, for labour cases in Wuxi (what `onDuty` lawyers serve). */
export const queuedRequest = (at: number): ConsultationRecord => ({ id: 'c1', state: 'queued', category: 'labor', region: '320200', channel: 'text', citizen: { id: 'C1', role: 'citizen', name: 'c' }, createdAt: at, updatedAt: at, lastSeq: 0 });

/** `real`, except for `methods`: a test holds or fails one step of the store at a point it chooses. */
export function overriding(real: Store, methods: Partial<Store>): Store {
  return new Proxy(real, {
    get(target, key) {
      if (Object.hasOwn(methods, key)) return Reflect.get(methods, key);
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
