import { deliveryContract } from './delivery-contract.ts';

// On the machine's Redis (REDIS_URL); cluster.test.ts runs the same cases on a Redis Cluster.
deliveryContract('redis', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
