import { randomBytes } from 'node:crypto';
import { backplaneContract } from '../../../test/contracts/backplane/index.ts';
import { REDIS_URL } from '../../../test/helpers/services.ts';
import { RedisBackplane } from './index.ts';

// Real Redis (the run's, from the test set-up), each harness under its own key prefix.

backplaneContract('redis', async () => {
  const prefix = `lawline-test-${randomBytes(6).toString('hex')}`;
  const backplane = await RedisBackplane.open({ url: REDIS_URL, prefix });
  const peers: RedisBackplane[] = [];
  return {
    backplane,
    // Another node: its own connection to the same keys.
    peer: async () => {
      const peer = await RedisBackplane.open({ url: REDIS_URL, prefix });
      peers.push(peer);
      return peer;
    },
    async cleanup() {
      await backplane.destroy();
      for (const b of [backplane, ...peers]) await b.close();
    },
  };
});
