// The web dashboard (issue 5): accounts, API keys, usage and plan, webhooks, "try it", and the docs.
// Server-rendered HTML, a little vanilla JS, no build step.
import path from 'node:path';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { AppError } from '@npr/contracts';
import type { PrismaClient } from '@npr/db';
import type { Logger } from '@npr/runtime';
import { accountLimit, type RateLimiter } from '../rate-limiter';
import { accountRoutes } from './account.routes';
import { apiKeysRoutes, keyStatus } from './api-keys.routes';
import { authRoutes } from './auth.routes';
import { codeBlock } from './components';
import { DEFAULT_AUTH_LIMITS, origin, pageRenderer, type AuthLimits, type DashboardContext } from './context';
import { docsRoutes } from './docs.routes';
import { html } from './html';
import { describeLimit, formatInt } from './format';
import { loadSession, currentUser, memoryRevokedSessions, type RevokedSessions } from './session';
import { tryItRoutes } from './try-it.routes';
import { usageRoutes } from './usage.routes';
import { webhooksRoutes } from './webhooks.routes';

/** What the operator configures (SESSION_SECRET etc.); the rest comes from the gateway's own dependencies. */
export type DashboardOptions = {
  /** HMAC key for session JWTs and CSRF tokens: the same on every replica, at least 32 characters. */
  sessionSecret: string;
  sessionTtlSeconds?: number;
  /** 'auto' (default): Secure cookies when the request arrived over HTTPS (behind a proxy: set trustProxy). */
  secureCookies?: boolean | 'auto';
  authLimits?: Partial<AuthLimits>;
  /** Where logged-out sessions are remembered (Redis, so every replica refuses them); default: this process. */
  revokedSessions?: RevokedSessions;
};

export type DashboardDeps = DashboardOptions & {
  prisma: PrismaClient;
  limiter: RateLimiter;
  logger: Logger;
  now: () => Date;
  publicBaseUrl?: string;
  checkWebhookUrl: (url: string) => Promise<void>;
};

export const DEFAULT_SESSION_TTL_SECONDS = 7 * 24 * 3600;
const ASSETS_DIR = path.join(__dirname, 'assets');

export type Dashboard = {
  /** Mount at `/`. */
  router: Router;
  /** The "page not found" page with the site's navigation, for browsers asking for a page that does not exist. */
  notFoundPage: RequestHandler;
};

