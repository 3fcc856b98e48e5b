import { SqliteStore } from '../../../server/store/sqlite/index.ts';
import type { BenchEngine } from './engine.ts';
import { portEngine } from './port-engine.ts';

/** The product's SQLite store (`server/store/sqlite`), through its real port, as `npm start` opens it. */
export async function openSqliteEngine(dir: string): Promise<BenchEngine> {
  return portEngine('sqlite', await SqliteStore.open({ dir }));
}
