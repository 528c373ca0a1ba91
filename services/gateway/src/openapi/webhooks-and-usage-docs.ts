// The documentation's facts about webhooks, statistics and quotas: the /docs pages and the OpenAPI
// document read them, and unit tests run the verification snippets and parse the examples.
import type { PlateRecognizerStatistics, StatisticsResponse, WebhookView } from '@npr/contracts';
import { EXAMPLE_RECOGNISE_RESPONSE } from './api-docs-content';

export const EXAMPLE_JOB_ID = '0b6f3f5e-6c1a-4f2e-9a57-2f5d7c1e8a90';

export const EXAMPLE_WEBHOOK: WebhookView = {
  id: '5c7e2a10-93b4-4d8e-a1f6-0e2b8c4d9f31',
  url: 'https://example.com/npr-webhook',
  events: ['recognition.completed', 'batch.completed'],
  description: 'Barrier controller',
  enabled: true,
  disabled_reason: null,
  consecutive_failures: 0,
  created_at: '2026-12-02T09:30:00.000Z',
};

/** What a delivery's body is: exactly what polling the job answers once it is done. */
export const EXAMPLE_DELIVERY_BODY = { ...EXAMPLE_RECOGNISE_RESPONSE, job_id: EXAMPLE_JOB_ID, status: 'completed' };

export const EXAMPLE_STATISTICS: StatisticsResponse = {
  success: true,
  plan: { name: 'free', rate_limit: { images: 60, window_seconds: 60 }, monthly_quota: 2500 },
  month: { start: '2026-12-01', resets_at: '2027-01-01T00:00:00.000Z', images: 412, remaining: 2088 },
  today: { date: '2026-12-02', images: 37 },
  keys: [
    { id: '9d1c4b7e-2f3a-4e5d-8c6b-1a0f9e8d7c6b', name: 'Car park camera 3', prefix: 'npr_live_ab12cd34', revoked: false, month_images: 400, today_images: 37 },
    { id: '3e2d1c0b-9a8f-4e7d-a6c5-b4a3f2e1d0c9', name: 'Old script', prefix: 'npr_live_ef56gh78', revoked: true, month_images: 12, today_images: 0 },
  ],
};

export const EXAMPLE_PLATE_RECOGNIZER_STATISTICS: PlateRecognizerStatistics = {
  usage: { year: 2026, month: 12, calls: 412, resets_on: '2027-01-01T00:00:00Z' },
  total_calls: 2500,
};

/** Verifying `Npr-Signature` in Python (standard library only). */
export const VERIFY_PYTHON = `import hashlib
import hmac
import time


def verify_npr_signature(raw_body: bytes, header: str, secret: str, tolerance: int = 300) -> bool:
    """True when the Npr-Signature header was made with your secret for exactly this body, recently."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False  # missing, or too old: possibly a replay
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)`;

/** Verifying `Npr-Signature` in JavaScript (Node's crypto). */
export const VERIFY_JAVASCRIPT = `const crypto = require('node:crypto');

/** True when the Npr-Signature header was made with your secret for exactly this body, recently. */
function verifyNprSignature(rawBody, header, secret, toleranceSeconds = 300) {
  const parts = Object.fromEntries(String(header).split(',').map((item) => item.split('=', 2)));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || !parts.v1 || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = crypto.createHmac('sha256', secret).update(\`\${parts.t}.\`).update(rawBody).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}`;

export const RECEIVER_PYTHON = `# pip install flask
from flask import Flask, abort, request

app = Flask(__name__)
SECRET = "whsec_..."  # shown once when you added the webhook
seen = set()  # use your database: deliveries are at-least-once

@app.post("/npr-webhook")
def npr_webhook():
    if not verify_npr_signature(request.get_data(), request.headers.get("Npr-Signature", ""), SECRET):
        abort(400)
    event_id = request.headers["Npr-Event-Id"]
    if event_id not in seen:  # a retry of an event you already handled
        seen.add(event_id)
        result = request.get_json()
        print(request.headers["Npr-Event-Type"], result["job_id"], result.get("results"))
    return "", 204  # answer 2xx quickly; do slow work afterwards`;

export const RECEIVER_JAVASCRIPT = `// npm install express
const express = require('express');
const app = express();
const SECRET = 'whsec_...'; // shown once when you added the webhook
const seen = new Set(); // use your database: deliveries are at-least-once

// the raw bytes are what was signed: parse JSON only after verifying
app.post('/npr-webhook', express.raw({ type: 'application/json' }), (req, res) => {
  if (!verifyNprSignature(req.body, req.get('Npr-Signature'), SECRET)) return res.sendStatus(400);
  const eventId = req.get('Npr-Event-Id');
  if (!seen.has(eventId)) {
    seen.add(eventId);
    const result = JSON.parse(req.body);
    console.log(req.get('Npr-Event-Type'), result.job_id, result.results);
  }
  res.sendStatus(204); // answer 2xx quickly; do slow work afterwards
});
app.listen(8080);`;

export const STATISTICS_PYTHON = `import requests

stats = requests.get("{base}/statistics", headers={"Authorization": "Bearer YOUR_API_KEY"}).json()
print(f"{stats['month']['images']} images this month, {stats['month']['remaining']} left")
for key in stats["keys"]:
    print(key["name"], key["month_images"], key["today_images"])`;

export const STATISTICS_JAVASCRIPT = `const res = await fetch('{base}/statistics', { headers: { Authorization: 'Bearer YOUR_API_KEY' } });
const stats = await res.json();
console.log(\`\${stats.month.images} images this month, \${stats.month.remaining} left\`);`;

export const REGISTER_PYTHON = `import requests

res = requests.post(
    "{base}/webhooks",
    headers={"Authorization": "Bearer YOUR_API_KEY"},
    json={"url": "https://example.com/npr-webhook", "events": ["recognition.completed", "batch.completed"]},
)
res.raise_for_status()
print("keep this secret:", res.json()["secret"])`;

export const REGISTER_JAVASCRIPT = `const res = await fetch('{base}/webhooks', {
  method: 'POST',
  headers: { Authorization: 'Bearer YOUR_API_KEY', 'Content-Type': 'application/json' },
  body: JSON.stringify({ url: 'https://example.com/npr-webhook', events: ['recognition.completed', 'batch.completed'] }),
});
const { webhook, secret } = await res.json(); // keep the secret: it is shown only now`;
