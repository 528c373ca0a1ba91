import pino, { type Logger } from 'pino';

export type { Logger };

/** Creates the structured JSON logger every process uses; secrets are redacted by path. */
export function createLogger(options: { name: string; level?: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.password', '*.apiKey', 'key'], censor: '[redacted]' },
      base: { service: options.name },
    },
    // logs go to stderr so that stdout stays clean for CLI output
    options.destination ?? pino.destination(2),
  );
}
