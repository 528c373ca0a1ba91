import type { PrismaClient } from '@npr/db';
import { createWebhookQueue, startJobFinishedWorker, startWebhookDeliveryWorker, type RecognitionFlow } from '@npr/queue';
import { pruneBilledJobs } from '@npr/db';
import type { Logger } from '@npr/runtime';
import { createJobFinishedProcessor } from './job-finished.processor';
import { createWebhookDeliveryProcessor, type SendWebhook } from './webhook-delivery.processor';

export type WebhookWorkerSettings = {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  maxAttempts: number;
  backoffMs: number;
  disableAfter: number;
  keepSeconds: number;
};

/**
 * The workers behind billing and webhooks, run by the gateway because it is the process that owns
 * the accounts database (webhooks, delivery log, usage): the job-finished handler and the deliveries.
 */
export function startWebhookWorkers(deps: {
  prisma: PrismaClient;
  flow: Pick<RecognitionFlow, 'loadJobRecord' | 'getJobResult'>;
  send: SendWebhook;
  logger: Logger;
  now?: () => Date;
  settings: WebhookWorkerSettings;
}) {
  const { settings } = deps;
  const queue = createWebhookQueue({
    redisUrl: settings.redisUrl,
    prefix: settings.prefix,
    maxAttempts: settings.maxAttempts,
    backoffMs: settings.backoffMs,
    keepSeconds: settings.keepSeconds,
  });
  const workerSettings = { redisUrl: settings.redisUrl, prefix: settings.prefix, concurrency: settings.concurrency };
  const finished = startJobFinishedWorker(workerSettings, createJobFinishedProcessor({ prisma: deps.prisma, flow: deps.flow, webhooks: queue, logger: deps.logger }));
  const delivery = startWebhookDeliveryWorker(
    workerSettings,
    createWebhookDeliveryProcessor({ prisma: deps.prisma, send: deps.send, logger: deps.logger, now: deps.now, disableAfter: settings.disableAfter }),
  );
  // billed job ids are only needed while a job can still finish; a week is far beyond any job's life
  const prune = setInterval(() => {
    pruneBilledJobs(deps.prisma, new Date(), 7 * 86_400_000).catch((err) => deps.logger.warn({ err }, 'pruning billed jobs failed'));
  }, 3600_000);
  prune.unref();
  return {
    finishedWorker: finished.worker,
    deliveryWorker: delivery.worker,
    async close() {
      clearInterval(prune);
      await Promise.allSettled([finished.close(), delivery.close()]);
      await queue.close();
    },
  };
}
