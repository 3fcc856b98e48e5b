import { randomBytes } from 'node:crypto';
import { routingProperty } from '../../routing/routing-property.ts';
import { RedisBackplane } from './index.ts';

// The routing invariants on Redis: two routers, each on its own Redis connection, racing.
const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

routingProperty(
  'redis backplane, two clients',
  async () => {
    const prefix = `lawline-prop-${randomBytes(6).toString('hex')}`;
    const [backplane, peer] = [await RedisBackplane.open({ url: URL, prefix }), await RedisBackplane.open({ url: URL, prefix })];
    return {
      backplane,
      peer,
      async cleanup() {
        await backplane.destroy();
        await backplane.close();
        await peer.close();
      },
    };
  },
  100,
);
