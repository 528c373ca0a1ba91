import { randomBytes } from 'node:crypto';
import type { CreateWebhookBody, WebhookDeliveryView, WebhookEvent, WebhookView } from '@npr/contracts';
import type { PrismaClient, Webhook, WebhookDelivery } from './generated/prisma/client';

const DELIVERY_LOG_DAYS = 30;

/** A new signing secret: `whsec_` + 32 random bytes. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/** A webhook as the API and the dashboard show it (never its secret). */
export function webhookView(w: Webhook): WebhookView {
  return {
    id: w.id,
    url: w.url,
    events: w.events as WebhookEvent[],
    description: w.description,
    enabled: w.disabledAt === null,
    disabled_reason: w.disabledReason,
    consecutive_failures: w.consecutiveFailures,
    created_at: w.createdAt.toISOString(),
  };
}

export function deliveryView(d: WebhookDelivery): WebhookDeliveryView {
  return {
    event_id: d.eventId,
    event_type: d.eventType as WebhookEvent,
    job_id: d.jobId,
    url: d.url,
    attempt: d.attempt,
    status_code: d.statusCode,
    error: d.error,
    duration_ms: d.durationMs,
    at: d.createdAt.toISOString(),
  };
}

/** Registers a webhook; the secret is returned here and never again. */
export async function createWebhook(prisma: PrismaClient, accountId: string, input: CreateWebhookBody) {
  const secret = newWebhookSecret();
  const webhook = await prisma.webhook.create({
    data: { accountId, url: input.url, events: [...new Set(input.events)], description: input.description || null, secret },
  });
  return { webhook, secret };
}

export const listWebhooks = (prisma: PrismaClient, accountId: string) =>
  prisma.webhook.findMany({ where: { accountId }, orderBy: { createdAt: 'asc' } });

/** One of the account's webhooks; another account's is indistinguishable from none. */
export const findWebhook = (prisma: PrismaClient, accountId: string, id: string) =>
  isUuid(id) ? prisma.webhook.findFirst({ where: { id, accountId } }) : Promise.resolve(null);

export async function deleteWebhook(prisma: PrismaClient, accountId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { count } = await prisma.webhook.deleteMany({ where: { id, accountId } });
  return count > 0;
}

/** Turns a disabled webhook back on with a clean failure count (the owner fixed the receiver). */
export async function enableWebhook(prisma: PrismaClient, accountId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { count } = await prisma.webhook.updateMany({
    where: { id, accountId },
    data: { disabledAt: null, disabledReason: null, consecutiveFailures: 0 },
  });
  return count > 0;
}

/** The account's enabled webhooks that asked for this event. */
export const webhooksForEvent = (prisma: PrismaClient, accountId: string, event: WebhookEvent) =>
  prisma.webhook.findMany({ where: { accountId, disabledAt: null, events: { has: event } }, orderBy: { createdAt: 'asc' } });

/** Creates (or replaces) the secret that signs deliveries to a request's one-off `webhook_url`. */
export async function rotateOneOffWebhookSecret(prisma: PrismaClient, accountId: string): Promise<string> {
  const secret = newWebhookSecret();
  await prisma.account.update({ where: { id: accountId }, data: { oneOffWebhookSecret: secret } });
  return secret;
}

/** Appends one attempt to the delivery log and drops the account's entries older than 30 days. */
export async function recordDeliveryAttempt(
  prisma: PrismaClient,
  input: Omit<WebhookDelivery, 'id' | 'createdAt'> & { at: Date },
): Promise<void> {
  const { at, ...row } = input;
  await prisma.webhookDelivery.create({ data: { ...row, createdAt: at } });
  await prisma.webhookDelivery.deleteMany({
    where: { accountId: input.accountId, createdAt: { lt: new Date(at.getTime() - DELIVERY_LOG_DAYS * 86_400_000) } },
  });
}

/** The latest attempts, newest first: of one webhook, or of the account's one-off URLs (webhookId null). */
export const recentDeliveries = (prisma: PrismaClient, accountId: string, webhookId: string | null, take = 20) =>
  prisma.webhookDelivery.findMany({ where: { accountId, webhookId }, orderBy: [{ createdAt: 'desc' }, { attempt: 'desc' }], take });

/**
 * Counts an attempt's outcome on its webhook: a success clears the failure count; a failure adds
 * one, and the `disableAfter`-th in a row disables the webhook with `reason` for its owner.
 * One statement, so concurrent deliveries count every failure. Returns whether it is now disabled.
 */
export async function countDeliveryOutcome(
  prisma: PrismaClient,
  input: { webhookId: string; ok: boolean; disableAfter: number; reason: string; now: Date },
): Promise<{ disabled: boolean }> {
  if (input.ok) {
    await prisma.webhook.updateMany({ where: { id: input.webhookId }, data: { consecutiveFailures: 0 } });
    return { disabled: false };
  }
  const rows = await prisma.$queryRaw<{ disabled: boolean }[]>`
    UPDATE webhooks SET
      consecutive_failures = consecutive_failures + 1,
      disabled_at = CASE WHEN disabled_at IS NULL AND consecutive_failures + 1 >= ${input.disableAfter} THEN ${input.now} ELSE disabled_at END,
      disabled_reason = CASE WHEN disabled_at IS NULL AND consecutive_failures + 1 >= ${input.disableAfter} THEN ${input.reason} ELSE disabled_reason END
    WHERE id = ${input.webhookId}::uuid
    RETURNING disabled_at IS NOT NULL AS disabled`;
  return { disabled: rows[0]?.disabled ?? true };
}

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
