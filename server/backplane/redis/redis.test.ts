import { randomBytes } from 'node:crypto';
import { backplaneContract } from '../contract.ts';
import { RedisBackplane } from './index.ts';

// Real Redis (REDIS_URL, default the machine's local server), each harness under its own key prefix.
const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

backplaneContract('redis', async () => {
  const prefix = `lawline-test-${randomBytes(6).toString('hex')}`;
  const backplane = await RedisBackplane.open({ url: URL, prefix });
  const peers: RedisBackplane[] = [];
  return {
    backplane,
    // Another node: its own connection to the same keys.
    peer: async () => {
      const peer = await RedisBackplane.open({ url: URL, prefix });
      peers.push(peer);
      return peer;
    },
    async cleanup() {
      await backplane.destroy();
      for (const b of [backplane, ...peers]) await b.close();
    },
  };
});
