// npr: the operator's command line. Results go to stdout (one value per line, machine-readable);
// everything else (progress, errors) goes to stderr.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createApiKeyForEmail, ensureUser, migrate, PASSWORD_MIN_LENGTH, passwordProblem, revokeApiKey, monthlyQuota as monthlyQuotaOf, setAccountPlan, setUserPassword } from '@npr/db';
import { openDatabase } from './open-database';
import { parseExpiry } from './parse-duration';
import { PasswordInputError, readNewPassword } from './read-password';

const USAGE = `Usage: npr <command>

  npr migrate                                   apply committed SQL migrations
  npr users create --email E [--plan P] [--password-stdin]
                                                create a user (and their account); --password-stdin
                                                also sets their dashboard password, read as for set-password
  npr users set-password --email E              set a user's dashboard password (e.g. the first
                                                \`pnpm start\` user, admin@localhost): typed twice, not
                                                echoed, on a terminal; else the first line of stdin
                                                (printf '%s\\n' "$PW" | npr users set-password --email E).
                                                Same rules as the dashboard (${PASSWORD_MIN_LENGTH}+ characters); ends the
                                                user's dashboard sessions
  npr keys create --email E --name N [--expires 30d|ISO-DATE]
                                                create an API key (user created if needed); prints only the key
  npr keys revoke <prefix-or-id>                revoke a key (npr_live_xxxxxxxx or its id)
  npr keys list --email E                       list a user's keys (JSON lines; no secrets)
  npr accounts set-plan --email E --plan free|pro|enterprise [--requests N --window SECONDS] [--monthly-quota N|unlimited]
  npr recognise [--jsonl] IMAGE...              read plates from image files with the local models
  npr vehicles import [--replace] FILE.csv      import the operator registry (header:
                                                plate,region,make,model,colour,year,fuel_type,notes);
                                                all rows or none; --replace empties the registry first

Database: DATABASE_URL, else the embedded one in ./data (stop \`pnpm start\` first in that mode).`;

class UsageError extends Error {}

const PLANS = ['free', 'pro', 'enterprise'] as const;
type PlanName = (typeof PLANS)[number];
function plan(value: string | undefined): PlanName {
  if (!value || !(PLANS as readonly string[]).includes(value)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}`);
  return value as PlanName;
}
function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`missing --${flag}`);
  return value;
}
function positiveInt(value: string | undefined, flag: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer`);
  return n;
}

async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const db = await openDatabase();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** A new password for `email` from stdin (see read-password.ts), refused early when the dashboard would refuse it. */
async function newPassword(email: string): Promise<string> {
  const password = await readNewPassword(email, { problem: (pw) => passwordProblem(pw, email) });
  const problem = passwordProblem(password, email);
  if (problem) throw new PasswordInputError(`password refused: ${problem} Nothing changed.`);
  return password;
}

