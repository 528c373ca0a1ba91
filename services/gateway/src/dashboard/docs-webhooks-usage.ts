// The docs pages on webhooks and on usage, statistics and quotas (served with the others by docs.routes.ts).
import { PLAN_LIMITS, PLAN_MONTHLY_QUOTAS, WEBHOOK_EVENTS, errorBody, type PlanName } from '@npr/contracts';
import {
  EXAMPLE_DELIVERY_BODY,
  EXAMPLE_PLATE_RECOGNIZER_STATISTICS,
  EXAMPLE_STATISTICS,
  EXAMPLE_WEBHOOK,
  RECEIVER_JAVASCRIPT,
  RECEIVER_PYTHON,
  REGISTER_JAVASCRIPT,
  REGISTER_PYTHON,
  STATISTICS_JAVASCRIPT,
  STATISTICS_PYTHON,
  VERIFY_JAVASCRIPT,
  VERIFY_PYTHON,
} from '../openapi/webhooks-and-usage-docs';
import { QUOTA_HEADERS } from '../openapi/api-docs-content';
import { codeBlock, codeSamples } from './components';
import { html, type SafeHtml } from './html';
import { formatInt } from './format';

const pretty = (v: unknown) => JSON.stringify(v, null, 2);
/** curl, Python and JavaScript samples with the API's base URL as the reader reaches it. */
const samples = (title: string, base: string, curl: string, python: string, javascript: string) =>
  codeSamples(title, { curl, python: python.replaceAll('{base}', base), javascript: javascript.replaceAll('{base}', base) });

