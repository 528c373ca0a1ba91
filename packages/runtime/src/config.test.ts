import { z } from 'zod';
import { ConfigError, env, loadConfig } from './config';

const schema = z.object({ REDIS_URL: z.string().url(), PORT: env.port(3000), VERBOSE: env.bool(false) });

describe('loadConfig', () => {
  test('applies defaults and coerces types', () => {
    expect(loadConfig(schema, { REDIS_URL: 'redis://localhost:6379', VERBOSE: 'yes' })).toEqual({ REDIS_URL: 'redis://localhost:6379', PORT: 3000, VERBOSE: true });
  });

  test('fails fast naming each bad variable, never its value', () => {
    const run = () => loadConfig(schema, { REDIS_URL: 'secret-not-a-url', PORT: '99999' });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/REDIS_URL/);
    expect(run).toThrow(/PORT/);
    expect(run).not.toThrow(/secret-not-a-url/);
  });

  test('empty values count as unset', () => {
    expect(() => loadConfig(schema, { REDIS_URL: '' })).toThrow(/REDIS_URL/);
  });
});
