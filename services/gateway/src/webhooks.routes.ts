import express, { Router, type Response } from 'express';
import { AppError, CreateWebhookBodySchema, WebhookDeletedResponseSchema } from '@npr/contracts';
import {
  createWebhook,
  deleteWebhook,
  deliveryView,
  enableWebhook,
  findWebhook,
  listWebhooks,
  recentDeliveries,
  rotateOneOffWebhookSecret,
  webhookView,
  type PrismaClient,
} from '@npr/db';
import type { AuthContext } from './authenticate-api-key';

/** Registered webhooks per account: enough for every integration, bounded so a loop cannot fan out. */
export const MAX_WEBHOOKS_PER_ACCOUNT = 20;

/**
 * Checks a destination before it is saved, so an address that would be refused is refused at
 * once rather than on every delivery (the same guard runs again when sending: DNS can change).
 */
export type CheckWebhookUrl = (url: string) => Promise<void>;

/** POST/GET/DELETE /webhooks and the one-off secret, for the API key's account. */
export function webhookRoutes(deps: { prisma: PrismaClient; checkUrl: CheckWebhookUrl }): Router {
  const router = Router();
  const accountId = (res: Response) => (res.locals.auth as AuthContext).accountId;
  router.use('/webhooks', express.json({ limit: '16kb' }));

  router.post('/webhooks', async (req, res) => {
    const parsed = CreateWebhookBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AppError('BAD_REQUEST', `Invalid webhook: ${issue.path.join('.') || 'body'} ${issue.message}. Send {"url": "https://...", "events": ["recognition.completed", ...]}.`);
    }
    const id = accountId(res);
    if ((await listWebhooks(deps.prisma, id)).length >= MAX_WEBHOOKS_PER_ACCOUNT) {
      throw new AppError('BAD_REQUEST', `An account has at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks; delete one first.`);
    }
    await deps.checkUrl(parsed.data.url);
    const { webhook, secret } = await createWebhook(deps.prisma, id, parsed.data);
    res.status(201).json({ success: true, webhook: webhookView(webhook), secret });
  });

  router.get('/webhooks', async (_req, res) => {
    const hooks = await listWebhooks(deps.prisma, accountId(res));
    res.json({ success: true, webhooks: hooks.map(webhookView) });
  });

  router.post('/webhooks/one-off-secret', async (_req, res) => {
    res.status(201).json({ success: true, secret: await rotateOneOffWebhookSecret(deps.prisma, accountId(res)) });
  });

  /** The webhook with its latest delivery attempts, newest first. */
  async function detail(res: Response, id: string) {
    const hook = await findWebhook(deps.prisma, accountId(res), id);
    if (!hook) throw new AppError('NOT_FOUND', 'No such webhook.');
    const deliveries = await recentDeliveries(deps.prisma, hook.accountId, hook.id);
    return { success: true, webhook: webhookView(hook), deliveries: deliveries.map(deliveryView) };
  }

  router.get('/webhooks/:id', async (req, res) => {
    res.json(await detail(res, String(req.params.id)));
  });

  router.post('/webhooks/:id/enable', async (req, res) => {
    if (!(await enableWebhook(deps.prisma, accountId(res), String(req.params.id)))) throw new AppError('NOT_FOUND', 'No such webhook.');
    res.json(await detail(res, String(req.params.id)));
  });

  router.delete('/webhooks/:id', async (req, res) => {
    if (!(await deleteWebhook(deps.prisma, accountId(res), String(req.params.id)))) throw new AppError('NOT_FOUND', 'No such webhook.');
    res.json(WebhookDeletedResponseSchema.parse({ success: true, deleted: String(req.params.id) }));
  });

  return router;
}
