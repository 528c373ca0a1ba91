import { createApiKeyForEmail, type PrismaClient } from '@npr/db';

/**
 * On a fresh zero-setup start (no keys at all), creates a first key so a new user can make a
 * request right away without a second process opening the embedded database. Returns the key,
 * or null when keys exist already.
 */
export async function bootstrapApiKey(prisma: PrismaClient, email = 'admin@localhost'): Promise<string | null> {
  if ((await prisma.apiKey.count()) > 0) return null;
  const { key } = await createApiKeyForEmail(prisma, { email, name: 'first key (created by pnpm start)' });
  return key;
}
