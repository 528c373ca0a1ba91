import { WEBHOOK_HEADERS, type WebhookDeliveryJobData } from '@npr/contracts';
import { countDeliveryOutcome, recordDeliveryAttempt, type PrismaClient } from '@npr/db';
import type { Logger } from '@npr/runtime';
import { signatureHeader } from './sign-webhook';

/**
 * Sends one delivery. Resolves with the receiver's status code; rejects with `DeliveryRefused`
 * when the destination may not be called (a private or metadata address, a redirect to one), or
 * with any other error for a network failure or timeout. The SSRF guard lives behind this port.
 */
export type SendWebhook = (url: string, request: { body: string; headers: Record<string, string> }) => Promise<{ status: number }>;

/** The destination may not be called at all: retrying cannot help. */
export class DeliveryRefused extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryRefused';
  }
}

export type WebhookDeliveryDeps = {
  prisma: PrismaClient;
  send: SendWebhook;
  logger: Logger;
  now?: () => Date;
  /** Failed attempts in a row after which a webhook is disabled. */
  disableAfter: number;
};

/**
 * Delivers one event to one URL, signed, and writes the attempt to the delivery log. A non-2xx
 * answer or a network error throws, so BullMQ retries with exponential backoff; a refused address,
 * a deleted or disabled webhook end the delivery without retries.
 */
export function createWebhookDeliveryProcessor(deps: WebhookDeliveryDeps) {
  const now = deps.now ?? (() => new Date());
  return async (data: WebhookDeliveryJobData, job: { attempt: number }): Promise<void> => {
    const secret = await signingSecret(data);
    if (!secret) {
      deps.logger.info({ eventId: data.eventId, webhookId: data.webhookId }, 'webhook deleted, disabled or without a secret: delivery dropped');
      return;
    }
    const sentAt = now();
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'npr-webhooks/1',
      [WEBHOOK_HEADERS.signature]: signatureHeader(secret, data.body, Math.floor(sentAt.getTime() / 1000)),
      [WEBHOOK_HEADERS.eventId]: data.eventId,
      [WEBHOOK_HEADERS.eventType]: data.eventType,
      [WEBHOOK_HEADERS.attempt]: String(job.attempt),
    };
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      statusCode = (await deps.send(data.url, { body: data.body, headers })).status;
    } catch (err) {
      refused = err instanceof DeliveryRefused;
      error = refused ? `refused: ${(err as Error).message}` : describeNetworkError(err);
    }
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    await recordDeliveryAttempt(deps.prisma, {
      accountId: data.accountId,
      webhookId: data.webhookId,
      url: data.url,
      eventId: data.eventId,
      eventType: data.eventType,
      jobId: data.jobId,
      attempt: job.attempt,
      statusCode,
      error,
      durationMs: Math.round(performance.now() - started),
      at: sentAt,
    });
    const what = statusCode !== null ? `HTTP ${statusCode}` : error!;
    let disabled = false;
    if (data.webhookId) {
      ({ disabled } = await countDeliveryOutcome(deps.prisma, {
        webhookId: data.webhookId,
        ok,
        disableAfter: deps.disableAfter,
        reason: `Disabled on ${sentAt.toISOString()} after ${deps.disableAfter} failed delivery attempts in a row (the last: ${what}). Fix the receiver, then enable it again.`,
        now: sentAt,
      }));
    }
    if (ok) return;
    deps.logger.warn({ eventId: data.eventId, webhookId: data.webhookId, attempt: job.attempt, result: what, disabled }, 'webhook delivery failed');
    if (refused || disabled) return;
    // thrown: BullMQ retries it after the next backoff
    throw new Error(`webhook delivery ${data.eventId} to ${new URL(data.url).host} failed: ${what}`);
  };

  async function signingSecret(data: WebhookDeliveryJobData): Promise<string | null> {
    if (data.webhookId) {
      const hook = await deps.prisma.webhook.findUnique({ where: { id: data.webhookId }, select: { secret: true, disabledAt: true } });
      return hook && !hook.disabledAt ? hook.secret : null;
    }
    const account = await deps.prisma.account.findUnique({ where: { id: data.accountId }, select: { oneOffWebhookSecret: true } });
    return account?.oneOffWebhookSecret ?? null;
  }
}

/** A short reason for the log: what failed (the send port words it), never a stack. */
function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  return (e?.message || String(err)).slice(0, 300);
}
