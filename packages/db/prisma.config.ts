// Used by the Prisma CLI (`prisma generate`, and `prisma migrate deploy` where its engine exists).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/npr' },
});
