import { Redis } from 'ioredis';
import pg from 'pg';

export type Probe = { answers: true } | { answers: false; why: string };

/** Whether a Redis answers PING at `url` within a second (a local one answers in well under 10 ms). */
export async function probeRedis(url: string): Promise<Probe> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  // connect() below rejects only with "Connection is closed."; the cause comes as an event.
  let cause: Error | undefined;
  client.on('error', (e: Error) => (cause ??= e));
  try {
    await client.connect();
    await client.ping();
    return { answers: true };
  } catch (e) {
    return { answers: false, why: cause?.message ?? (e instanceof Error ? e.message : String(e)) };
  } finally {
    client.disconnect();
  }
}

/** Whether a PostgreSQL at `url` takes a connection and answers a query within two seconds. */
export async function probePostgres(url: string): Promise<Probe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000, query_timeout: 2000 });
  // The same error rejects connect() or the query below, where it becomes the answer.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { answers: true };
  } catch (e) {
    return { answers: false, why: e instanceof Error ? e.message || String(e) : String(e) };
  } finally {
    await client.end().catch((e: unknown) => console.warn(`[test setup] closing the probe of ${url} failed: ${String(e)}`));
  }
}

/** host:port of a URL, for saying which server is used without printing a password. */
export const where = (url: string): string => new URL(url).host;
