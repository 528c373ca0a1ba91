// The public documentation, served by the running service: the guide pages (the same text as the
// published docs; tables and examples come from api-docs-content.ts and the contracts) and an
// interactive console (Swagger UI) on the OpenAPI document at /api/v1/openapi.json.
import { Router, type Request } from 'express';
import swaggerUi from 'swagger-ui-express';
import {
  DOCS_BASE_URL,
  DOCUMENTED_ERROR_CODES,
  ERROR_CODE_DESCRIPTIONS,
  ERROR_STATUS,
  EXAMPLE_ERROR,
  EXAMPLE_RECOGNISE_RESPONSE,
  IMAGE_REQUIREMENTS,
  MAX_BATCH,
  RATE_LIMIT_HEADERS,
  STATUS_CODES,
  VEHICLE_FIELDS,
} from '../openapi/api-docs-content';
import { origin, pageRenderer, type DashboardContext } from './context';
import { IMAGE_INPUTS_DOC_PAGE } from './docs-image-inputs';
import { PLATE_RECOGNIZER_DOC_PAGE } from './docs-plate-recognizer';
import { html, type SafeHtml } from './html';

export type DocPage = { slug: string; title: string; body: (base: string) => SafeHtml };

const curlRecognise = (base: string) => `curl -X POST ${base}/recognise \\
  -H "Authorization: Bearer YOUR_API_KEY" \\
  -F "upload=@plate.jpg"`;
const curlBatch = (base: string) => `curl -X POST ${base}/batch \\
  -H "Authorization: Bearer YOUR_API_KEY" \\
  -F "images[]=@plate1.jpg" \\
  -F "images[]=@plate2.jpg" \\
  -F "images[]=@plate3.jpg"`;
const pretty = (v: unknown) => JSON.stringify(v, null, 2);

