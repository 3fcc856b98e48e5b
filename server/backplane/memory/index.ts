import type { Backplane } from '../port.ts';
import { MemoryCalls } from './calls.ts';
import { MemoryCoordination } from './coordination.ts';
import { MemoryPresence } from './presence.ts';
import { MemoryQueue } from './queue.ts';
import { SharedState } from './state.ts';

/**
 * The backplane of the embedded single node: the four ports in this process's memory.
 * Presence and queue share one state (a claim moves a lawyer's load with the queue). Returned
 * objects are copies: callers cannot change shared state by accident.
 */
export class MemoryBackplane implements Backplane {
  readonly presence: MemoryPresence;
  readonly queue: MemoryQueue;
  readonly calls = new MemoryCalls();
  readonly coordination = new MemoryCoordination();

  constructor() {
    const shared = new SharedState();
    this.presence = new MemoryPresence(shared);
    this.queue = new MemoryQueue(shared);
  }

  ready(): boolean {
    return true;
  }

  async close(): Promise<void> {}
}
