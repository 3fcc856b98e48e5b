/**
 * V8 settings for a latency-bound server, measured with B5 (loadtest/bench/routing.ts) on a
 * node pinned to one core, which is how lawline is meant to run: one node process per core.
 * - `--single-threaded-gc`: on one core V8's helper GC threads only take turns with the main
 *   thread, which waits for them in every scavenge.
 * - `--max-semi-space-size=2` (MB): a small young generation turns 7-15 ms scavenges every
 *   ~200 ms into short ones every ~30 ms, for about 6% more CPU.
 * Together: request -> offer p99 5.3-7.5 ms -> 3.9-4.9 ms at 1,000 requests/s.
 * They must be given on the command line, before the heap exists (setting the GC threading
 * at run time crashed V8 in a major GC): `npm start` and the bench pass them, and a test
 * keeps the start script in step with this list.
 */
export const NODE_FLAGS: readonly string[] = ['--single-threaded-gc', '--max-semi-space-size=2'];
