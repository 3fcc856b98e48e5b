import { backplaneContract } from '../../test/contracts/backplane.ts';
import { MemoryBackplane } from './memory.ts';

backplaneContract('memory', async () => {
  const backplane = new MemoryBackplane();
  return { backplane, peer: async () => backplane, cleanup: async () => undefined };
});
