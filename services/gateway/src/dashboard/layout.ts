import type { Request, Response } from 'express';
import { html, type SafeHtml } from './html';
import { csrfToken, currentUser, type SessionSettings } from './session';

export type Flash = { kind: 'ok' | 'error'; text: string | SafeHtml };

export type PageOptions = {
  title: string;
  /** Which navigation entry is highlighted. */
  active?: 'home' | 'keys' | 'usage' | 'webhooks' | 'try' | 'account' | 'docs';
  body: (ctx: { csrf: string }) => SafeHtml;
  flash?: Flash | null;
  /** Scripts to load: a bare name is a file in assets/, a path starting with '/' is used as it is. */
  scripts?: string[];
  /** Extra stylesheets (paths), after the dashboard's own. */
  styles?: string[];
  /** The API console (Swagger UI) sets style attributes from its scripts: its page allows inline styles. */
  inlineStyles?: boolean;
  status?: number;
  /** Pages showing a secret (a new API key) must never be cached or restored from history. */
  noStore?: boolean;
};

const NAV: { id: NonNullable<PageOptions['active']>; href: string; label: string; auth: boolean }[] = [
  { id: 'home', href: '/', label: 'Overview', auth: true },
  { id: 'keys', href: '/settings/api-keys', label: 'API keys', auth: true },
  { id: 'usage', href: '/usage', label: 'Usage & plan', auth: true },
  { id: 'webhooks', href: '/settings/webhooks', label: 'Webhooks', auth: true },
  { id: 'try', href: '/try', label: 'Try it', auth: true },
  { id: 'account', href: '/settings/account', label: 'Account', auth: true },
  { id: 'docs', href: '/docs', label: 'API docs', auth: false },
];

// Only our own files run; inline scripts and styles are refused (a stored XSS gets nowhere).
const CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export function securityHeaders(res: Response, opts: { inlineStyles?: boolean } = {}) {
  res.setHeader('Content-Security-Policy', opts.inlineStyles ? CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") : CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
}

/** Renders a full dashboard page (header, navigation, flash message, main content). */
export function renderPage(settings: SessionSettings, req: Request, res: Response, options: PageOptions) {
  const user = currentUser(res);
  const csrf = csrfToken(settings, req, res);
  const nav = NAV.filter((n) => !n.auth || user);
  securityHeaders(res, { inlineStyles: options.inlineStyles });
  res.setHeader('Cache-Control', options.noStore ? 'no-store' : 'private, no-cache');
  const flash = options.flash;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · NPR API</title>
<link rel="stylesheet" href="/assets/dashboard.css">
${(options.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <div class="wrap top-inner">
    <a class="brand" href="/">NPR&nbsp;API</a>
    <!-- shown by nav.js: on narrow screens the navigation folds behind it -->
    <button type="button" class="menu-toggle" aria-expanded="false" aria-controls="site-menu" hidden>Menu</button>
    <div class="site-menu" id="site-menu">
      <nav aria-label="Main">
        <ul>
          ${nav.map((n) => html`<li><a href="${n.href}"${n.id === options.active ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}
        </ul>
      </nav>
      <div class="who">
        ${user
          ? html`<span class="email" title="Signed in as ${user.email}">${user.email}</span>
            <form method="post" action="/logout"><input type="hidden" name="_csrf" value="${csrf}"><button class="link" type="submit">Log out</button></form>`
          : html`<a href="/login">Log in</a> <a class="button small" href="/signup">Sign up</a>`}
      </div>
    </div>
  </div>
</header>
<main id="main" class="wrap" tabindex="-1">
${flash ? html`<div class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${flash.text}</div>` : ''}
${options.body({ csrf })}
</main>
<footer class="wrap foot"><p>NPR API · <a href="/docs">Documentation</a> · <a href="/api/v1/openapi.json">OpenAPI 3.1</a></p></footer>
${['nav.js', ...(options.scripts ?? [])].map((s) => html`<script src="${s.startsWith('/') ? s : `/assets/${s}`}" defer></script>`)}
</body>
</html>`;
  res.status(options.status ?? 200).type('html').send(page.value);
}
