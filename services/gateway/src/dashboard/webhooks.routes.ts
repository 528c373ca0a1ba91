// Settings -> Webhooks: register URLs for job events (the secret is shown once), see each one's
// latest delivery attempts and why it was disabled, enable it again, delete it; and the secret
// that signs deliveries to a request's one-off webhook_url. Same functions as /api/v1/webhooks.
import { Router, type Request, type Response } from 'express';
import { AppError, CreateWebhookBodySchema, WEBHOOK_EVENTS, type WebhookEvent } from '@npr/contracts';
import {
  createWebhook,
  deleteWebhook,
  enableWebhook,
  listWebhooks,
  recentDeliveries,
  rotateOneOffWebhookSecret,
  type WebhookDelivery,
} from '@npr/db';
import { MAX_WEBHOOKS_PER_ACCOUNT } from '../webhooks.routes';
import { pageRenderer, requireCsrf, requireUser, type DashboardContext } from './context';
import { html, type SafeHtml } from './html';
import { formatTime } from './format';
import { currentUser } from './session';

const EVENT_LABELS: Record<WebhookEvent, string> = {
  'recognition.completed': 'recognition.completed: a single image was read',
  'recognition.failed': 'recognition.failed: a single image ended with an error (no plate found, invalid image, ...)',
  'batch.completed': 'batch.completed: every image of a batch is done',
};
const SHOWN_ATTEMPTS = 10;

function deliveryLog(rows: WebhookDelivery[], caption: string): SafeHtml | string {
  if (rows.length === 0) return html`<p class="empty">No deliveries yet.</p>`;
  return html`<div class="table-wrap"><table class="deliveries">
    <caption class="visually-hidden">${caption}</caption>
    <thead><tr><th scope="col">Sent</th><th scope="col">Event</th><th scope="col">Attempt</th><th scope="col">Result</th></tr></thead>
    <tbody>${rows.map(
      (d) => html`<tr data-event-id="${d.eventId}">
        <td>${formatTime(d.createdAt)}</td>
        <td><code>${d.eventType}</code> <span class="hint">${d.jobId}</span></td>
        <td>${d.attempt}</td>
        <td data-testid="delivery-result">${d.statusCode !== null
          ? html`<span class="badge ${d.statusCode >= 200 && d.statusCode < 300 ? 'active' : 'revoked'}">HTTP ${d.statusCode}</span>`
          : html`<span class="badge revoked">${d.error ?? 'failed'}</span>`}</td>
      </tr>`,
    )}</tbody></table></div>`;
}

