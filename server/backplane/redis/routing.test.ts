import { randomBytes } from 'node:crypto';
import { REDIS_URL } from '../../../test/helpers/services.ts';
import { routingProperty } from '../../../test/properties/routing.ts';
import { RedisBackplane } from './index.ts';

// The routing invariants on Redis: two routers, each on its own Redis connection, racing.

routingProperty(
  'redis backplane, two clients',
  async () => {
    const prefix = `lawline-prop-${randomBytes(6).toString('hex')}`;
    const [backplane, peer] = [await RedisBackplane.open({ url: REDIS_URL, prefix }), await RedisBackplane.open({ url: REDIS_URL, prefix })];
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
