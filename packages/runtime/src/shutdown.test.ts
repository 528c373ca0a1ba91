import { createLogger } from './logger';
import { createShutdown } from './shutdown';

const logger = createLogger({ name: 'test', level: 'silent' });

describe('createShutdown', () => {
  test('closes resources in reverse order, once, and exits 0', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const shutdown = createShutdown(logger, { exit: (code) => exits.push(code) });
    shutdown.add('database', () => void order.push('database'));
    shutdown.add('server', async () => void order.push('server'));
    await Promise.all([shutdown.shutdown('test'), shutdown.shutdown('again')]);
    expect(order).toEqual(['server', 'database']);
    expect(exits).toEqual([0]);
  });

  test('a failing closer does not stop the others; the exit code says it failed', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const shutdown = createShutdown(logger, { exit: (code) => exits.push(code) });
    shutdown.add('database', () => void order.push('database'));
    shutdown.add('queue', () => Promise.reject(new Error('boom')));
    await shutdown.shutdown('test');
    expect(order).toEqual(['database']);
    expect(exits).toEqual([1]);
  });

  test('a closer that hangs is cut off at the deadline', async () => {
    const exits: number[] = [];
    const shutdown = createShutdown(logger, { timeoutMs: 50, exit: (code) => exits.push(code) });
    shutdown.add('stuck', () => new Promise(() => {}));
    void shutdown.shutdown('test');
    await new Promise((r) => setTimeout(r, 150));
    expect(exits).toEqual([1]);
  });
});
