import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OwnPostgres } from './own-postgres.ts';
import { probePostgres, where } from './probe.ts';
import type { TestService } from './service.ts';
import { onPath, say } from './system.ts';

export const MACHINE_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
const DEBIAN_DIR = '/usr/lib/postgresql';

/** Where initdb and postgres are: Debian's newest /usr/lib/postgresql/<major>/bin, else PATH. */
export function postgresBinDir(path?: string, debianDir = DEBIAN_DIR): string | undefined {
  const debian = existsSync(debianDir)
    ? readdirSync(debianDir)
        .filter((major) => /^\d+$/.test(major))
        .sort((a, b) => Number(b) - Number(a))
        .map((major) => join(debianDir, major, 'bin'))
        .find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres')))
    : undefined;
  if (debian) return debian;
  const initdb = onPath('initdb', path);
  return initdb && onPath('postgres', path) ? dirname(initdb) : undefined;
}

/** The Debian packages a PostgreSQL of the run's own needs. */
export const postgresPackages = (path?: string, debianDir?: string): string[] => (postgresBinDir(path, debianDir) ? [] : ['postgresql']);

/** DATABASE_URL if given (it must answer), else the machine's PostgreSQL if it answers, else undefined. */
export async function existingPostgres(given: string | undefined, machine = MACHINE_POSTGRES): Promise<string | undefined> {
  if (given) {
    const probe = await probePostgres(given);
    if (!probe.answers) throw new Error(`DATABASE_URL (${where(given)}) does not answer: ${probe.why}`);
    say(`PostgreSQL: ${where(given)}, from DATABASE_URL`);
    return given;
  }
  const probe = await probePostgres(machine);
  if (probe.answers) {
    say(`PostgreSQL: the machine's, at ${where(machine)} (database test)`);
    return machine;
  }
  say(`PostgreSQL: nothing answers at ${where(machine)} (database test: ${probe.why})`);
  return undefined;
}

/** A throwaway PostgreSQL cluster of the run's own on a free port, deleted when stopped. */
export async function ownPostgres(binDir = postgresBinDir()): Promise<TestService> {
  if (!binDir) throw new Error('no PostgreSQL server programs (initdb, postgres) in /usr/lib/postgresql/*/bin or on PATH');
  const started = performance.now();
  const pg = await OwnPostgres.start(binDir);
  say(`PostgreSQL: started ${join(binDir, 'postgres')} at ${where(pg.url)} in ${pg.dir} for this run (initdb and start: ${Math.round(performance.now() - started)} ms)`);
  return {
    url: pg.url,
    async stop() {
      await pg.stop();
      say(`PostgreSQL: stopped the server at ${where(pg.url)} and deleted ${pg.dir}`);
    },
  };
}
