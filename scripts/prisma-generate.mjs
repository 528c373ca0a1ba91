// Runs `prisma generate` on install: the schema is the top-level prisma/schema.prisma, the client
// goes to packages/db/src/generated (the schema's `output`). It runs in packages/db, where the Prisma
// CLI is installed and its prisma.config.ts points at ../../prisma.
// Why the env var: the Prisma CLI otherwise tries to download a native schema engine, which offline
// machines cannot; generation itself runs on Wasm, so pointing the variable at any existing file
// is enough (see README "Database and migrations").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const dbDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'db');
const prismaBin = path.join(dbDir, 'node_modules', '.bin', 'prisma');
if (!existsSync(prismaBin)) {
  console.error('prisma-generate: packages/db dependencies are not installed yet; skipping');
  process.exit(0);
}
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_QUERY_ENGINE_LIBRARY ??= process.execPath;
const result = spawnSync(prismaBin, ['generate'], { cwd: dbDir, env, stdio: ['ignore', 'inherit', 'inherit'] });
process.exit(result.status ?? 1);