const thisServer = (base: string) =>
  base === DOCS_BASE_URL ? '' : html`<p class="note">On this server the base URL is <code>${base}</code>.</p>`;

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
      <pre class="code">${curlRecognise(DOCS_BASE_URL)}</pre>
      ${thisServer(base)}`,
  },
  {
    slug: 'authentication',
    title: 'Authentication',
    body: () => html`<p>All API requests require authentication via an API key. Include your key in the Authorization header as a Bearer token.</p>
      <h3>Authorization Header</h3>
      <pre class="code">Authorization: Bearer your-api-key-here</pre>
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
      <pre class="code">${DOCS_BASE_URL}</pre>
      ${thisServer(base)}
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
    body: () => html`<p>The recognition endpoint processes an image and returns detected number plates along with confidence scores and bounding box coordinates.</p>
      <h2><span class="method">POST</span> <code>/api/v1/recognise</code></h2>
      <p>Submit an image for number plate recognition.</p>
      <h3>Request Parameters</h3>
      <div class="table-wrap"><table><thead><tr><th scope="col">Parameter</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
        <tbody><tr><td><code>upload</code></td><td>file or string</td><td>The image file to process, or the image as a base64 string (a form field or JSON)</td></tr>
        <tr><td><code>upload_url</code> (instead of <code>upload</code>)</td><td>string</td><td>An http(s) URL the server fetches the image from (public addresses only; the same size, format and resolution rules): see <a href="/docs/image-inputs">Images by URL or base64</a></td></tr>
        <tr><td><code>camera_id</code>, <code>timestamp</code> (optional)</td><td>string</td><td>Echoed in the answer; <code>timestamp</code> in ISO 8601</td></tr>
        <tr><td><code>threshold_detection</code>, <code>threshold_read</code> (optional)</td><td>number</td><td>0 to 1: leave out plates detected or read with less confidence</td></tr>
        <tr><td><code>regions</code> (optional)</td><td>string</td><td>Expected regions, two-letter codes separated by commas (e.g. <code>gb,ie</code>)</td></tr>
        <tr><td><code>top_n</code> (optional)</td><td>integer</td><td>Alternative readings per plate, 1 to 10</td></tr></tbody></table></div>
      <h3>Response</h3>
      <p><strong>200 OK</strong></p>
      <pre class="code">${pretty(EXAMPLE_RECOGNISE_RESPONSE)}</pre>
      <p>Send <code>?async=true</code> (or <code>Prefer: respond-async</code>) to get <code>202</code> with a job URL at once and poll <code>GET /api/v1/jobs/{id}</code>; a request that takes longer than the server's bound also answers <code>202</code>.</p>`,
  },
  {
    slug: 'batch',
    title: 'Batch Processing',
    body: () => html`<p>For processing multiple images at once, use the batch endpoint. Upload several images in a single request and receive results for all of them.</p>
      <h2><span class="method">POST</span> <code>/api/v1/batch</code></h2>
      <p>Submit multiple images for recognition in a single request.</p>
      <h3>Example Request</h3>
      <pre class="code">${curlBatch(DOCS_BASE_URL)}</pre>
      <h3>Response</h3>
      <p>The batch response returns an array of results, one per image submitted. Each entry follows the same format as the single recognition response.</p>
      <p class="note">Batch requests support up to ${MAX_BATCH} images per request. For larger volumes, split across multiple requests.</p>`,
  },
  {
    slug: 'vehicles',
    title: 'Vehicles',
    body: () => html`<p>When a plate is recognised, the API automatically looks up associated vehicle data where available. This includes the vehicle make, colour, year, and more.</p>
      <h2>Vehicle Object</h2>
      <div class="table-wrap"><table><thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
        <tbody>${VEHICLE_FIELDS.map((f) => html`<tr><td><code>${f.field}</code></td><td>${f.type}</td><td>${f.description}</td></tr>`)}</tbody></table></div>
      <p class="note">Vehicle data availability varies by region. UK plates have the most comprehensive coverage.</p>
      <p>A field the source does not know is <code>null</code>; <code>vehicle</code> is <code>null</code> when no data was found.</p>`,
  },
  {
    slug: 'errors',
    title: 'Error Handling',
    body: () => html`<p>The API uses standard HTTP status codes to indicate success or failure. All error responses include a JSON body with details.</p>
      <h3>Error Response Format</h3>
      <pre class="code">${pretty(EXAMPLE_ERROR)}</pre>
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
    body: () => html`<p>API requests are rate-limited based on your plan. Rate limit information is included in the response headers of every request.</p>
      <h2>Response Headers</h2>
      <div class="table-wrap"><table><thead><tr><th scope="col">Header</th><th scope="col">Description</th></tr></thead>
        <tbody>${RATE_LIMIT_HEADERS.map((h) => html`<tr><td><code>${h.header}</code></td><td>${h.description}</td></tr>`)}</tbody></table></div>
      <p>When you exceed the rate limit, the API responds with a <code>429</code> status code. Wait until the reset timestamp before retrying.</p>
      <p>Each image counts once: a batch of five images uses five requests of the window. Your plan and what is left of the current window are on <a href="/usage">Usage &amp; plan</a>.</p>
      <p class="note">Need higher limits? Upgrade your plan or contact us for custom enterprise limits.</p>`,
  },
  IMAGE_INPUTS_DOC_PAGE,
  PLATE_RECOGNIZER_DOC_PAGE,
];

export function docsRoutes(ctx: DashboardContext): Router {
  const router = Router();
  const render = pageRenderer(ctx);

  const sidebar = (current: string) => html`<nav class="docs-nav" aria-label="Documentation">
    <ul>
      ${DOC_PAGES.map((p) => html`<li><a href="/docs${p.slug ? `/${p.slug}` : ''}"${p.slug === current ? html` aria-current="page"` : ''}>${p.title}</a></li>`)}
      <li><a href="/docs/console/">API console (try it)</a></li>
      <li><a href="/api/v1/openapi.json">OpenAPI 3.1 (JSON)</a></li>
    </ul>
  </nav>`;

  for (const page of DOC_PAGES) {
    router.get(`/docs${page.slug ? `/${page.slug}` : ''}`, (req: Request, res) =>
      render(req, res, {
        title: page.title,
        active: 'docs',
        body: () => html`<div class="docs">
          ${sidebar(page.slug)}
          <article class="docs-body"><h1>${page.title}</h1>${page.body(`${origin(ctx, req)}/api/v1`)}</article>
        </div>`,
      }),
    );
  }

  // Swagger UI's own page (it needs its inline styles, so it does not get the dashboard's CSP)
  // Swagger UI's page loads its files relative to itself, so it must be served at /docs/console/
  router.get('/docs/console', (req, res, next) => (req.originalUrl.split('?')[0]!.endsWith('/') ? next() : res.redirect(301, '/docs/console/')));
  router.use(
    '/docs/console',
    swaggerUi.serveFiles(undefined, { swaggerOptions: { url: '/api/v1/openapi.json' } }),
    swaggerUi.setup(undefined, {
      customSiteTitle: 'NPR API console',
      customCss: '.swagger-ui .topbar { display: none }',
      swaggerOptions: { url: '/api/v1/openapi.json', tryItOutEnabled: true, persistAuthorization: false, displayRequestDuration: true },
    }),
  );

  return router;
}