export function webhooksRoutes(ctx: DashboardContext): Router {
  const router = Router();
  const render = pageRenderer(ctx);
  const csrf = requireCsrf(ctx);

  async function listPage(req: Request, res: Response, opts: { error?: string; url?: string; status?: number; ok?: string } = {}) {
    const user = currentUser(res)!;
    const account = await ctx.prisma.account.findUniqueOrThrow({ where: { id: user.accountId }, select: { oneOffWebhookSecret: true } });
    const hooks = await listWebhooks(ctx.prisma, user.accountId);
    const logs = await Promise.all(hooks.map((h) => recentDeliveries(ctx.prisma, user.accountId, h.id, SHOWN_ATTEMPTS)));
    const oneOffLog = await recentDeliveries(ctx.prisma, user.accountId, null, SHOWN_ATTEMPTS);
    render(req, res, {
      title: 'Webhooks',
      active: 'webhooks',
      status: opts.status,
      flash: opts.error ? { kind: 'error', text: opts.error } : opts.ok ? { kind: 'ok', text: opts.ok } : null,
      body: ({ csrf }) => html`<p class="crumbs">Settings → Webhooks</p>
        <h1>Webhooks</h1>
        <p class="lead">When a job of this account ends, its result (the body <code>GET /api/v1/jobs/:id</code> answers) is POSTed to each
        webhook that asked for the event, signed with the webhook's secret in <code>Npr-Signature</code>.
        Failed deliveries are retried with growing gaps for about a day. <a href="/docs/webhooks">How to verify a delivery</a>.</p>
        <section class="card" aria-labelledby="add-title">
          <h2 id="add-title">Add a webhook</h2>
          <form method="post" action="/settings/webhooks">
            <input type="hidden" name="_csrf" value="${csrf}">
            <div class="field">
              <label for="webhook-url">URL</label>
              <input id="webhook-url" name="url" type="url" required maxlength="2048" placeholder="https://example.com/npr-webhook" value="${opts.url ?? ''}">
            </div>
            <fieldset class="field">
              <legend>Events</legend>
              ${WEBHOOK_EVENTS.map(
                (e) => html`<label class="check"><input type="checkbox" name="events" value="${e}" checked> ${EVENT_LABELS[e]}</label>`,
              )}
            </fieldset>
            <div class="field">
              <label for="webhook-description">Description (optional)</label>
              <input id="webhook-description" name="description" maxlength="200" placeholder="e.g. Barrier controller">
            </div>
            <div class="field"><button class="button" type="submit">Add webhook</button></div>
          </form>
        </section>
        <section aria-labelledby="hooks-title">
          <h2 id="hooks-title">Your webhooks</h2>
          ${hooks.length === 0
            ? html`<p class="empty">No webhooks yet.</p>`
            : hooks.map(
                (h, i) => html`<article class="card webhook" data-webhook-id="${h.id}" aria-labelledby="hook-${h.id}">
                  <h3 id="hook-${h.id}"><code>${h.url}</code></h3>
                  <p>${h.description ? html`${h.description} · ` : ''}Events: ${h.events.map((e, j) => html`${j ? ', ' : ''}<code>${e}</code>`)}
                  · Status: <span class="badge ${h.disabledAt ? 'revoked' : 'active'}" data-testid="webhook-status">${h.disabledAt ? 'disabled' : 'enabled'}</span></p>
                  ${h.disabledReason ? html`<p class="flash error" data-testid="disabled-reason">${h.disabledReason}</p>` : ''}
                  <h4>Latest delivery attempts</h4>
                  ${deliveryLog(logs[i]!, `Latest delivery attempts to ${h.url}`)}
                  <div class="actions">
                    ${h.disabledAt
                      ? html`<form method="post" action="/settings/webhooks/${h.id}/enable"><input type="hidden" name="_csrf" value="${csrf}"><button class="button small" type="submit">Enable again</button></form>`
                      : ''}
                    <form method="post" action="/settings/webhooks/${h.id}/delete"><input type="hidden" name="_csrf" value="${csrf}"><button class="button small danger" type="submit" aria-label="Delete the webhook to ${h.url}">Delete</button></form>
                  </div>
                </article>`,
              )}
        </section>
        <section class="card" aria-labelledby="oneoff-title">
          <h2 id="oneoff-title">One-off webhook_url</h2>
          <p>A request may name its own <code>webhook_url</code>; its result is POSTed there once it is done, signed with this account's
          one-off secret. ${account.oneOffWebhookSecret ? 'A secret is set.' : 'No secret yet: requests naming a webhook_url are refused until you create one.'}</p>
          <form method="post" action="/settings/webhooks/one-off-secret"><input type="hidden" name="_csrf" value="${csrf}">
            <button class="button secondary" type="submit">${account.oneOffWebhookSecret ? 'Replace the secret' : 'Create a secret'}</button></form>
          <h3>Latest one-off delivery attempts</h3>
          ${deliveryLog(oneOffLog, 'Latest one-off delivery attempts')}
        </section>`,
    });
  }

  function secretPage(req: Request, res: Response, title: string, secret: string, what: SafeHtml) {
    render(req, res, {
      title,
      active: 'webhooks',
      noStore: true,
      scripts: ['copy.js'],
      body: () => html`<p class="crumbs">Settings → Webhooks</p>
        <h1>${title}</h1>
        <div class="card key-once">
          <p class="warning" role="alert"><strong>Copy the signing secret now.</strong> This is the only time it is shown.</p>
          <p>${what}</p>
          <label for="new-secret">Signing secret</label>
          <div class="copy-row">
            <input id="new-secret" class="mono" type="text" readonly value="${secret}" spellcheck="false" autocomplete="off">
            <button type="button" class="button" data-copy="#new-secret" aria-describedby="copy-status">Copy</button>
          </div>
          <p id="copy-status" class="hint" aria-live="polite"></p>
          <p class="actions"><a href="/docs/webhooks">How to verify a delivery</a> <a href="/settings/webhooks">Done: back to webhooks</a></p>
        </div>`,
    });
  }

  router.get('/settings/webhooks', requireUser(), (req, res) => listPage(req, res));

  router.post('/settings/webhooks', requireUser(), csrf, async (req, res) => {
    const user = currentUser(res)!;
    const body = req.body as Record<string, unknown>;
    const url = typeof body.url === 'string' ? body.url.trim() : '';
    const events = ([] as unknown[]).concat(body.events ?? []);
    const parsed = CreateWebhookBodySchema.safeParse({ url, events, description: typeof body.description === 'string' ? body.description : undefined });
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path[0];
      const error = field === 'events' ? 'Choose at least one event.' : field === 'url' ? 'Enter an http or https URL (without a user name or password).' : 'Check the form.';
      return listPage(req, res, { error, url, status: 400 });
    }
    if ((await listWebhooks(ctx.prisma, user.accountId)).length >= MAX_WEBHOOKS_PER_ACCOUNT) {
      return listPage(req, res, { error: `An account has at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks; delete one first.`, url, status: 400 });
    }
    try {
      await ctx.checkWebhookUrl(parsed.data.url);
    } catch (err) {
      if (err instanceof AppError) return listPage(req, res, { error: err.message, url, status: 400 });
      throw err;
    }
    const { webhook, secret } = await createWebhook(ctx.prisma, user.accountId, parsed.data);
    secretPage(req, res, 'Webhook added', secret, html`Deliveries to <code>${webhook.url}</code> carry <code>Npr-Signature</code>, an HMAC-SHA256 made with this secret.`);
  });

  router.post('/settings/webhooks/one-off-secret', requireUser(), csrf, async (req, res) => {
    const secret = await rotateOneOffWebhookSecret(ctx.prisma, currentUser(res)!.accountId);
    secretPage(req, res, 'One-off webhook secret', secret, html`Deliveries to a request's <code>webhook_url</code> are signed with this secret from now on; the previous one no longer verifies.`);
  });

  router.post('/settings/webhooks/:id/enable', requireUser(), csrf, async (req, res) => {
    await enableWebhook(ctx.prisma, currentUser(res)!.accountId, String(req.params.id));
    res.redirect(303, '/settings/webhooks');
  });

  router.post('/settings/webhooks/:id/delete', requireUser(), csrf, async (req, res) => {
    await deleteWebhook(ctx.prisma, currentUser(res)!.accountId, String(req.params.id));
    res.redirect(303, '/settings/webhooks');
  });

  return router;
}
