// Usage and plan: images processed (what is billed) per day per key, last 30 days; this month against
// the monthly quota (the numbers GET /api/v1/statistics gives); each key's current rate-limit window;
// the plan's limits and what the customer can do to get more.
import { Router } from 'express';
import { PLAN_LIMITS, PLAN_MONTHLY_QUOTAS, type PlanName } from '@npr/contracts';
import { accountStatistics } from '@npr/db';
import { accountLimit } from '../rate-limiter';
import { keyStatus } from './api-keys.routes';
import { pageRenderer, requireUser, type DashboardContext } from './context';
import { tableWrap } from './components';
import { html } from './html';
import { describeLimit, formatDay, formatInt, formatTime } from './format';
import { currentUser } from './session';
import { seriesColour, usageChart } from './usage-chart';

export const USAGE_DAYS = 30;

/** The last `n` UTC days, oldest first, today last. */
export function lastDays(now: Date, n: number): Date[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: n }, (_, i) => new Date(today - (n - 1 - i) * 86_400_000));
}

export function usageRoutes(ctx: DashboardContext): Router {
  const router = Router();
  const render = pageRenderer(ctx);

  router.get('/usage', requireUser(), async (req, res) => {
    const user = currentUser(res)!;
    const now = ctx.now();
    const account = await ctx.prisma.account.findUniqueOrThrow({ where: { id: user.accountId } });
    const keys = await ctx.prisma.apiKey.findMany({ where: { accountId: account.id }, orderBy: { createdAt: 'asc' } });
    const days = lastDays(now, USAGE_DAYS);
    const rows = await ctx.prisma.usageDay.findMany({ where: { apiKey: { accountId: account.id }, day: { gte: days[0]! } } });
    const dayIndex = new Map(days.map((d, i) => [formatDay(d), i]));
    const byKey = new Map<string, number[]>();
    for (const r of rows) {
      const i = dayIndex.get(formatDay(r.day));
      if (i === undefined) continue;
      const counts = byKey.get(r.apiKeyId) ?? new Array<number>(days.length).fill(0);
      counts[i] = (counts[i] ?? 0) + r.requests;
      byKey.set(r.apiKeyId, counts);
    }
    const used = keys.filter((k) => byKey.has(k.id));
    const series = used.map((k) => ({ label: `${k.name} (${k.prefix}…)`, counts: byKey.get(k.id)! }));
    const limit = accountLimit(account);
    const custom = account.customRequestsPerWindow !== null || account.customWindowSeconds !== null;
    const active = keys.filter((k) => keyStatus(k, now) === 'active');
    const windows = await Promise.all(active.map(async (k) => ({ key: k, state: await ctx.limiter.peek(`key:${k.id}`, limit) })));
    const stats = await accountStatistics(ctx.prisma, account.id, now, limit);
    const periodTotal = [...byKey.values()].reduce((sum, c) => sum + c.reduce((a, b) => a + b, 0), 0);

    render(req, res, {
      title: 'Usage & plan',
      active: 'usage',
      body: () => html`<h1>Usage &amp; plan</h1>
        <div class="stats">
          <div class="stat"><span class="stat-label">Images processed today (UTC)</span><span class="stat-value" data-testid="usage-today">${formatInt(stats.today.images)}</span></div>
          <div class="stat"><span class="stat-label">This month</span><span class="stat-value" data-testid="usage-month">${formatInt(stats.month.images)}</span>
            <span class="stat-note" data-testid="quota-left">${stats.plan.monthly_quota === null ? 'no monthly quota' : `of ${formatInt(stats.plan.monthly_quota)}: ${formatInt(stats.month.remaining!)} left until ${stats.month.resets_at.slice(0, 10)}`}</span></div>
          <div class="stat"><span class="stat-label">Last ${USAGE_DAYS} days</span><span class="stat-value" data-testid="usage-period">${formatInt(periodTotal)}</span></div>
          <div class="stat"><span class="stat-label">Plan</span><span class="stat-value plan-name">${account.plan}${custom ? ' (custom)' : ''}</span></div>
        </div>
        <section aria-labelledby="chart-h">
          <h2 id="chart-h">Images processed per day, per key</h2>
          <p class="hint">What your plan counts: each image processed counts once, plates found or not, so a batch of 5 images counts 5.
          Rejected uploads (invalid or too large images), requests without a valid key and our own errors are not counted. Days are UTC.
          The same numbers: <code>GET /api/v1/statistics</code>.</p>
          ${usageChart(days, series)}
          <details>
            <summary>Show the numbers</summary>
            ${tableWrap('Images processed per day per key', html`<table class="usage-table">
              <caption class="visually-hidden">Images processed per day per key</caption>
              <thead><tr><th scope="col">Day</th>${series.map((s, i) => html`<th scope="col"><svg class="swatch" width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${seriesColour(i)}" /></svg> ${s.label}</th>`)}<th scope="col">Total</th></tr></thead>
              <tbody>
              ${days
                .map((d, i) => ({ d, i }))
                .reverse()
                .map(({ d, i }) => html`<tr><th scope="row">${formatDay(d)}</th>${series.map((s) => html`<td>${formatInt(s.counts[i] ?? 0)}</td>`)}<td>${formatInt(series.reduce((a, s) => a + (s.counts[i] ?? 0), 0))}</td></tr>`)}
              </tbody>
            </table>`)}
          </details>
        </section>
        <section aria-labelledby="window-h">
          <h2 id="window-h">Rate limit: this window</h2>
          <p>Your plan allows <strong>${describeLimit(limit)}</strong> for each key. Every API response carries
          <code>X-RateLimit-Limit</code>, <code>X-RateLimit-Remaining</code> and <code>X-RateLimit-Reset</code>; over the limit the API answers <code>429 RATE_LIMIT_EXCEEDED</code>.</p>
          ${windows.length === 0
            ? html`<p class="empty">No active keys. <a href="/settings/api-keys">Create one</a>.</p>`
            : html`<div class="table-wrap"><table class="window-table cards">
              <caption class="visually-hidden">Current rate-limit window per active key</caption>
              <thead><tr><th scope="col">Key</th><th scope="col">Limit</th><th scope="col">Remaining</th><th scope="col">Window resets</th></tr></thead>
              <tbody>
              ${windows.map(({ key, state }) => html`<tr data-key-prefix="${key.prefix}">
                <th scope="row">${key.name} <code>${key.prefix}…</code></th>
                <td data-label="Limit">${formatInt(state.limit)}</td>
                <td data-label="Remaining"><meter min="0" max="${state.limit}" value="${state.remaining}" aria-hidden="true"></meter> <span data-testid="remaining">${formatInt(state.remaining)}</span></td>
                <td data-label="Window resets">${state.remaining === state.limit ? 'not started' : formatTime(new Date(state.resetAt * 1000))}</td>
              </tr>`)}
              </tbody></table></div>`}
        </section>
        <section aria-labelledby="plans-h">
          <h2 id="plans-h">Plans</h2>
          <div class="table-wrap"><table class="plans">
            <caption class="visually-hidden">Plans and their limits</caption>
            <thead><tr><th scope="col">Plan</th><th scope="col">Limit per key</th><th scope="col">Monthly quota</th><th scope="col"><span class="visually-hidden">Yours</span></th></tr></thead>
            <tbody>
            ${(Object.keys(PLAN_LIMITS) as PlanName[]).map((p) => html`<tr${p === account.plan ? html` class="current"` : ''}>
              <th scope="row">${p}</th><td>${describeLimit(PLAN_LIMITS[p])}${p === 'enterprise' ? ' (or custom limits)' : ''}</td>
              <td>${PLAN_MONTHLY_QUOTAS[p] === null ? 'none (or as agreed)' : `${formatInt(PLAN_MONTHLY_QUOTAS[p]!)} images`}</td>
              <td>${p === account.plan ? html`<span class="badge active">your plan${custom ? ', custom limits' : ''}</span>` : ''}</td></tr>`)}
            </tbody>
          </table></div>
          <h3>Need more?</h3>
          <ul>
            <li><strong>Another plan or custom limits:</strong> plans are changed by the people who run this service for you; there is no card payment here. Ask them for the plan you want (or for custom enterprise limits) and give them your account's email address, <strong>${user.email}</strong>. The new limits apply from your next request, and each key starts a fresh window.</li>
            <li><strong>Stay within your limit meanwhile:</strong> when you get <code>429 RATE_LIMIT_EXCEEDED</code>, wait the seconds the <code>Retry-After</code> header gives and send again; <a href="/docs/rate-limits">Rate limits</a> shows how.</li>
            <li><strong>Long-running work:</strong> send <code>?async=true</code> and poll the job (<a href="/docs/jobs">Async jobs</a>) instead of holding connections open.</li>
          </ul>
        </section>`,
    });
  });

  return router;
}
