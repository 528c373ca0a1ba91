import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey } from './api-keys';

describe('API keys', () => {
  test('keys are recognisable, random, and stored only as a hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).toMatch(/^npr_live_[a-z0-9]{40}$/);
    expect(a.key).not.toBe(b.key);
    expect(a.prefix).toBe(a.key.slice(0, 17));
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).not.toContain(a.key.slice(17));
  });

  test('only the exact key matches its hash', () => {
    const { key, hash } = generateApiKey();
    expect(apiKeyMatches(key, hash)).toBe(true);
    expect(apiKeyMatches(key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a'), hash)).toBe(false);
    expect(apiKeyMatches(key, 'abc')).toBe(false);
  });

  test('malformed keys have no prefix', () => {
    for (const bad of ['', 'npr_live_', 'npr_test_' + 'a'.repeat(40), 'npr_live_' + 'A'.repeat(40), 'npr_live_' + 'a'.repeat(41)]) {
      expect(apiKeyPrefix(bad)).toBeNull();
    }
  });
});