export const WEBHOOK_AND_USAGE_PAGES: { slug: string; title: string; body: (base: string) => SafeHtml }[] = [
  {
    slug: 'webhooks',
    title: 'Webhooks',
    body: (base) => html`<p>Instead of polling a job, let the API call you: register a webhook URL and, when a job of your account ends,
      its result is POSTed there, the same JSON body <code>GET /api/v1/jobs/{id}</code> answers once the job is done.</p>
      <h2>Events</h2>
      <ul>
        <li><code>recognition.completed</code>: a single-image request ended with plates (the polling <code>status</code> is <code>completed</code>).</li>
        <li><code>recognition.failed</code>: a single-image request ended with an error, such as <code>NO_PLATES_FOUND</code> (<code>status: "failed"</code>).</li>
        <li><code>batch.completed</code>: every image of a batch is done (each entry has its own result or error).</li>
      </ul>
      <h2>Register a webhook</h2>
      <p>In the dashboard under <a href="/settings/webhooks">Settings → Webhooks</a>, or with the API. The answer carries the webhook's
      signing <code>secret</code> once; keep it (it is never shown again). Leave <code>events</code> out to get all of ${WEBHOOK_EVENTS.length}.</p>
      ${samples(
        'Register a webhook',
        base,
        `curl -X POST ${base}/webhooks \\
  -H "Authorization: Bearer YOUR_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"url": "https://example.com/npr-webhook", "events": ["recognition.completed", "batch.completed"]}'`,
        REGISTER_PYTHON,
        REGISTER_JAVASCRIPT,
      )}
      <p><strong>201 Created</strong></p>
      ${codeBlock(pretty({ success: true, webhook: EXAMPLE_WEBHOOK, secret: 'whsec_...' }))}
      <div class="table-wrap"><table><thead><tr><th scope="col">Request</th><th scope="col">What it does</th></tr></thead><tbody>
        <tr><td><code>GET /api/v1/webhooks</code></td><td>Your webhooks (never their secrets)</td></tr>
        <tr><td><code>GET /api/v1/webhooks/{id}</code></td><td>One webhook and its latest delivery attempts with their status codes</td></tr>
        <tr><td><code>POST /api/v1/webhooks/{id}/enable</code></td><td>Turn a disabled webhook back on</td></tr>
        <tr><td><code>DELETE /api/v1/webhooks/{id}</code></td><td>Delete it; pending deliveries to it are dropped</td></tr>
        <tr><td><code>POST /api/v1/webhooks/one-off-secret</code></td><td>Create (or replace) the secret of one-off <code>webhook_url</code> deliveries</td></tr>
      </tbody></table></div>
      <h2>A delivery</h2>
      <p><code>POST</code> to your URL with <code>Content-Type: application/json</code> and these headers:</p>
      <div class="table-wrap"><table><thead><tr><th scope="col">Header</th><th scope="col">Value</th></tr></thead><tbody>
        <tr><td><code>Npr-Signature</code></td><td><code>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "&lt;t&gt;.&lt;raw body&gt;" with your secret&gt;</code></td></tr>
        <tr><td><code>Npr-Event-Id</code></td><td>The same on every retry of an event (<code>evt_&lt;job id&gt;</code>): use it to ignore duplicates</td></tr>
        <tr><td><code>Npr-Event-Type</code></td><td><code>recognition.completed</code>, <code>recognition.failed</code> or <code>batch.completed</code></td></tr>
        <tr><td><code>Npr-Delivery-Attempt</code></td><td>1 on the first try, then 2, 3, ...</td></tr>
      </tbody></table></div>
      ${codeBlock(pretty(EXAMPLE_DELIVERY_BODY))}
      <h2>Verify the signature</h2>
      <p>Compute the HMAC over the <em>raw</em> body bytes (before any JSON parsing), compare in constant time, and refuse old timestamps
      so a captured delivery cannot be replayed later.</p>
      <h3>Python</h3>${codeBlock(VERIFY_PYTHON, { label: 'Verify a signature: Python' })}
      <h3>JavaScript</h3>${codeBlock(VERIFY_JAVASCRIPT, { label: 'Verify a signature: JavaScript' })}
      <h3>A receiver</h3>
      <h4>Python (Flask)</h4>${codeBlock(RECEIVER_PYTHON, { label: 'A receiver: Python' })}
      <h4>JavaScript (Express)</h4>${codeBlock(RECEIVER_JAVASCRIPT, { label: 'A receiver: JavaScript' })}
      <h2>Retries, duplicates and disabling</h2>
      <ul>
        <li>Any <code>2xx</code> answer is success. Anything else (including redirects), a timeout or a connection error is retried with
        exponential backoff (5 s, 10 s, 20 s, ... by default, for about a day).</li>
        <li>Deliveries are <strong>at least once</strong>: the same event can arrive twice. De-duplicate on <code>Npr-Event-Id</code>.
        Attempts of one event come one after another; different events may arrive in any order.</li>
        <li>After many failed attempts in a row the webhook is <strong>disabled</strong>; the dashboard says when and why, and
        <code>GET /api/v1/webhooks/{id}</code> has <code>disabled_reason</code>. Fix the receiver, then enable it again.</li>
        <li>Webhook URLs must be <code>http</code> or <code>https</code>. Deliveries never go to loopback, private, link-local or
        cloud-metadata addresses (checked after DNS resolution, and for redirects) unless the operator allows the host.</li>
      </ul>
      <h2>One-off webhook_url</h2>
      <p>A request may name its own URL in the field <code>webhook_url</code> (with <code>POST /api/v1/recognise</code> or
      <code>/batch</code>): its result is POSTed there when done, signed with your account's one-off secret (create it under
      <a href="/settings/webhooks">Settings → Webhooks</a> or with <code>POST /api/v1/webhooks/one-off-secret</code>; until then such
      requests are refused with <code>400</code>).</p>
      ${codeBlock(`curl -X POST "${base}/recognise?async=true" \\
  -H "Authorization: Bearer YOUR_API_KEY" \\
  -F "upload=@plate.jpg" \\
  -F "webhook_url=https://example.com/npr-webhook"`, { label: 'A one-off webhook_url' })}`,
  },
  {
    slug: 'usage',
    title: 'Usage & Quotas',
    body: (base) => html`<p>Usage is counted in <strong>images processed</strong>: each image the recogniser looked at counts once, whether
      it found plates or answered <code>NO_PLATES_FOUND</code>. A batch of five counts five. Rejected uploads (not an image, too large, too
      small), requests without a valid key, requests refused for limits and our own errors (5xx) are not counted.</p>
      <h2>Plans</h2>
      <div class="table-wrap"><table><thead><tr><th scope="col">Plan</th><th scope="col">Rate limit per key</th><th scope="col">Monthly quota (images)</th></tr></thead>
        <tbody>${(Object.keys(PLAN_LIMITS) as PlanName[]).map(
          (p) => html`<tr><td>${p}</td><td>${formatInt(PLAN_LIMITS[p].points)} per ${PLAN_LIMITS[p].windowSeconds} s</td><td>${PLAN_MONTHLY_QUOTAS[p] === null ? 'none, or as agreed' : formatInt(PLAN_MONTHLY_QUOTAS[p]!)}</td></tr>`,
        )}</tbody></table></div>
      <p>The quota is per account and per calendar month (UTC); it resets at 00:00 UTC on the first day of each month.</p>
      <h2><span class="method">GET</span> <code>/api/v1/statistics</code></h2>
      <p>Your account's images this month and today, per key, with the plan's limits and what is left.</p>
      ${samples('Usage statistics', base, `curl ${base}/statistics -H "Authorization: Bearer YOUR_API_KEY"`, STATISTICS_PYTHON, STATISTICS_JAVASCRIPT)}
      <p><strong>200 OK</strong></p>
      ${codeBlock(pretty(EXAMPLE_STATISTICS))}
      <p><code>monthly_quota</code> and <code>remaining</code> are <code>null</code> when the plan has no monthly cap.</p>
      <h2>Over the quota</h2>
      <p>Recognition answers carry the quota's headers when the plan has one:</p>
      <div class="table-wrap"><table><thead><tr><th scope="col">Header</th><th scope="col">Description</th></tr></thead>
        <tbody>${QUOTA_HEADERS.map((h) => html`<tr><td><code>${h.header}</code></td><td>${h.description}</td></tr>`)}</tbody></table></div>
      <p>A request with more images than are left is refused whole with <code>429</code> and the code <code>QUOTA_EXCEEDED</code>
      (the per-minute limit's is <code>RATE_LIMIT_EXCEEDED</code>); <code>Retry-After</code> says how long until the month resets.</p>
      ${codeBlock(pretty(errorBody('QUOTA_EXCEEDED', 'Monthly quota of 2500 images used up; it resets at 2027-01-01T00:00:00.000Z. Upgrade the plan for more.')))}
      <h2>Plate Recognizer clients</h2>
      <p><code>GET /v1/statistics/</code> answers the same numbers in Plate Recognizer's shape, with <code>Authorization: Token YOUR_API_KEY</code>
      (<code>total_calls</code> is the month's allowance, <code>null</code> without a cap):</p>
      ${codeBlock(`curl ${base.replace(/\/api\/v1$/, '')}/v1/statistics/ -H "Authorization: Token YOUR_API_KEY"`, { label: "Plate Recognizer's statistics" })}
      ${codeBlock(pretty(EXAMPLE_PLATE_RECOGNIZER_STATISTICS))}`,
  },
];
