import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from '../../../test/contracts/store.ts';
import { SqliteStore } from './index.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'lawline-sqlite-'));

storeContract('sqlite', async () => {
  const dir = tempDir();
  let store = await SqliteStore.open({ dir });
  return {
    store,
    async reopen() {
      await store.close();
      store = await SqliteStore.open({ dir });
      return store;
    },
    async cleanup() {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
