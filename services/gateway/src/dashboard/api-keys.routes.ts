// Settings -> API Keys: list, create (the key is shown once), revoke (with a confirmation step).
// Keys are created and revoked with the same functions as `npr keys create/revoke`.
import { Router, type Request, type Response } from 'express';
import { createApiKeyForEmail, revokeApiKey, type ApiKey } from '@npr/db';
import { origin, pageRenderer, requireCsrf, requireUser, type DashboardContext } from './context';
import { codeBlock, copyButton } from './components';
import { html } from './html';
import { formatTime } from './format';
import { currentUser } from './session';

export const EXPIRY_CHOICES: { value: string; label: string; days: number | null }[] = [
  { value: 'never', label: 'Never', days: null },
  { value: '7d', label: 'In 7 days', days: 7 },
  { value: '30d', label: 'In 30 days', days: 30 },
  { value: '90d', label: 'In 90 days', days: 90 },
  { value: '365d', label: 'In 1 year', days: 365 },
];
const NAME_MAX = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type KeyStatus = 'active' | 'expired' | 'revoked';
export function keyStatus(key: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now: Date): KeyStatus {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt <= now) return 'expired';
  return 'active';
}

export function apiKeysRoutes(ctx: DashboardContext): Router {
  const router = Router();
  const render = pageRenderer(ctx);
  const csrf = requireCsrf(ctx);

  async function listPage(req: Request, res: Response, opts: { error?: string; name?: string; status?: number } = {}) {
    const user = currentUser(res)!;
    const now = ctx.now();
    const keys = await ctx.prisma.apiKey.findMany({ where: { accountId: user.accountId }, orderBy: { createdAt: 'desc' } });
    const revoked = typeof req.query.revoked === 'string' && /^npr_live_[a-z0-9]{8}$/.test(req.query.revoked) ? req.query.revoked : null;
    const flash = opts.error
      ? { kind: 'error' as const, text: opts.error }
      : revoked
        ? { kind: 'ok' as const, text: `Key ${revoked}… revoked. Requests with it are now refused with 401.` }
        : req.query.welcome !== undefined
          ? { kind: 'ok' as const, text: 'Welcome! Your account is ready. Create your first API key below.' }
          : null;
    render(req, res, {
      title: 'API keys',
      active: 'keys',
      status: opts.status,
      flash,
      body: ({ csrf }) => html`<p class="crumbs">Settings → API Keys</p>
        <h1>API keys</h1>
        <p class="lead">Send a key as <code>Authorization: Bearer &lt;key&gt;</code>. Keep keys secret: never put them in client-side code or public repositories.</p>
        <section class="card" aria-labelledby="create-title">
          <h2 id="create-title">Create a key</h2>
          <form method="post" action="/settings/api-keys" class="row-form">
            <input type="hidden" name="_csrf" value="${csrf}">
            <div class="field grow">
              <label for="key-name">Name</label>
              <input id="key-name" name="name" required maxlength="${NAME_MAX}" placeholder="e.g. Car park camera 3" value="${opts.name ?? ''}" aria-describedby="name-hint">
              <p class="hint" id="name-hint">Something that tells you where the key is used.</p>
            </div>
            <div class="field">
              <label for="key-expiry">Expires</label>
              <select id="key-expiry" name="expires">
                ${EXPIRY_CHOICES.map((c) => html`<option value="${c.value}">${c.label}</option>`)}
              </select>
            </div>
            <div class="field"><button class="button" type="submit">Create key</button></div>
          </form>
        </section>
        <section aria-labelledby="keys-title">
          <h2 id="keys-title">Your keys</h2>
          ${keys.length === 0
            ? html`<p class="empty">No keys yet.</p>`
            : html`<div class="table-wrap"><table class="keys cards">
              <caption class="visually-hidden">API keys of this account</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
              ${keys.map((k) => {
                const status = keyStatus(k, now);
                return html`<tr data-key-prefix="${k.prefix}">
                  <th scope="row">${k.name}</th>
                  <td data-label="Key"><code>${k.prefix}…</code></td>
                  <td data-label="Created">${formatTime(k.createdAt)}</td>
                  <td data-label="Last used">${formatTime(k.lastUsedAt, 'Never')}</td>
                  <td data-label="Expires">${formatTime(k.expiresAt, 'Never')}</td>
                  <td data-label="Status"><span class="badge ${status}">${status}</span></td>
                  <td>${status === 'revoked' ? '' : html`<a class="button small danger" href="/settings/api-keys/${k.id}/revoke" aria-label="Revoke ${k.name} (${k.prefix})">Revoke</a>`}</td>
                </tr>`;
              })}
              </tbody></table></div>`}
        </section>`,
    });
  }

  async function ownKey(res: Response, id: string) {
    if (!UUID.test(id)) return null;
    return ctx.prisma.apiKey.findFirst({ where: { id, accountId: currentUser(res)!.accountId } });
  }

  router.get('/settings/api-keys', requireUser(), (req, res) => listPage(req, res));

  router.post('/settings/api-keys', requireUser(), csrf, async (req, res) => {
    const user = currentUser(res)!;
    const body = req.body as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const expiry = EXPIRY_CHOICES.find((c) => c.value === body.expires);
    if (!name || name.length > NAME_MAX) return listPage(req, res, { error: `Give the key a name (1 to ${NAME_MAX} characters).`, name, status: 400 });
    if (!expiry) return listPage(req, res, { error: 'Choose when the key expires.', name, status: 400 });
    const now = ctx.now();
    const expiresAt = expiry.days === null ? null : new Date(now.getTime() + expiry.days * 86_400_000);
    const { key, apiKey } = await createApiKeyForEmail(ctx.prisma, { email: user.email, name, expiresAt });
    const base = origin(ctx, req);
    render(req, res, {
      title: 'Key created',
      active: 'keys',
      noStore: true,
      scripts: ['copy.js'],
      body: () => html`<p class="crumbs">Settings → API Keys</p>
        <h1>Your new key “${apiKey.name}”</h1>
        <div class="card key-once">
          <p class="warning" role="alert"><strong>Copy it now.</strong> This is the only time the full key is shown; we store only a hash of it.</p>
          <label for="new-key">API key</label>
          <div class="copy-row">
            <input id="new-key" class="mono" type="text" readonly value="${key}" data-new-key spellcheck="false" autocomplete="off" autofocus>
            ${copyButton('#new-key')}
          </div>
          <p id="copy-status" class="hint" aria-live="polite"></p>
          <p>Expires: ${formatTime(apiKey.expiresAt, 'never')}</p>
          <h2>Make your first request</h2>
          ${codeBlock(`curl -X POST ${base}/api/v1/recognise \\\n  -H "Authorization: Bearer ${key}" \\\n  -F "upload=@plate.jpg"`, { id: 'first-curl', label: 'curl command' })}
          <p class="actions">
            ${copyButton('#first-curl', 'Copy curl command', 'secondary')}
            <a class="button secondary" href="/try" data-use-key="${key}">Use it on “Try it”</a>
            <a href="/settings/api-keys">Done: back to API keys</a>
          </p>
        </div>`,
    });
  });

  router.get('/settings/api-keys/:id/revoke', requireUser(), async (req, res) => {
    const key = await ownKey(res, String(req.params.id));
    if (!key || key.revokedAt) return res.redirect(303, '/settings/api-keys');
    render(req, res, {
      title: 'Revoke key',
      active: 'keys',
      body: ({ csrf }) => html`<p class="crumbs">Settings → API Keys</p>
        <h1>Revoke “${key.name}”?</h1>
        <div class="card narrow-card">
          <p>Key <code>${key.prefix}…</code> stops working <strong>immediately</strong>: every request with it gets
          <code>401 INVALID_API_KEY</code>. This cannot be undone; you can create a new key at any time.</p>
          <form method="post" action="/settings/api-keys/${key.id}/revoke" class="actions">
            <input type="hidden" name="_csrf" value="${csrf}">
            <button class="button danger" type="submit">Revoke key</button>
            <a class="button secondary" href="/settings/api-keys">Cancel</a>
          </form>
        </div>`,
    });
  });

  router.post('/settings/api-keys/:id/revoke', requireUser(), csrf, async (req, res) => {
    const key = await ownKey(res, String(req.params.id));
    if (!key) return res.redirect(303, '/settings/api-keys');
    // the gateway looks keys up in the database on every request (no cache), so every replica
    // refuses the key from its next request on
    await revokeApiKey(ctx.prisma, key.id, ctx.now());
    res.redirect(303, `/settings/api-keys?revoked=${encodeURIComponent(key.prefix)}`);
  });

  return router;
}
