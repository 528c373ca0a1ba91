import { html, type SafeHtml } from './html';

/** A date as "2026-11-28 14:03 UTC" inside <time> (UTC: usage days are UTC days too). */
export function formatTime(date: Date | null | undefined, empty = '—'): SafeHtml | string {
  if (!date) return empty;
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

export function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export const formatInt = (n: number) => n.toLocaleString('en-GB');

/** "60 images per minute" from a limit. */
export function describeLimit(limit: { points: number; windowSeconds: number }): string {
  const w = limit.windowSeconds;
  const window = w === 60 ? 'minute' : w === 3600 ? 'hour' : w === 86_400 ? 'day' : `${formatInt(w)} seconds`;
  return `${formatInt(limit.points)} images per ${window}`;
}
