import { backplaneContract } from '../../../test/contracts/backplane/index.ts';
import { MemoryBackplane } from './index.ts';

backplaneContract('memory', async () => {
  const backplane = new MemoryBackplane();
  return { backplane, peer: async () => backplane, cleanup: async () => undefined };
});
