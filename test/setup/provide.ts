import { chromiumPackages } from './chromium.ts';
import { installDebianPackages } from './debian.ts';
import { coturnPackages } from './coturn.ts';
import { janusPackages } from './janus.ts';
import { existingPostgres, MACHINE_POSTGRES, ownPostgres, postgresPackages } from './postgres.ts';
import { existingRedis, MACHINE_REDIS, ownRedis, redisPackages } from './redis.ts';
import { networkToolPackages } from './network-tools.ts';
import { existing, type TestService } from './service.ts';

export interface Provided {
  redisUrl: string;
  databaseUrl: string;
  /** Stops what was started for the run (last started, first stopped). */
  stop(): Promise<void>;
}

async function stopAll(services: TestService[]): Promise<void> {
  const failures: unknown[] = [];
  for (const service of [...services].reverse()) await service.stop().catch((e: unknown) => failures.push(e));
  if (failures.length) throw new AggregateError(failures, 'the test set-up could not stop what it started');
}

/**
 * Chromium with a Chinese font, Janus, coturn, Redis, PostgreSQL (and, as root, the network-fault tools) for a test run: the URLs given (from the
 * environment), else the machine's servers where they answer, else servers of the run's own;
 * what is missing is installed from Debian's packages as root, and asked for otherwise.
 */
export async function provideServices(given: { redisUrl?: string; databaseUrl?: string }, machine = { redis: MACHINE_REDIS, postgres: MACHINE_POSTGRES }): Promise<Provided> {
  const redisUrl = await existingRedis(given.redisUrl, machine.redis);
  const postgresUrl = await existingPostgres(given.databaseUrl, machine.postgres);
  const missing = async () => [...(await chromiumPackages()), ...janusPackages(), ...coturnPackages(), ...redisPackages(), ...(postgresUrl ? [] : postgresPackages()), ...networkToolPackages()];
  const packages = await missing();
  if (packages.length) {
    await installDebianPackages(packages);
    const still = await missing();
    if (still.length) throw new Error(`apt-get installed ${packages.join(' ')} but the tests still lack ${still.join(' ')}`);
  }

  const services: TestService[] = [];
  const keep = (service: TestService) => (services.push(service), service);
  try {
    const redis = keep(redisUrl ? existing(redisUrl) : await ownRedis());
    const postgres = keep(postgresUrl ? existing(postgresUrl) : await ownPostgres());
    return { redisUrl: redis.url, databaseUrl: postgres.url, stop: () => stopAll(services) };
  } catch (e) {
    await stopAll(services);
    throw e;
  }
}
