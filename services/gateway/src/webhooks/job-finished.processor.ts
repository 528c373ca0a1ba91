import { billableImages, type JobFinishedJobData } from '@npr/contracts';
import { billJob, webhooksForEvent, type PrismaClient } from '@npr/db';
import type { RecognitionFlow, WebhookQueue } from '@npr/queue';
import type { Logger } from '@npr/runtime';

export type JobFinishedDeps = {
  prisma: PrismaClient;
  flow: Pick<RecognitionFlow, 'loadJobRecord' | 'getJobResult'>;
  webhooks: Pick<WebhookQueue, 'enqueue'>;
  logger: Logger;
};

/** The event id of a finished request: the same on every delivery and retry (for de-duplication). */
export const eventIdOf = (jobId: string) => `evt_${jobId}`;

/**
 * Runs once every image of a request is done (the `job-finished` parent of its flows): bills the
 * images that were processed and enqueues one delivery of the polling body per webhook that asked
 * for the event (and to the request's one-off webhook_url). Safe to run twice: billing is once per
 * job and delivery ids are stable, so a retry after a crash neither bills nor delivers again.
 */
export function createJobFinishedProcessor(deps: JobFinishedDeps) {
  return async ({ jobId }: JobFinishedJobData): Promise<void> => {
    const record = await deps.flow.loadJobRecord(jobId);
    if (!record) {
      deps.logger.warn({ jobId }, 'finished job has no record (expired?): not billed, no webhooks');
      return;
    }
    const result = await deps.flow.getJobResult(record);
    // BullMQ runs this parent only after its children; a pending image here is a bug, retried
    if (!result.done) throw new Error(`job ${jobId} finished with images still ${result.status}`);

    if (record.apiKeyId) {
      await billJob(deps.prisma, { jobId, apiKeyId: record.apiKeyId, images: billableImages(result.outcomes), requestedAt: new Date(record.createdAt) });
    }

    const eventId = eventIdOf(jobId);
    const body = JSON.stringify(result.body);
    const base = { eventId, eventType: result.event, jobId, accountId: record.accountId, body };
    const hooks = await webhooksForEvent(deps.prisma, record.accountId, result.event);
    for (const hook of hooks) await deps.webhooks.enqueue(`${eventId}-${hook.id}`, { ...base, webhookId: hook.id, url: hook.url });
    if (record.webhookUrl) await deps.webhooks.enqueue(`${eventId}-once`, { ...base, webhookId: null, url: record.webhookUrl });
    if (hooks.length || record.webhookUrl) deps.logger.info({ jobId, event: result.event, deliveries: hooks.length + (record.webhookUrl ? 1 : 0) }, 'webhook deliveries queued');
  };
}
