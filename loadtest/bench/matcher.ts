// B5, matcher arm: decisions per second of the backplane's indexed findLawyers against a plain
// linear scan over all lawyers (the same rules, `scanLawyers`), on one province, in
// alternating rounds. Run pinned by routing.ts; prints one JSON line.
import { scanLawyers, STRATEGIES, type LawyerQuery, type Reach } from '../../server/backplane/eligibility.ts';
import { MemoryBackplane } from '../../server/backplane/memory/index.ts';
import { prng, province } from './province.ts';

const rounds = Number(process.argv[2] ?? 5);
const decisions = Number(process.argv[3] ?? 20_000);
const world = province();
const backplane = new MemoryBackplane();
for (const l of world.lawyers) {
  await backplane.presence.putLawyer({ lawyerId: l.id, name: l.id, categories: l.categories, region: l.region, capacity: 3, state: 'available', lastAssignedAt: Math.floor(Math.random() * 1e9), conflicts: [], leaseUntil: Number.MAX_SAFE_INTEGER });
}
const everyone = await backplane.presence.listLawyers();
const random = prng(7);
// Most requests are matched in their city at once; some wait long enough to widen.
const reaches: Reach[] = ['city', 'city', 'city', 'city', 'city', 'city', 'city', 'province', 'province', 'national'];
const queries: LawyerQuery[] = Array.from({ length: decisions }, (_, i) => {
  const region = world.regions[Math.floor(random() * world.regions.length)] as string;
  const category = world.served[Math.floor(random() * world.served.length)]?.[1] ?? 'labor';
  return {
    entry: { consultationId: `q${i}`, citizenId: 'c', category, region, priority: 0, enqueuedAt: 0, declinedBy: [] },
    reach: reaches[i % reaches.length] as Reach,
    strategy: STRATEGIES[i % STRATEGIES.length] as LawyerQuery['strategy'],
    limit: 3,
  };
});

// The baseline behind the same async call, answering ids like the port does.
const scan = async (q: LawyerQuery) => scanLawyers(everyone, q).map((l) => l.lawyerId);

async function run(arm: 'indexed' | 'scan'): Promise<number> {
  let found = 0;
  const started = performance.now();
  for (const q of queries) found += (arm === 'indexed' ? await backplane.presence.findLawyers(q) : await scan(q)).length;
  const perSec = (queries.length / (performance.now() - started)) * 1000;
  if (found === 0) throw new Error('no query found anyone: the province is wrong');
  return perSec;
}

const samples: { arm: string; round: number; decisionsPerSec: number }[] = [];
await run('indexed'); // warm both paths up before measuring
await run('scan');
for (let round = 0; round < rounds; round++) {
  for (const arm of ['indexed', 'scan'] as const) samples.push({ arm, round, decisionsPerSec: await run(arm) });
}
samples.push({ arm: 'scan-again', round: rounds, decisionsPerSec: await run('scan') });
process.stdout.write(`${JSON.stringify({ lawyers: world.lawyers.length, decisions, samples })}\n`);
