// PROVISIONAL until @npr/outbound (the SSRF guard) is on this branch: only allow-listed hosts are
// called at all, everything else is refused. Replaced by the guard's safe fetch.
import { AppError } from '@npr/contracts';
import type { CheckWebhookUrl } from '../webhooks.routes';
import { DeliveryRefused, type SendWebhook } from './webhook-delivery.processor';

export function outboundWebhookPort(options: { allowHosts: string[]; timeoutMs: number }): { send: SendWebhook; checkUrl: CheckWebhookUrl } {
  const allowed = (url: string) => options.allowHosts.includes(new URL(url).hostname);
  return {
    async send(url, request) {
      if (!allowed(url)) throw new DeliveryRefused(`${new URL(url).hostname} is not allowed`);
      const res = await fetch(url, { method: 'POST', body: request.body, headers: request.headers, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
      await res.body?.cancel();
      return { status: res.status };
    },
    async checkUrl(url) {
      if (!allowed(url)) throw new AppError('BAD_REQUEST', `Webhook URL refused: ${new URL(url).hostname} is not allowed.`);
    },
  };
}
