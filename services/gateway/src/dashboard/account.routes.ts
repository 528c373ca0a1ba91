// Settings -> Account: change password, end every session.
import { Router, type Request, type Response } from 'express';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, hashPassword, passwordProblem, verifyPassword } from '@npr/db';
import { pageRenderer, requireCsrf, requireUser, type DashboardContext } from './context';
import { html } from './html';
import { currentUser, startSession } from './session';

export function accountRoutes(ctx: DashboardContext): Router {
  const router = Router();
  const render = pageRenderer(ctx);
  const csrf = requireCsrf(ctx);

  type PasswordField = 'current_password' | 'new_password' | 'confirm_password';
  function accountPage(req: Request, res: Response, flash?: { kind: 'ok' | 'error'; text: string }, status?: number, field?: PasswordField) {
    const user = currentUser(res)!;
    // the field a failed change is about: marked invalid, described by the message, focused
    const mark = (f: PasswordField) => (f === field ? html` aria-invalid="true" aria-errormessage="pw-error" autofocus` : '');
    render(req, res, {
      title: 'Account',
      active: 'account',
      status,
      // an error is shown in the form it is about (below), a success at the top
      flash: flash?.kind === 'ok' ? flash : undefined,
      body: ({ csrf }) => html`<h1>Account</h1>
        <p>Signed in as <strong>${user.email}</strong>.</p>
        <section class="card narrow-card" aria-labelledby="pw-title">
          <h2 id="pw-title">Change password</h2>
          ${flash?.kind === 'error' ? html`<div class="flash error" id="pw-error" role="alert">${flash.text}</div>` : ''}
          <form method="post" action="/settings/account" class="stack">
            <input type="hidden" name="_csrf" value="${csrf}">
            <div class="field">
              <label for="current_password">Current password</label>
              <input id="current_password" name="current_password" type="password" autocomplete="current-password" required maxlength="${PASSWORD_MAX_LENGTH}"${mark('current_password')}>
            </div>
            <div class="field">
              <label for="new_password">New password</label>
              <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN_LENGTH}" maxlength="${PASSWORD_MAX_LENGTH}" aria-describedby="new-hint"${mark('new_password')}>
              <p class="hint" id="new-hint">At least ${PASSWORD_MIN_LENGTH} characters. Changing it logs out every other browser.</p>
            </div>
            <div class="field">
              <label for="confirm_password">Confirm new password</label>
              <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required maxlength="${PASSWORD_MAX_LENGTH}"${mark('confirm_password')}>
            </div>
            <button class="button" type="submit">Change password</button>
          </form>
        </section>
        <section class="card narrow-card" aria-labelledby="sessions-title">
          <h2 id="sessions-title">Sessions</h2>
          <p>Log out of the dashboard on every browser and device, this one included. API keys keep working.</p>
          <form method="post" action="/settings/sessions/end-all">
            <input type="hidden" name="_csrf" value="${csrf}">
            <button class="button secondary" type="submit">Log out everywhere</button>
          </form>
        </section>`,
    });
  }

  router.get('/settings', requireUser(), (_req, res) => res.redirect(303, '/settings/api-keys'));
  router.get('/settings/account', requireUser(), (req, res) =>
    accountPage(req, res, req.query.changed !== undefined ? { kind: 'ok', text: 'Password changed. Other browsers have been logged out.' } : undefined),
  );

  // the form posts to its own page's address, so a failed change is shown on that page, with its error
  router.post('/settings/account', requireUser(), csrf, async (req, res) => {
    const user = currentUser(res)!;
    const body = req.body as Record<string, unknown>;
    const current = typeof body.current_password === 'string' ? body.current_password : '';
    const next = typeof body.new_password === 'string' ? body.new_password : '';
    const confirm = typeof body.confirm_password === 'string' ? body.confirm_password : '';
    const stored = await ctx.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    if (!(current.length <= PASSWORD_MAX_LENGTH && (await verifyPassword(stored.passwordHash, current)))) {
      return accountPage(req, res, { kind: 'error', text: 'Your current password is not correct. Nothing was changed.' }, 400, 'current_password');
    }
    const problem = passwordProblem(next, user.email);
    if (problem) return accountPage(req, res, { kind: 'error', text: `Choose another new password: ${problem} Nothing was changed.` }, 400, 'new_password');
    if (confirm !== next) {
      return accountPage(req, res, { kind: 'error', text: 'The two new passwords are not the same. Type the new password twice. Nothing was changed.' }, 400, 'confirm_password');
    }
    // a new session version ends every session issued before; this browser gets a fresh one
    const updated = await ctx.prisma.user.update({
      where: { id: user.id },
      data: { passwordHash: await hashPassword(next), sessionVersion: { increment: 1 } },
    });
    startSession(ctx.session, req, res, updated);
    res.redirect(303, '/settings/account?changed');
  });

  router.post('/settings/sessions/end-all', requireUser(), csrf, async (req, res) => {
    const user = currentUser(res)!;
    await ctx.prisma.user.update({ where: { id: user.id }, data: { sessionVersion: { increment: 1 } } });
    res.redirect(303, '/login?bye');
  });

  return router;
}
