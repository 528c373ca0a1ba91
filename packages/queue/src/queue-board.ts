import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';

/**
 * bull-board's UI and API for the project's queues, as an express router to mount at `basePath`
 * (behind operator auth: it can retry, promote and delete jobs).
 */
export function createQueueBoardRouter(options: { queues: Queue[]; basePath: string; readOnly?: boolean }) {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(options.basePath);
  createBullBoard({
    queues: options.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: options.readOnly ?? false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'NPR queues' } },
  });
  return serverAdapter.getRouter();
}
