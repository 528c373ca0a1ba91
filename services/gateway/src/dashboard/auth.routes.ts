// Sign up, log in, log out. Messages never say whether an email address has an account at login;
// both forms are rate-limited per client IP and per email address.
import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '@npr/contracts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, ensureUser, hashPassword, passwordProblem, verifyPassword } from '@npr/db';
import { pageRenderer, requireCsrf, type DashboardContext } from './context';
import { html, type SafeHtml } from './html';
import { currentUser, endSession, revokeSession, startSession } from './session';

type FieldErrors = { email?: string; password?: string };

const EmailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email());
const LOGIN_FAILED = 'Email or password is incorrect.';

/** Only local paths: an attacker's ?next=https://evil.example must not become a redirect. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

const emailKey = (email: string) => createHash('sha256').update(email).digest('hex').slice(0, 32);

function tooMany(err: unknown): { retryAfter: string } | null {
  if (err instanceof AppError && err.code === 'RATE_LIMIT_EXCEEDED') return { retryAfter: err.headers?.['Retry-After'] ?? '60' };
  return null;
}

const waitText = (seconds: string) => {
  const s = Number(seconds);
  return s >= 120 ? `${Math.ceil(s / 60)} minutes` : `${s} seconds`;
};

export function authRoutes(ctx: DashboardContext): Router {
  const router = Router();
  const render = pageRenderer(ctx);
  const csrf = requireCsrf(ctx);

  function credentialsForm(
    req: Request,
    res: Response,
    kind: 'login' | 'signup',
    opts: { email?: string; error?: string | SafeHtml; fieldErrors?: FieldErrors; status?: number; note?: string } = {},
  ) {
    const isSignup = kind === 'signup';
    const errors = opts.fieldErrors ?? {};
    const problems = (Object.keys(errors) as (keyof FieldErrors)[]).filter((f) => errors[f]);
    // every field's problem at once, in a summary that links to each field and beside the field itself
    const summary = problems.length
      ? html`${problems.length === 1 ? 'Please correct this:' : 'Please correct these:'}<ul class="error-list">${problems.map((f) => html`<li><a href="#${f}">${errors[f]}</a></li>`)}</ul>`
      : undefined;
    const error = opts.error ?? summary;
    const invalid = (f: keyof FieldErrors) => (errors[f] ? html` aria-invalid="true"` : '');
    const fieldError = (f: keyof FieldErrors) => (errors[f] ? html`<p class="field-error" id="${f}-error">${errors[f]}</p>` : '');
    const describedBy = (f: keyof FieldErrors, hint?: string) => {
      const ids = [hint, errors[f] ? `${f}-error` : undefined].filter(Boolean).join(' ');
      return ids ? html` aria-describedby="${ids}"` : '';
    };
    const next = safeNext(req.query.next ?? (req.body as Record<string, unknown> | undefined)?.next);
    render(req, res, {
      title: isSignup ? 'Create your account' : 'Log in',
      status: opts.status,
      flash: error ? { kind: 'error', text: error } : opts.note ? { kind: 'ok', text: opts.note } : null,
      body: ({ csrf }) => html`<div class="narrow">
        <h1>${isSignup ? 'Create your account' : 'Log in'}</h1>
        ${isSignup ? html`<p class="lead">Free plan: 60 images a minute per key. No card needed.</p>` : ''}
        <form method="post" action="/${kind}" class="stack card" novalidate>
          <input type="hidden" name="_csrf" value="${csrf}">
          <input type="hidden" name="next" value="${next}">
          <div class="field">
            <label for="email">Email address</label>
            <input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="${opts.email ?? ''}"${invalid('email')}${describedBy('email')}${opts.email && !errors.email ? '' : html` autofocus`}>
            ${fieldError('email')}
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" required
              autocomplete="${isSignup ? 'new-password' : 'current-password'}"
              ${isSignup ? html`minlength="${PASSWORD_MIN_LENGTH}"` : ''}${describedBy('password', isSignup ? 'password-hint' : undefined)}${invalid('password')} maxlength="${PASSWORD_MAX_LENGTH}"${opts.email && !errors.email ? html` autofocus` : ''}>
            ${isSignup ? html`<p class="hint" id="password-hint">At least ${PASSWORD_MIN_LENGTH} characters. A passphrase is easiest.</p>` : ''}
            ${fieldError('password')}
          </div>
          <button type="submit" class="button">${isSignup ? 'Create account' : 'Log in'}</button>
        </form>
        <p>${isSignup ? html`Already have an account? <a href="/login">Log in</a>` : html`New here? <a href="/signup">Create an account</a>`}</p>
      </div>`,
    });
  }

  router.get('/signup', (req, res) => (currentUser(res) ? res.redirect(303, '/') : credentialsForm(req, res, 'signup')));
  router.get('/login', (req, res) => {
    if (currentUser(res)) return res.redirect(303, safeNext(req.query.next));
    credentialsForm(req, res, 'login', { note: req.query.bye !== undefined ? 'You have been logged out.' : undefined });
  });

  router.post('/signup', csrf, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const rawEmail = typeof body.email === 'string' ? body.email : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const parsed = EmailSchema.safeParse(rawEmail);
    const problem = passwordProblem(password, parsed.success ? parsed.data : rawEmail);
    if (!parsed.success || problem) {
      const fieldErrors: FieldErrors = {
        email: parsed.success ? undefined : 'Enter a valid email address, like name@example.com.',
        password: problem ? `Choose another password: ${problem}` : undefined,
      };
      return credentialsForm(req, res, 'signup', { email: rawEmail, fieldErrors, status: 400 });
    }
    const email = parsed.data;
    try {
      await ctx.limiter.consume(`dash:signup:ip:${req.ip}`, ctx.authLimits.signupPerIp, 1);
      await ctx.limiter.consume(`dash:signup:email:${emailKey(email)}`, ctx.authLimits.signupPerEmail, 1);
    } catch (err) {
      const limited = tooMany(err);
      if (!limited) throw err;
      res.setHeader('Retry-After', limited.retryAfter);
      return credentialsForm(req, res, 'signup', { email, error: `Too many attempts. Wait ${waitText(limited.retryAfter)} and try again.`, status: 429 });
    }

    const passwordHash = await hashPassword(password);
    const { user, created } = await ensureUser(ctx.prisma, { email });
    if (!created) {
      // Without email verification a sign-up cannot hide that the address is taken; it never says
      // more than that, and the per-IP limit keeps probing slow.
      return credentialsForm(req, res, 'signup', {
        email,
        error: html`We could not create an account with this email address. If you already have one, <a href="/login">log in</a>.`,
        status: 400,
      });
    }
    const saved = await ctx.prisma.user.update({ where: { id: user.id }, data: { passwordHash } });
    startSession(ctx.session, req, res, saved);
    res.redirect(303, '/settings/api-keys?welcome=1');
  });

  router.post('/login', csrf, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const rawEmail = typeof body.email === 'string' ? body.email : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const email = rawEmail.trim().toLowerCase().slice(0, 254);
    // failures count per address *and* client: guessing from one place stops that place, while the
    // owner elsewhere can still log in (a per-address lock would let anyone lock an owner out)
    const failureKey = `dash:login:email:${emailKey(email)}:ip:${req.ip}`;
    try {
      await ctx.limiter.consume(`dash:login:ip:${req.ip}`, ctx.authLimits.loginPerIp, 1);
      const failures = await ctx.limiter.peek(failureKey, ctx.authLimits.loginFailuresPerEmail);
      if (failures.remaining <= 0) {
        throw new AppError('RATE_LIMIT_EXCEEDED', 'login failures', { headers: { 'Retry-After': String(Math.ceil(failures.msBeforeReset / 1000)) } });
      }
    } catch (err) {
      const limited = tooMany(err);
      if (!limited) throw err;
      res.setHeader('Retry-After', limited.retryAfter);
      return credentialsForm(req, res, 'login', { email, error: `Too many attempts. Wait ${waitText(limited.retryAfter)} and try again.`, status: 429 });
    }

    const user = email ? await ctx.prisma.user.findUnique({ where: { email } }) : null;
    const ok = password.length > 0 && password.length <= PASSWORD_MAX_LENGTH && (await verifyPassword(user?.passwordHash, password));
    if (!user || !ok) {
      await ctx.limiter.consume(failureKey, ctx.authLimits.loginFailuresPerEmail, 1).catch((err) => {
        if (!tooMany(err)) throw err;
      });
      return credentialsForm(req, res, 'login', { email: rawEmail, error: LOGIN_FAILED, status: 401 });
    }
    startSession(ctx.session, req, res, user);
    res.redirect(303, safeNext(body.next));
  });

  router.post('/logout', csrf, async (req, res) => {
    await revokeSession(ctx.session, res);
    endSession(ctx.session, req, res);
    res.redirect(303, '/login?bye');
  });

  return router;
}
