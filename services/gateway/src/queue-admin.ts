import { Router } from 'express';
import { createQueueBoardRouter, type QueueStatsSource } from '@npr/queue';
import { operatorAuth } from './operator-auth';
import type { RateLimiter } from './rate-limiter';

/** Where bull-board is mounted. */
export const QUEUE_ADMIN_PATH = '/admin/queues';

/** bull-board for the project's queues behind operator auth, ready for createApp's `mounts`. */
export function queueAdminMount(deps: { queues: QueueStatsSource['queues']; operatorToken?: string; limiter?: RateLimiter }) {
  const router = Router();
  router.use(operatorAuth(deps.operatorToken, deps.limiter));
  router.use(createQueueBoardRouter({ queues: deps.queues, basePath: QUEUE_ADMIN_PATH }));
  return { path: QUEUE_ADMIN_PATH, router };
}
