import { createHmac } from 'node:crypto';

/**
 * The `Npr-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` keyed with the
 * webhook's secret (Stripe's scheme, so receivers can reuse what they know). The timestamp is
 * signed too, so a receiver can refuse old deliveries replayed later.
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}
