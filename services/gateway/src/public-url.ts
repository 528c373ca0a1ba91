import type { Request } from 'express';

/**
 * The origin the gateway tells clients to use (job `url`, `Location`, the dashboard's curl lines):
 * the configured PUBLIC_BASE_URL; else, behind a trusted proxy, the origin the proxy forwarded
 * (X-Forwarded-Proto/Host, which express only reads when 'trust proxy' is set); else the address
 * the client's connection actually reached. Never the raw Host header, which any client can set.
 */
export function publicOrigin(req: Request, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, '');
  if (req.app.get('trust proxy fn')(req.socket.remoteAddress ?? '', 0) && req.get('x-forwarded-host')) {
    return `${req.protocol}://${req.host}`;
  }
  const { localAddress, localPort } = req.socket;
  const host = localAddress?.includes(':') && !localAddress.startsWith('::ffff:') ? `[${localAddress}]` : localAddress?.replace(/^::ffff:/, '');
  return `${req.protocol}://${host}:${localPort}`;
}
