import { parseExpiry } from './parse-duration';

test('expiry accepts durations and ISO dates', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  expect(parseExpiry('30d', now).toISOString()).toBe('2026-01-31T00:00:00.000Z');
  expect(parseExpiry('12h', now).toISOString()).toBe('2026-01-01T12:00:00.000Z');
  expect(parseExpiry('2027-06-01', now).toISOString()).toBe('2027-06-01T00:00:00.000Z');
  expect(() => parseExpiry('soon', now)).toThrow(/--expires/);
});
