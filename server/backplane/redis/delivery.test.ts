import { deliveryContract } from '../../../test/contracts/delivery.ts';
import { REDIS_URL } from '../../../test/helpers/services.ts';

// On the run's Redis (REDIS_URL, from the test set-up); cluster.test.ts runs the same cases on a Redis Cluster.
deliveryContract('redis', REDIS_URL);
