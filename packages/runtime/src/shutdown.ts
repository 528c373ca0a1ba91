import type { Logger } from 'pino';

type Closer = { name: string; close: () => Promise<unknown> | unknown };

/**
 * Registers SIGINT/SIGTERM handlers that close resources in reverse order of registration
 * (servers stop taking work before the connections they need go away), with a hard deadline.
 */
export function createShutdown(logger: Logger, options: { timeoutMs?: number; exit?: (code: number) => void } = {}) {
  const closers: Closer[] = [];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown: Promise<void> | null = null;

  async function shutdown(reason: string): Promise<void> {
    if (shuttingDown) return shuttingDown;
    shuttingDown = (async () => {
      logger.info({ reason }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error('shutdown timed out; exiting');
        exit(1);
      }, options.timeoutMs ?? 15_000);
      timer.unref();
      let failed = false;
      for (const closer of [...closers].reverse()) {
        try {
          await closer.close();
        } catch (err) {
          failed = true;
          logger.error({ err, resource: closer.name }, 'error while closing');
        }
      }
      clearTimeout(timer);
      exit(failed ? 1 : 0);
    })();
    return shuttingDown;
  }

  return {
    /** Adds a resource to close on shutdown. */
    add(name: string, close: Closer['close']) {
      closers.push({ name, close });
    },
    /** Installs the signal handlers. */
    listen() {
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      // started by a supervisor with an IPC channel (`pnpm start`): when it dies, even by SIGKILL,
      // the channel closes and we stop too instead of lingering as an orphan
      if (process.send) process.once('disconnect', () => void shutdown('parent process exited'));
    },
    shutdown,
  };
}
