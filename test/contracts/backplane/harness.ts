import { afterEach, beforeEach } from 'vitest';
import type { NewPresence } from '../../../server/backplane/presence-port.ts';
import type { Backplane } from '../../../server/backplane/port.ts';
import type { QueueEntry } from '../../../server/backplane/queue-port.ts';

export interface BackplaneHarness {
  backplane: Backplane;
  /** A second client of the same shared state (another node); the memory one returns itself. */
  peer(): Promise<Backplane>;
  cleanup(): Promise<void>;
}

export type OpenHarness = () => Promise<BackplaneHarness>;

export const T0 = 1_700_000_000_000;

export function entry(consultationId: string, over: Partial<QueueEntry> = {}): QueueEntry {
  return { consultationId, citizenId: `cit-${consultationId}`, category: 'labor', region: '320200', priority: 0, enqueuedAt: T0, declinedBy: [], ...over };
}

export function lawyer(lawyerId: string, over: Partial<NewPresence> = {}): NewPresence {
  return { lawyerId, name: lawyerId, categories: ['labor'], region: '320200', capacity: 2, state: 'available', lastAssignedAt: T0, conflicts: [], leaseUntil: T0 + 60_000, ...over };
}

/** A fresh harness for each test of the enclosing describe: `t.bp` and `t.h` inside an `it`. */
export function perTest(open: OpenHarness): { readonly h: BackplaneHarness; readonly bp: Backplane } {
  let current: BackplaneHarness | undefined;
  beforeEach(async () => {
    current = await open();
  });
  afterEach(() => current?.cleanup());
  const h = () => {
    if (!current) throw new Error('no harness outside a test');
    return current;
  };
  return {
    get h() {
      return h();
    },
    get bp() {
      return h().backplane;
    },
  };
}