async function run(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  const out = (line: string) => process.stdout.write(line + '\n');

  if (command === 'recognise' || command === 'recognize') {
    // loaded only here so that other commands never load ONNX Runtime
    const specifier = '@npr/recognition/src/recognise-command';
    const mod = (await import(specifier)) as { runRecogniseCommand: (argv: string[]) => Promise<number> };
    return mod.runRecogniseCommand(argv.slice(1));
  }

  if (command === 'vehicles') {
    // the vehicle registry lives with vehicle-lookup's data (DATABASE_URL, else $DATA_DIR/vehicles-pglite)
    const { runVehiclesCommand } = await import('@npr/vehicle-data/src/vehicles-command');
    return runVehiclesCommand(argv.slice(1));
  }

  if (command === 'migrate') {
    await withDatabase(async (db) => {
      const applied = await migrate(db, { onApplied: (name) => process.stderr.write(`applied ${name}\n`) });
      process.stderr.write(applied.length ? `${applied.length} migration(s) applied\n` : 'database is up to date\n');
    });
    return 0;
  }

  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      expires: { type: 'string' },
      plan: { type: 'string' },
      requests: { type: 'string' },
      window: { type: 'string' },
      'monthly-quota': { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
  });

  switch (`${command} ${sub}`) {
    case 'users create': {
      const email = required(values.email, 'email');
      const chosen = values.plan ? plan(values.plan) : undefined;
      // the password first: a refused one creates nothing
      const password = values['password-stdin'] ? await newPassword(email) : null;
      return withDatabase(async (db) => {
        const { user, created } = await ensureUser(db.prisma, { email, plan: chosen });
        if (password !== null) {
          if (!created) {
            process.stderr.write(`npr: user ${user.email} already exists; its password was not changed (npr users set-password --email ${user.email} does that)\n`);
            return 1;
          }
          const result = await setUserPassword(db.prisma, { email: user.email, password });
          if (!result.ok) throw new Error(`could not set the password of ${user.email}`); // checked above; the user was just created
        }
        process.stderr.write(created ? `created user ${user.email}${password !== null ? ' with a dashboard password' : ''}\n` : `user ${user.email} already exists\n`);
        out(user.id);
        return 0;
      });
    }
    case 'users set-password': {
      const email = required(values.email, 'email');
      return withDatabase(async (db) => {
        // the user first, so nobody types a password for an address that has no account
        const user = await db.prisma.user.findUnique({ where: { email: email.trim().toLowerCase() } });
        if (!user) {
          process.stderr.write(`npr: no user with email ${email.trim().toLowerCase()} (npr users create --email E creates one)\n`);
          return 1;
        }
        const result = await setUserPassword(db.prisma, { email: user.email, password: await newPassword(user.email) });
        if (!result.ok) {
          process.stderr.write(
            result.reason === 'rejected' ? `npr: password refused: ${result.problem} Nothing changed.\n` : `npr: no user with email ${user.email}\n`,
          );
          return 1;
        }
        process.stderr.write(`password set for ${user.email}; their earlier dashboard sessions have ended\n`);
        return 0;
      });
    }
    case 'keys create': {
      const email = required(values.email, 'email');
      const name = required(values.name, 'name');
      const expiresAt = values.expires ? parseExpiry(values.expires) : null;
      await withDatabase(async (db) => {
        const { key } = await createApiKeyForEmail(db.prisma, { email, name, expiresAt });
        out(key);
      });
      return 0;
    }
    case 'keys revoke': {
      const target = positionals[0];
      if (!target) throw new UsageError('missing the key prefix or id to revoke');
      return withDatabase(async (db) => {
        const key = await revokeApiKey(db.prisma, target);
        if (!key) {
          process.stderr.write(`no key matches ${target}\n`);
          return 1;
        }
        out(`revoked ${key.prefix}`);
        return 0;
      });
    }
    case 'keys list': {
      const email = required(values.email, 'email').trim().toLowerCase();
      await withDatabase(async (db) => {
        const keys = await db.prisma.apiKey.findMany({ where: { user: { email } }, orderBy: { createdAt: 'asc' } });
        for (const k of keys) {
          out(JSON.stringify({ id: k.id, name: k.name, prefix: k.prefix, created_at: k.createdAt, last_used_at: k.lastUsedAt, expires_at: k.expiresAt, revoked_at: k.revokedAt }));
        }
      });
      return 0;
    }
    case 'accounts set-plan': {
      const email = required(values.email, 'email');
      const chosen = plan(values.plan);
      const requestsPerWindow = positiveInt(values.requests, 'requests');
      const windowSeconds = positiveInt(values.window, 'window');
      const rawQuota = values['monthly-quota'];
      const monthlyQuota = rawQuota === 'unlimited' ? 'unlimited' : positiveInt(rawQuota, 'monthly-quota (a positive integer or "unlimited")');
      return withDatabase(async (db) => {
        const account = await setAccountPlan(db.prisma, { email, plan: chosen, requestsPerWindow, windowSeconds, monthlyQuota });
        if (!account) {
          process.stderr.write(`no user with email ${email}\n`);
          return 1;
        }
        const quota = monthlyQuotaOf(account);
        out(
          `account ${account.id}: plan ${account.plan}${requestsPerWindow ? `, ${requestsPerWindow} images per ${windowSeconds ?? 'plan'} s window` : ''}` +
            `, ${quota === null ? 'no monthly quota' : `${quota} images a month`}`,
        );
        return 0;
      });
    }
    default:
      throw new UsageError(command ? `unknown command: ${[command, sub].filter(Boolean).join(' ')}` : 'no command given');
  }
}

// a local .env applies to the CLI as it does to `pnpm start`
if (fs.existsSync('.env')) process.loadEnvFile('.env');

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof PasswordInputError) {
      process.stderr.write(`npr: ${err.message}\n`);
      process.exitCode = err.message === 'interrupted' ? 130 : 1;
    } else if (err instanceof UsageError) {
      process.stderr.write(`npr: ${err.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      const message = (err as Error).message.trim();
      const hint = /does not exist in the current database/.test(message)
        ? '\n(the schema is missing: run `pnpm npr migrate` first)'
        : /in use by process/.test(message)
          ? `\n(while it runs, keys can be created in the dashboard: http://127.0.0.1:${process.env.PORT || 3000}/settings/api-keys)`
          : '';
      process.stderr.write(`npr: ${message}${hint}\n`);
      process.exitCode = 1;
    }
  },
);
