import { FileStore } from '../../../server/store/file/index.ts';
import type { BenchEngine } from './engine.ts';
import { portEngine } from './port-engine.ts';

/** The file store (the embedded default before SQLite), through its real port: the baseline. */
export async function openFileEngine(dir: string): Promise<BenchEngine> {
  return portEngine('file', await FileStore.open({ dir }));
}
