/** Parses an expiry: an ISO date/time, or a duration from now such as 30d, 12h, 90m. */
export function parseExpiry(value: string, now = new Date()): Date {
  const m = /^(\d+)([dhm])$/.exec(value.trim());
  if (m) {
    const unitMs = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() + Number(m[1]) * unitMs);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`--expires: expected an ISO date or a duration like 30d, got "${value}"`);
  return date;
}
