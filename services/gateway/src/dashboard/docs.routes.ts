// The public documentation, served by the running service: the guide pages (the same text as the
// published docs; tables and examples come from api-docs-content.ts and the contracts, code samples
// from docs-samples.ts) and an interactive console (Swagger UI) on the OpenAPI document at
// /api/v1/openapi.json. Every example names the base URL the reader reached (or PUBLIC_BASE_URL).
// A new page is one more entry in DOC_PAGES.
import path from 'node:path';
import express, { Router, type Request } from 'express';
import { errorBody } from '@npr/contracts';
import {
  DOCUMENTED_ERROR_CODES,
  ERROR_CODE_DESCRIPTIONS,
  ERROR_STATUS,
  EXAMPLE_BATCH_RESPONSE,
  EXAMPLE_CAMERA_ONLY_VEHICLE,
  EXAMPLE_ERROR,
  EXAMPLE_JOB_COMPLETED,
  EXAMPLE_RECOGNISE_RESPONSE,
  IMAGE_REQUIREMENTS,
  MAX_BATCH,
  PLAN_LIMITS,
  RATE_LIMIT_HEADERS,
  RESULT_FIELDS,
  RETRY_AFTER_DESCRIPTION,
  STATUS_CODES,
  VEHICLE_FIELDS,
  exampleJobAccepted,
  exampleJobProcessing,
} from '../openapi/api-docs-content';
import { rateLimitExceeded } from '../rate-limiter';
import { codeBlock, codeSamples as samples } from './components';
import { origin, pageRenderer, type DashboardContext } from './context';
import { asyncSamples, batchSamples, recogniseSamples, retrySamples } from './docs-samples';
import { describeLimit } from './format';
import { IMAGE_INPUTS_DOC_PAGE } from './docs-image-inputs';
import { PLATE_RECOGNIZER_DOC_PAGE } from './docs-plate-recognizer';
import { WEBHOOK_AND_USAGE_PAGES } from './docs-webhooks-usage';
import { html, type SafeHtml } from './html';

/** A guide page: `body` gets the API's base URL as the reader reaches it (e.g. https://host/api/v1). */
export type DocPage = { slug: string; title: string; body: (base: string) => SafeHtml };

const pretty = (v: unknown) => JSON.stringify(v, null, 2);
const json = (v: unknown, label = 'Example response') => codeBlock(pretty(v), { label });

