// Webhook deliveries and webhook URLs through @npr/outbound, the guard against requests into our own
// network (SSRF): loopback, private, link-local and metadata addresses are refused unless the operator
// allows the host (OUTBOUND_ALLOWED_HOSTS).
import dns from 'node:dns/promises';
import net from 'node:net';
import { AppError } from '@npr/contracts';
import { OutboundError, forbiddenAddressKind, isAllowedHost, safeFetch, type AllowedHost } from '@npr/outbound';
import type { CheckWebhookUrl } from '../webhooks.routes';
import { DeliveryRefused, type SendWebhook } from './webhook-delivery.processor';

// a receiver's answer body is not used; a cap keeps a hostile one from filling memory
const MAX_ANSWER_BYTES = 256 * 1024;

/** Reasons that are our rule, not the receiver's state: retrying cannot help. */
const REFUSALS = new Set(['INVALID_URL', 'SCHEME_NOT_ALLOWED', 'ADDRESS_NOT_ALLOWED']);

const portOf = (url: URL) => (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);

export function outboundWebhookPort(options: { allowedHosts: readonly AllowedHost[]; timeoutMs: number }): { send: SendWebhook; checkUrl: CheckWebhookUrl } {
  return {
    async send(url, request) {
      try {
        // no redirects: a delivery is a POST the receiver answers itself (a redirected POST would turn
        // into a GET without the body), and where a redirect points is not to be trusted anyway
        const res = await safeFetch(url, { method: 'POST', body: request.body, headers: request.headers, allowedHosts: options.allowedHosts, timeoutMs: options.timeoutMs, maxBytes: MAX_ANSWER_BYTES, maxRedirects: 0 });
        return { status: res.status };
      } catch (err) {
        if (!(err instanceof OutboundError)) throw err;
        if (REFUSALS.has(err.reason)) throw new DeliveryRefused(err.message, { cause: err });
        if (err.reason === 'TOO_MANY_REDIRECTS') throw new Error('redirect not followed: the webhook URL must answer 2xx itself', { cause: err });
        throw new Error(err.reason === 'TIMEOUT' ? `timed out after ${options.timeoutMs} ms` : err.message, { cause: err });
      }
    },

    /**
     * Refuses, when a URL is saved or named, what a delivery would be refused: its IP literal, or any
     * address its name resolves to now. A name that does not resolve yet is let through: the delivery
     * judges it again on every attempt (DNS can change either way).
     */
    async checkUrl(text) {
      const url = new URL(text);
      if (isAllowedHost(options.allowedHosts, url.hostname, portOf(url))) return;
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const addresses = net.isIP(host) ? [host] : await dns.lookup(host, { all: true }).then((r) => r.map((a) => a.address), () => []);
      for (const address of addresses) {
        const kind = forbiddenAddressKind(address);
        if (kind) {
          const via = address === host ? '' : ` (it resolves to ${address})`;
          throw new AppError('BAD_REQUEST', `Webhook URL refused: ${url.hostname}${via} is a ${kind} address, which outbound calls may not reach.`);
        }
      }
    },
  };
}
