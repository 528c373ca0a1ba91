import { z } from 'zod';

/** What a webhook can subscribe to: how a job ended (the polling body's `status`) and its kind. */
export const WEBHOOK_EVENTS = ['recognition.completed', 'recognition.failed', 'batch.completed'] as const;
export const WebhookEventSchema = z.enum(WEBHOOK_EVENTS);
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

/** Header names of a delivery (documented; receivers verify `Npr-Signature`). */
export const WEBHOOK_HEADERS = {
  signature: 'Npr-Signature',
  eventId: 'Npr-Event-Id',
  eventType: 'Npr-Event-Type',
  attempt: 'Npr-Delivery-Attempt',
} as const;

/** An http(s) URL a delivery may be POSTed to; where it may point is checked when sending. */
export const WebhookUrlSchema = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an http or https URL without credentials');

/** Body of POST /api/v1/webhooks (and the dashboard's form). */
export const CreateWebhookBodySchema = z.object({
  url: WebhookUrlSchema,
  events: z.array(WebhookEventSchema).min(1).max(WEBHOOK_EVENTS.length).default([...WEBHOOK_EVENTS]),
  description: z.string().trim().max(200).optional(),
});
export type CreateWebhookBody = z.infer<typeof CreateWebhookBodySchema>;

/** A registered webhook as the API shows it (never with its secret). */
export const WebhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventSchema),
  description: z.string().nullable(),
  enabled: z.boolean(),
  // why deliveries stopped, for the owner (set when repeated failures disabled it)
  disabled_reason: z.string().nullable(),
  consecutive_failures: z.number().int(),
  created_at: z.string(),
});
export type WebhookView = z.infer<typeof WebhookSchema>;

/** One delivery attempt in the log. */
export const WebhookDeliverySchema = z.object({
  event_id: z.string(),
  event_type: WebhookEventSchema,
  job_id: z.string(),
  url: z.string(),
  attempt: z.number().int().min(1),
  // null when no HTTP answer came (refused address, timeout, connection error: see `error`)
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int().nonnegative(),
  at: z.string(),
});
export type WebhookDeliveryView = z.infer<typeof WebhookDeliverySchema>;

export const WebhookCreatedResponseSchema = z.object({
  success: z.literal(true),
  webhook: WebhookSchema,
  // shown once: only this answer carries it
  secret: z.string(),
});
export const WebhookListResponseSchema = z.object({ success: z.literal(true), webhooks: z.array(WebhookSchema) });
/** What DELETE /webhooks/:id answers: the id of the webhook that is gone. */
export const WebhookDeletedResponseSchema = z.object({ success: z.literal(true), deleted: z.string() });
export const WebhookDetailResponseSchema = z.object({
  success: z.literal(true),
  webhook: WebhookSchema,
  deliveries: z.array(WebhookDeliverySchema),
});
export const OneOffSecretResponseSchema = z.object({ success: z.literal(true), secret: z.string() });

/** Data of a `job-finished` job: the parent of every image flow of one request. */
export const JobFinishedJobDataSchema = z.object({ jobId: z.string() });
export type JobFinishedJobData = z.infer<typeof JobFinishedJobDataSchema>;

/** Data of a `webhook-delivery` job: one event to one URL (a registered webhook or a request's `webhook_url`). */
export const WebhookDeliveryJobDataSchema = z.object({
  eventId: z.string(),
  eventType: WebhookEventSchema,
  jobId: z.string(),
  accountId: z.string(),
  // null for a request's one-off webhook_url (signed with the account's one-off secret)
  webhookId: z.string().nullable(),
  url: z.string(),
  // the exact bytes signed and sent: the body GET /api/v1/jobs/:id answers once the job is done
  body: z.string(),
});
export type WebhookDeliveryJobData = z.infer<typeof WebhookDeliveryJobDataSchema>;
