import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key starts with this, so leaked keys are recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'npr_live_';
const PREFIX_ID_CHARS = 8;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
// npr_live_ + 8 lookup chars + 32 secret chars (~165 bits)
const KEY_PATTERN = /^npr_live_([a-z0-9]{8})([a-z0-9]{32})$/;

function randomChars(n: number): string {
  const bytes = randomBytes(n * 2);
  let out = '';
  // rejection sampling keeps the distribution uniform over the 36 characters
  for (let i = 0; i < bytes.length && out.length < n; i++) if (bytes[i]! < 252) out += ALPHABET[bytes[i]! % 36];
  return out.length === n ? out : out + randomChars(n - out.length);
}

/** sha256 of the full key, hex. Keys have enough entropy that a slow hash buys nothing. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates a new random key with its stored prefix and hash. The key itself is never stored. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = API_KEY_PREFIX + randomChars(PREFIX_ID_CHARS) + randomChars(32);
  return { key, prefix: apiKeyPrefix(key)!, hash: hashApiKey(key) };
}

/** The stored, non-secret prefix of a well-formed key, or null when the key is malformed. */
export function apiKeyPrefix(key: string): string | null {
  const m = KEY_PATTERN.exec(key);
  return m ? API_KEY_PREFIX + m[1] : null;
}

/** Compares a presented key with a stored hash in constant time. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
