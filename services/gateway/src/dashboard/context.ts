import type { RequestHandler } from 'express';
import type { PrismaClient } from '@npr/db';
import type { RateLimit, RateLimiter } from '../rate-limiter';
import { renderPage, type PageOptions } from './layout';
import { html } from './html';
import { csrfValid, currentUser, type SessionSettings } from './session';
import { publicOrigin } from '../public-url';

/** Limits on the account forms, per client IP and per email address (hashed), shared by every replica via Redis. */
export type AuthLimits = {
  loginPerIp: RateLimit;
  /** Failed logins per email address, whether or not an account has it (so the limit reveals nothing). */
  loginFailuresPerEmail: RateLimit;
  signupPerIp: RateLimit;
  signupPerEmail: RateLimit;
};

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  loginPerIp: { points: 30, windowSeconds: 15 * 60 },
  loginFailuresPerEmail: { points: 10, windowSeconds: 15 * 60 },
  signupPerIp: { points: 10, windowSeconds: 60 * 60 },
  signupPerEmail: { points: 5, windowSeconds: 60 * 60 },
};

export type DashboardContext = {
  prisma: PrismaClient;
  limiter: RateLimiter;
  now: () => Date;
  session: SessionSettings;
  authLimits: AuthLimits;
  /** Base URL shown in curl lines and the docs (default: see publicOrigin, never the Host header). */
  publicBaseUrl?: string;
  /** Refuses webhook URLs outbound calls may not reach (the SSRF guard). */
  checkWebhookUrl: (url: string) => Promise<void>;
};

export type Render = (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], options: PageOptions) => void;

export const pageRenderer = (ctx: DashboardContext): Render => (req, res, options) => renderPage(ctx.session, req, res, options);

/** Sends visitors without a session to the login page (and back here afterwards). */
export function requireUser(): RequestHandler {
  return (req, res, next) => {
    if (currentUser(res)) return next();
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  };
}

/** Refuses a state-changing request whose CSRF token is missing or wrong. */
export function requireCsrf(ctx: DashboardContext): RequestHandler {
  const render = pageRenderer(ctx);
  return (req, res, next) => {
    if (csrfValid(ctx.session, req, res)) return next();
    render(req, res, {
      title: 'Form expired',
      status: 403,
      body: () => html`<h1>This form has expired</h1>
        <p>For your security each form can only be sent from the page that showed it. Go back, reload the page and try again.</p>
        <p><a href="${req.originalUrl.startsWith('/') ? req.originalUrl : '/'}">Reload</a></p>`,
    });
  };
}

export const origin = (ctx: DashboardContext, req: Parameters<RequestHandler>[0]) => publicOrigin(req, ctx.publicBaseUrl);
