import type { Request } from 'express';

/**
 * The origin to SHOW a user in examples (curl lines, the docs, the OpenAPI server list): the configured
 * PUBLIC_BASE_URL when set, else the origin this request reached (its Host header, as the browser typed
 * it). For display only: never build redirects or job URLs from the Host header.
 */
export function displayOrigin(req: Request, publicBaseUrl?: string): string {
  return (publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`).replace(/\/+$/, '');
}
