// Try it: the browser sends a photo to the real POST /api/v1/recognise with one of the user's keys
// (same authentication, rate limit, usage count and pipeline as any client) and shows the answer.
import { Router } from 'express';
import { UPLOAD_LIMITS } from '@npr/contracts';
import { keyStatus } from './api-keys.routes';
import { origin, pageRenderer, requireUser, type DashboardContext } from './context';
import { copyButton } from './components';
import { html } from './html';
import { currentUser } from './session';

export function tryItRoutes(ctx: DashboardContext): Router {
  const router = Router();
  const render = pageRenderer(ctx);

  router.get('/try', requireUser(), async (req, res) => {
    const user = currentUser(res)!;
    const now = ctx.now();
    const keys = (await ctx.prisma.apiKey.findMany({ where: { accountId: user.accountId }, orderBy: { createdAt: 'desc' } })).filter(
      (k) => keyStatus(k, now) === 'active',
    );
    render(req, res, {
      title: 'Try it',
      active: 'try',
      scripts: ['copy.js', 'try-it.js'],
      body: () => html`<h1>Try it</h1>
        <p class="lead">Upload a photo of a vehicle. It goes to the real <code>POST /api/v1/recognise</code> with your key, so it counts towards your usage and rate limit like any request.</p>
        ${keys.length === 0
          ? html`<div class="flash error" role="status">You have no active API key. <a href="/settings/api-keys">Create one</a> first; it is shown once, so keep it at hand.</div>`
          : ''}
        <form id="try-form" class="card stack" data-base-url="${origin(ctx, req)}" data-max-bytes="${UPLOAD_LIMITS.maxFileBytes}">
          <div class="field">
            <label for="try-key">API key</label>
            <input id="try-key" name="key" type="password" class="mono" required autocomplete="off" spellcheck="false" placeholder="npr_live_…" aria-describedby="try-key-hint">
            <p class="hint" id="try-key-hint">${keys.length
              ? html`Paste one of your active keys (${keys.slice(0, 3).map((k, i) => html`${i ? ', ' : ''}<code>${k.prefix}…</code> ${k.name}`)}${keys.length > 3 ? ', …' : ''}). It is used only by this page, never stored by the dashboard.`
              : 'Keys are shown once, when you create them.'}</p>
          </div>
          <div class="field">
            <label for="try-file">Photo (JPEG, PNG or WebP, up to ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024} MB, at least ${UPLOAD_LIMITS.minWidth} × ${UPLOAD_LIMITS.minHeight})</label>
            <input id="try-file" name="upload" type="file" accept="image/jpeg,image/png,image/webp" required>
          </div>
          <div><button class="button" type="submit" id="try-submit">Recognise</button> <span id="try-status" class="hint" role="status" aria-live="polite"></span></div>
        </form>
        <section id="try-result" class="try-result" hidden aria-labelledby="result-h">
          <h2 id="result-h" tabindex="-1">Result</h2>
          <div class="result-grid">
            <figure class="preview"><div id="try-preview"></div><figcaption id="try-caption" class="hint"></figcaption></figure>
            <div>
              <div class="table-wrap"><table class="plates cards" id="try-plates">
                <caption class="visually-hidden">Plates found</caption>
                <thead><tr><th scope="col">#</th><th scope="col">Plate</th><th scope="col">Confidence</th><th scope="col">Region</th><th scope="col">Vehicle</th></tr></thead>
                <tbody></tbody>
              </table></div>
              <p id="try-headers" class="hint"></p>
            </div>
          </div>
          <h3>Response JSON</h3>
          <pre class="code" id="try-json" tabindex="0" aria-label="Response JSON"></pre>
          <h3>The same request with curl</h3>
          <pre class="code" id="try-curl" tabindex="0" aria-label="curl command"></pre>
          ${copyButton('#try-curl', 'Copy curl command', 'secondary')}
          <span id="copy-status" class="hint" aria-live="polite"></span>
        </section>`,
    });
  });

  return router;
}
