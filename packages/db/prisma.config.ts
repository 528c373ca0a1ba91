// Used by the Prisma CLI (`prisma generate`, and `prisma migrate deploy` where its engine exists),
// run from this package, where @npr/db installs it. The schema and migrations are the repository's
// top-level prisma/ folder; paths here are relative to this file.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: '../../prisma/schema.prisma',
  migrations: { path: '../../prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/npr' },
});
