import { MemoryBackplane } from '../backplane/memory/index.ts';
import { routingProperty } from '../../test/properties/routing.ts';

routingProperty('memory backplane', async () => {
  const backplane = new MemoryBackplane();
  return { backplane, peer: backplane, cleanup: async () => undefined };
});