/** A 429 as the gateway writes it (the same function makes the real ones). */
function example429(): string {
  const refused = rateLimitExceeded({ limit: PLAN_LIMITS.free.points, remaining: 0, resetAt: 1_767_225_642, msBeforeReset: 42_000 });
  const headers = Object.entries(refused.headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  return ['HTTP/1.1 429 Too Many Requests', ...headers, '', pretty(errorBody(refused.code, refused.message))].join('\n');
}

const fieldTable = (rows: { field: string; type: string; description: string }[]) =>
  html`<div class="table-wrap"><table><thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
    <tbody>${rows.map((f) => html`<tr><td><code>${f.field}</code></td><td>${f.type}</td><td>${f.description}</td></tr>`)}</tbody></table></div>`;

export const DOC_PAGES: DocPage[] = [
  {
    slug: '',
    title: 'Getting Started',
    body: (base) => html`<p class="lead">Everything you need to integrate NPR API into your application.</p>
      <p>NPR API provides a simple REST API for number plate recognition. Upload an image containing a vehicle and receive structured data including the detected plate number, confidence score, and vehicle details.</p>
      <h2>Quick Start</h2>
      <ol>
        <li>Create an account and navigate to <a href="/settings/api-keys">Settings → API Keys</a></li>
        <li>Generate a new API key</li>
        <li>Make your first recognition request using the key</li>
      </ol>
      <h3>Example Request</h3>
      ${samples('Example request', recogniseSamples(base))}
      <p>The base URL of this server is <code>${base}</code>. The <a href="/docs/console/">API console</a> sends real requests from this page.</p>`,
  },
  {
    slug: 'authentication',
    title: 'Authentication',
    body: () => html`<p>All API requests require authentication via an API key. Include your key in the Authorization header as a Bearer token.</p>
      <h2>Authorization Header</h2>
      ${codeBlock('Authorization: Bearer your-api-key-here', { label: 'Authorization header' })}
      <h2>Managing API Keys</h2>
      <p>You can create and revoke API keys from your dashboard under <a href="/settings/api-keys">Settings → API Keys</a>. Each key can be given a descriptive name to help you identify its purpose.</p>
      <p class="warning">Keep your API keys secure. Never expose them in client-side code or public repositories.</p>
      <p>A missing, malformed, expired or revoked key gets <code>401</code> with the error code <code>INVALID_API_KEY</code>; a revoked key is refused from the next request on.</p>`,
  },
  {
    slug: 'requests',
    title: 'Making Requests',
    body: (base) => html`<p>The API accepts <code>multipart/form-data</code> requests with an image file. Supported image formats are JPEG, PNG, and WebP.</p>
      <h2>Base URL</h2>
      ${codeBlock(base, { label: 'Base URL' })}
      <h2>Request Headers</h2>
      <div class="table-wrap"><table><thead><tr><th scope="col">Header</th><th scope="col">Value</th><th scope="col">Required</th></tr></thead>
        <tbody><tr><td><code>Authorization</code></td><td><code>Bearer {api_key}</code></td><td>Yes</td></tr>
        <tr><td><code>Content-Type</code></td><td><code>multipart/form-data</code></td><td>Yes</td></tr></tbody></table></div>
      <h2>Image Requirements</h2>
      <ul>${IMAGE_REQUIREMENTS.map((r) => html`<li>${r}</li>`)}</ul>`,
  },
  {
    slug: 'recognise',
    title: 'Recognition API',
    body: (base) => html`<p>The recognition endpoint processes an image and returns detected number plates along with confidence scores and bounding box coordinates.</p>
      <h2><span class="method">POST</span> <code>/api/v1/recognise</code></h2>
      <p>Submit an image for number plate recognition.</p>
      <h3>Request Parameters</h3>
      <div class="table-wrap"><table><thead><tr><th scope="col">Parameter</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
        <tbody><tr><td><code>upload</code></td><td>file or string</td><td>The image file to process, or the image as a base64 string (a form field or JSON)</td></tr>
        <tr><td><code>upload_url</code> (instead of <code>upload</code>)</td><td>string</td><td>An http(s) URL the server fetches the image from (public addresses only; the same size, format and resolution rules): see <a href="/docs/image-inputs">Images by URL or base64</a></td></tr>
        <tr><td><code>camera_id</code>, <code>timestamp</code> (optional)</td><td>string</td><td>Echoed in the answer; <code>timestamp</code> in ISO 8601</td></tr>
        <tr><td><code>threshold_detection</code>, <code>threshold_read</code> (optional)</td><td>number</td><td>0 to 1: leave out plates detected or read with less confidence</td></tr>
        <tr><td><code>regions</code> (optional)</td><td>string</td><td>Expected regions, two-letter codes separated by commas (e.g. <code>gb,ie</code>)</td></tr>
        <tr><td><code>top_n</code> (optional)</td><td>integer</td><td>Alternative readings per plate in <code>candidates</code>, 1 to 10 (default 5)</td></tr>
        <tr><td><code>async</code> (optional)</td><td>boolean</td><td><code>true</code>: answer <code>202</code> with a job to poll at once (see <a href="/docs/jobs">Async jobs</a>)</td></tr></tbody></table></div>
      <h3>Example Request</h3>
      ${samples('Recognise a photo', recogniseSamples(base))}
      <h3>Response</h3>
      <p><strong>200 OK</strong>: one entry in <code>results</code> per plate found.</p>
      ${json(EXAMPLE_RECOGNISE_RESPONSE)}
      <h3>Result fields</h3>
      ${fieldTable(RESULT_FIELDS)}
      <p>No plate in the photo is <code>422 NO_PLATES_FOUND</code>, not an empty list. Fields may be added over time: ignore the ones you do not use.</p>
      <p>Send <code>?async=true</code> (or <code>Prefer: respond-async</code>) to get <code>202</code> with a job URL at once and poll it (<a href="/docs/jobs">Async jobs</a>); a request that takes longer than the server's bound also answers <code>202</code>.</p>`,
  },
  {
    slug: 'batch',
    title: 'Batch Processing',
    body: (base) => html`<p>For processing multiple images at once, use the batch endpoint. Upload several images in a single request and receive results for all of them.</p>
      <h2><span class="method">POST</span> <code>/api/v1/batch</code></h2>
      <p>Submit multiple images for recognition in a single request, in the repeated form field <code>images[]</code>.</p>
      <h3>Example Request</h3>
      ${samples('Recognise a batch', batchSamples(base))}
      <h3>Response</h3>
      <p>The batch response returns an array of results, one per image submitted. Each entry follows the same format as the single recognition response.</p>
      <p><strong>200 OK</strong> (here the second image had no plate: its entry is its own error, the others are unaffected)</p>
      ${json(EXAMPLE_BATCH_RESPONSE)}
      <p>Each image counts once towards your rate limit and usage: a batch of 3 counts 3. A batch that is over the limit as a whole is refused with <code>429</code> before any image is processed.</p>
      <p class="note">Batch requests support up to ${MAX_BATCH} images per request. For larger volumes, split across multiple requests.</p>`,
  },
  {
    slug: 'jobs',
    title: 'Async Jobs',
    body: (base) => html`<p>Any request to <code>/recognise</code> or <code>/batch</code> can run as a job: the API answers at once with a job URL, and you poll it for the result. Use it for large batches, slow networks, or to avoid holding a connection open.</p>
      <h2>Start a job</h2>
      <p>Add <code>?async=true</code> to the URL (or send the header <code>Prefer: respond-async</code>). The answer is <code>202 Accepted</code>, with the job URL in the body and in the <code>Location</code> header:</p>
      ${json(exampleJobAccepted(base), 'Example 202 response')}
      <p>A synchronous request that takes longer than the server waits answers the same way (with <code>"status": "processing"</code>), so a client should always handle <code>202</code>.</p>
      <h2><span class="method">GET</span> <code>/api/v1/jobs/{id}</code></h2>
      <p>Poll the job with the same API key (another account's job is <code>404 NOT_FOUND</code>). While it runs the answer is <code>200</code> with <code>status</code> <code>queued</code> or <code>processing</code>:</p>
      ${json(exampleJobProcessing(base), 'Example response while the job runs')}
      <p>When it is done, the answer is the body the synchronous call would have returned, with the status code it would have had, plus <code>job_id</code> and <code>status</code>: <code>completed</code>, or <code>failed</code> for a single image that failed (for example <code>422 NO_PLATES_FOUND</code>). A batch job completes with one entry per image, as <a href="/docs/batch">Batch Processing</a> shows.</p>
      ${json(EXAMPLE_JOB_COMPLETED, 'Example response when the job is done')}
      <h3>Polling</h3>
      <ul>
        <li>Poll every second or so; polling faster gets the result no sooner. Polling does not count towards your rate limit's images, only submitting does.</li>
        <li>Results are kept for a limited time (a day by default); poll within it.</li>
      </ul>
      ${samples('Submit and poll', asyncSamples(base))}`,
  },
  {
    slug: 'vehicles',
    title: 'Vehicles',
    body: () => html`<p>When a plate is recognised, the API automatically looks up associated vehicle data where available. This includes the vehicle make, colour, year, and more.</p>
      <h2>Vehicle Object</h2>
      ${fieldTable(VEHICLE_FIELDS)}
      <p class="note">Vehicle data availability varies by region. UK plates have the most comprehensive coverage.</p>
      <p>A field the source does not know is <code>null</code>; <code>vehicle</code> is <code>null</code> when no data was found.</p>
      <h2>The colour the camera saw</h2>
      <p>Each result may carry <code>observed_colour</code>, the body colour seen around the plate. When no source knows the vehicle, <code>vehicle</code> holds just that colour, marked <code>"source": "camera"</code> with its confidence; nothing else is guessed from the photo:</p>
      ${json(EXAMPLE_CAMERA_ONLY_VEHICLE, 'Example camera-only vehicle')}
      <p>When a source does know the colour, <code>colour_match</code> says whether the photo agrees; <code>false</code> can mean a cloned plate.</p>`,
  },
  {
    slug: 'errors',
    title: 'Error Handling',
    body: () => html`<p>The API uses standard HTTP status codes to indicate success or failure. All error responses include a JSON body with details.</p>
      <h2>Error Response Format</h2>
      ${json(EXAMPLE_ERROR, 'Example error response')}
      <h2>Status Codes</h2>
      <div class="table-wrap"><table><thead><tr><th scope="col">Code</th><th scope="col">Meaning</th></tr></thead>
        <tbody>${STATUS_CODES.map((s) => html`<tr><td>${s.status}</td><td>${s.meaning}</td></tr>`)}</tbody></table></div>
      <h2>Error Codes</h2>
      <div class="table-wrap"><table><thead><tr><th scope="col">Error Code</th><th scope="col">Status</th><th scope="col">Description</th></tr></thead>
        <tbody>${[...DOCUMENTED_ERROR_CODES, ...(Object.keys(ERROR_CODE_DESCRIPTIONS) as (keyof typeof ERROR_STATUS)[]).filter((c) => !DOCUMENTED_ERROR_CODES.includes(c))].map(
          (c) => html`<tr><td><code>${c}</code></td><td>${ERROR_STATUS[c]}</td><td>${ERROR_CODE_DESCRIPTIONS[c]}</td></tr>`,
        )}</tbody></table></div>`,
  },
  {
    slug: 'rate-limits',
    title: 'Rate Limits',
    body: (base) => html`<p>API requests are rate-limited based on your plan. Rate limit information is included in the response headers of every request.</p>
      <h2>Plan Limits</h2>
      <p>Limits are per API key, per window of 60 seconds, counted in images: each image counts once, so a batch of five images uses five.</p>
      <div class="table-wrap"><table><thead><tr><th scope="col">Plan</th><th scope="col">Limit per key</th></tr></thead>
        <tbody>${(Object.keys(PLAN_LIMITS) as (keyof typeof PLAN_LIMITS)[]).map((p) => html`<tr><td class="plan-name">${p}</td><td>${describeLimit(PLAN_LIMITS[p])}${p === 'enterprise' ? ' (or custom limits)' : ''}</td></tr>`)}</tbody></table></div>
      <p>Requests without a valid key are limited per client IP address at the free plan's rate. Your plan and what is left of each key's window are on <a href="/usage">Usage &amp; plan</a>.</p>
      <h2>Response Headers</h2>
      <div class="table-wrap"><table><thead><tr><th scope="col">Header</th><th scope="col">Description</th></tr></thead>
        <tbody>${RATE_LIMIT_HEADERS.map((h) => html`<tr><td><code>${h.header}</code></td><td>${h.description}</td></tr>`)}
        <tr><td><code>Retry-After</code></td><td>${RETRY_AFTER_DESCRIPTION}</td></tr></tbody></table></div>
      <h2>When you exceed the limit</h2>
      <p>The API responds with a <code>429</code> status code, the error code <code>RATE_LIMIT_EXCEEDED</code> and a <code>Retry-After</code> header: wait that many seconds (until the reset timestamp) before retrying. Nothing of a refused request is processed or counted.</p>
      ${codeBlock(example429(), { label: 'Example 429 response' })}
      ${samples('Retry after a 429', retrySamples(base))}
      <p>Besides the per-minute limit, plans have a monthly quota of images: see <a href="/docs/usage">Usage &amp; Quotas</a> (<code>429 QUOTA_EXCEEDED</code>, <code>X-Quota-*</code> headers).</p>
      <p class="note">Need higher limits? Plans and custom enterprise limits are set by the team that runs this service for you: ask them, with your account's email address.</p>`,
  },
  ...WEBHOOK_AND_USAGE_PAGES,
  IMAGE_INPUTS_DOC_PAGE,
  PLATE_RECOGNIZER_DOC_PAGE,
];

// Swagger UI's built files (from npm; no CDN)
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

export function docsRoutes(ctx: DashboardContext): Router {
  const router = Router();
  const render = pageRenderer(ctx);

  const sidebar = (current: string) => html`<nav class="docs-nav" aria-label="Documentation">
    <ul>
      ${DOC_PAGES.map((p) => html`<li><a href="/docs${p.slug ? `/${p.slug}` : ''}"${p.slug === current ? html` aria-current="page"` : ''}>${p.title}</a></li>`)}
      <li><a href="/docs/console/"${current === 'console/' ? html` aria-current="page"` : ''}>API console (try it)</a></li>
      <li><a href="/api/v1/openapi.json">OpenAPI 3.1 (JSON)</a></li>
    </ul>
  </nav>`;

  for (const page of DOC_PAGES) {
    router.get(`/docs${page.slug ? `/${page.slug}` : ''}`, (req: Request, res) =>
      render(req, res, {
        title: page.title,
        active: 'docs',
        scripts: ['samples.js'],
        body: () => html`<div class="docs">
          ${sidebar(page.slug)}
          <article class="docs-body"><h1>${page.title}</h1>${page.body(`${origin(ctx, req)}/api/v1`)}</article>
        </div>`,
      }),
    );
  }

  // The console: Swagger UI in the dashboard's own page (header, viewport, favicon). Swagger UI sets
  // style attributes from its script, so this page allows inline styles; scripts stay our own files.
  router.get('/docs/console', (req, res, next) => (req.originalUrl.split('?')[0]!.endsWith('/') ? next() : res.redirect(301, '/docs/console/')));
  router.get('/docs/console/', (req, res) =>
    render(req, res, {
      title: 'API console',
      active: 'docs',
      styles: ['/docs/console/swagger-ui.css'],
      scripts: ['/docs/console/swagger-ui-bundle.js', 'console.js'],
      inlineStyles: true,
      body: () => html`<div class="docs">
        ${sidebar('console/')}
        <article class="docs-body console">
          <h1>API console</h1>
          <p>Send real requests to <code>${origin(ctx, req)}/api/v1</code>: choose <strong>Authorize</strong>, paste one of your <a href="/settings/api-keys">API keys</a>, then <strong>Try it out</strong> on an endpoint. Requests count towards your usage like any other.</p>
          <div id="swagger-ui" data-spec-url="/api/v1/openapi.json"><p class="hint">Loading the console…</p></div>
        </article>
      </div>`,
    }),
  );
  router.use('/docs/console', express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h', fallthrough: false }));

  return router;
}
