import { MemoryBackplane } from '../backplane/memory.ts';
import { routingProperty } from './routing-property.ts';

routingProperty('memory backplane', async () => {
  const backplane = new MemoryBackplane();
  return { backplane, peer: backplane, cleanup: async () => undefined };
});
