import { hash, verify, type Algorithm } from '@node-rs/argon2';
import type { PrismaClient, User } from './generated/prisma/client';

// Algorithm is a const enum (not importable under isolatedModules): 2 is Argon2id
const ARGON2ID = 2 as Algorithm;

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): ~30-60 ms here, cheap to verify, costly to brute-force.
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;
// long enough for any passphrase, short enough that hashing cannot be used to burn CPU
export const PASSWORD_MAX_LENGTH = 256;

/** Hashes a password with argon2id (PHC string: algorithm, parameters and salt included). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verifying against this when the email is unknown makes "no such user" take as long as "wrong password".
let dummyHash: Promise<string> | undefined;

/** True when `password` matches the stored hash; with no stored hash it still spends the same time and says false. */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword('not the password of anyone');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/** A reason the password is not acceptable, or null. Length only: composition rules make passwords worse (NIST 800-63B). */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) return 'Do not use your email address as your password.';
  return null;
}

export type SetPasswordResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'no-such-user' }
  | { ok: false; reason: 'rejected'; problem: string };

/**
 * Sets the password of the user with this email, as the dashboard's change-password does: the same
 * rules and hash, and a new session version, so every dashboard session issued before ends.
 */
export async function setUserPassword(prisma: PrismaClient, input: { email: string; password: string }): Promise<SetPasswordResult> {
  const email = input.email.trim().toLowerCase();
  const user = await prisma.user.findUnique({ where: { email } });
  if (!user) return { ok: false, reason: 'no-such-user' };
  const problem = passwordProblem(input.password, user.email);
  if (problem) return { ok: false, reason: 'rejected', problem };
  const updated = await prisma.user.update({
    where: { id: user.id },
    data: { passwordHash: await hashPassword(input.password), sessionVersion: { increment: 1 } },
  });
  return { ok: true, user: updated };
}