/** Builds the dashboard: its router and its page for unknown addresses. */
export function createDashboard(deps: DashboardDeps): Dashboard {
  if (deps.sessionSecret.length < 32) throw new Error('The dashboard session secret must be at least 32 characters');
  const ctx: DashboardContext = {
    prisma: deps.prisma,
    limiter: deps.limiter,
    now: deps.now,
    publicBaseUrl: deps.publicBaseUrl,
    checkWebhookUrl: deps.checkWebhookUrl,
    session: {
      secret: deps.sessionSecret,
      ttlSeconds: deps.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS,
      secureCookies: deps.secureCookies ?? 'auto',
      revoked: deps.revokedSessions ?? memoryRevokedSessions(),
    },
    authLimits: { ...DEFAULT_AUTH_LIMITS, ...deps.authLimits },
  };
  const render = pageRenderer(ctx);
  const router = Router();

  router.use('/assets', express.static(ASSETS_DIR, { maxAge: '1h', index: false, fallthrough: false }));
  // browsers ask for /favicon.ico on pages that name no icon (JSON answers, the raw OpenAPI document)
  router.get('/favicon.ico', (_req, res) => res.redirect(301, '/assets/favicon.svg'));
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
  router.use(loadSession(ctx.session, ctx.prisma));

  router.get('/', async (req, res) => {
    const user = currentUser(res);
    if (!user) {
      return render(req, res, {
        title: 'Number plate recognition API',
        active: 'home',
        body: () => html`<section class="hero">
          <h1>Number plate recognition, one HTTP request away</h1>
          <p class="lead">Upload a photo; get every plate's reading, confidence, region, bounding box and vehicle data as JSON.</p>
          <p class="actions"><a class="button" href="/signup">Create a free account</a> <a class="button secondary" href="/docs">Read the docs</a></p>
        </section>
        <section class="card">
          <h2>Quick start</h2>
          <ol class="steps">
            <li>Create an account and go to Settings → API Keys</li>
            <li>Generate a new API key</li>
            <li>Make your first recognition request using the key</li>
          </ol>
          ${codeBlock(`curl -X POST ${origin(ctx, req)}/api/v1/recognise \\\n  -H "Authorization: Bearer YOUR_API_KEY" \\\n  -F "upload=@plate.jpg"`, { label: 'curl command' })}
        </section>`,
      });
    }
    const now = ctx.now();
    const account = await ctx.prisma.account.findUniqueOrThrow({ where: { id: user.accountId } });
    const keys = await ctx.prisma.apiKey.findMany({ where: { accountId: user.accountId } });
    const activeKeys = keys.filter((k) => keyStatus(k, now) === 'active');
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const usedToday = await ctx.prisma.usageDay.aggregate({ _sum: { requests: true }, where: { apiKey: { accountId: user.accountId }, day: today } });
    const used = keys.some((k) => k.lastUsedAt);
    render(req, res, {
      title: 'Overview',
      active: 'home',
      body: () => html`<h1>Overview</h1>
        <div class="stats">
          <div class="stat"><span class="stat-label">Active keys</span><span class="stat-value">${activeKeys.length}</span></div>
          <div class="stat"><span class="stat-label">Images processed today (UTC)</span><span class="stat-value">${formatInt(usedToday._sum.requests ?? 0)}</span></div>
          <div class="stat"><span class="stat-label">Plan</span><span class="stat-value plan-name">${account.plan}</span><span class="stat-note">${describeLimit(accountLimit(account))} per key</span></div>
        </div>
        <section class="card">
          <h2>Get started</h2>
          <ol class="checklist">
            <li class="${keys.length ? 'done' : ''}"><a href="/settings/api-keys">Create an API key</a> in Settings → API Keys${keys.length ? html`<span class="done-mark">✓ done</span>` : ''}</li>
            <li class="${used ? 'done' : ''}"><a href="/try">Try it</a> with a photo, or send your first request with curl${used ? html`<span class="done-mark">✓ done</span>` : ''}</li>
            <li><a href="/usage">Watch your usage</a> and <a href="/docs">read the API reference</a></li>
          </ol>
        </section>`,
    });
  });

  router.use(authRoutes(ctx));
  router.use(accountRoutes(ctx));
  router.use(apiKeysRoutes(ctx));
  router.use(usageRoutes(ctx));
  router.use(webhooksRoutes(ctx));
  router.use(tryItRoutes(ctx));
  router.use(docsRoutes(ctx));

  // errors on dashboard pages are shown as pages (the API keeps its JSON error bodies)
  const pageErrors: ErrorRequestHandler = (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const status = err instanceof AppError ? err.status : typeof err?.status === 'number' && err.status < 500 ? err.status : 500;
    if (status >= 500) deps.logger.error({ err, requestId: res.locals.requestId, path: req.path }, 'dashboard error');
    render(req, res, {
      title: status === 404 ? 'Not found' : 'Something went wrong',
      status,
      body: () => html`<h1>${status === 404 ? 'Page not found' : status >= 500 ? 'Something went wrong' : 'That did not work'}</h1>
        <p>${status >= 500 ? html`Please try again. If it keeps happening, quote request id <code>${res.locals.requestId ?? ''}</code>.` : err instanceof AppError ? err.message : 'The request could not be handled.'}</p>
        <p><a href="/">Back to the dashboard</a></p>`,
    });
  };
  router.use(pageErrors);

  const loadUser = loadSession(ctx.session, ctx.prisma);
  const notFoundPage: RequestHandler = (req, res, next) => {
    const show = () =>
      render(req, res, {
        title: 'Page not found',
        status: 404,
        body: () => html`<h1>Page not found</h1>
          <p>There is no page at <code>${req.path}</code>. It may have moved, or the address may be mistyped.</p>
          <ul>
            <li><a href="/">Home</a>: ${currentUser(res) ? 'your overview' : 'what the API does and how to start'}</li>
            <li><a href="/docs">API docs</a>: every endpoint, with examples</li>
            ${currentUser(res) ? html`<li><a href="/settings/api-keys">API keys</a> and <a href="/usage">Usage &amp; plan</a></li>` : html`<li><a href="/login">Log in</a> or <a href="/signup">create an account</a></li>`}
          </ul>`,
      });
    // the request went through the dashboard's router already (mounted at /) unless it was mounted elsewhere
    if (res.locals.cookies !== undefined) return show();
    loadUser(req, res, (err?: unknown) => (err ? next(err) : show()));
  };
  return { router, notFoundPage };
}
