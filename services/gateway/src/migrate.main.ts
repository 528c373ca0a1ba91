// migrate: applies the committed SQL migrations to DATABASE_URL and exits (compose's `migrate`
// service and the Kubernetes migration Job run this before the gateway rolls out).
import { z } from 'zod';
import { createDatabase, migrate } from '@npr/db';
import { createLogger, loadConfig } from '@npr/runtime';

const config = loadConfig(z.object({ DATABASE_URL: z.string().url(), LOG_LEVEL: z.string().default('info') }));

async function main() {
  const logger = createLogger({ name: 'migrate', level: config.LOG_LEVEL });
  const db = await createDatabase({ databaseUrl: config.DATABASE_URL });
  try {
    const applied = await migrate(db, { onApplied: (name) => logger.info({ migration: name }, 'applied') });
    logger.info({ applied: applied.length }, applied.length ? 'migrations applied' : 'database already up to date');
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
