// npr: the operator's command line. Results go to stdout (one value per line, machine-readable);
// everything else (progress, errors) goes to stderr.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import {
  createApiKeyForEmail,
  ensureUser,
  migrate,
  monthlyQuota as monthlyQuotaOf,
  PASSWORD_MIN_LENGTH,
  passwordProblem,
  revokeApiKey,
  runningEmbeddedServer,
  setAccountPlan,
  setUserPassword,
} from '@npr/db';
import { openDatabase } from './open-database';
import { parseExpiry } from './parse-duration';
import { PasswordInputError, readNewPassword } from './read-password';

/** Where the running system's gateway listens (named by `pnpm start` beside its database), else PORT. */
function gatewayUrl(): string {
  return runningEmbeddedServer(process.env.DATA_DIR)?.gateway ?? `http://127.0.0.1:${process.env.PORT || 3000}`;
}

type Help = { usage: string; about: string; example: string };

// One entry per command: `npr <command> --help` prints it; `npr --help` lists them all.
const COMMANDS: Record<string, Help> = {
  migrate: {
    usage: 'npr migrate',
    about: 'Applies the committed SQL migrations that are not applied yet (`pnpm start` does this itself).',
    example: 'DATABASE_URL=postgresql://npr@db:5432/npr pnpm --silent npr migrate',
  },
  'users create': {
    usage: 'npr users create --email E [--plan free|pro|enterprise] [--password-stdin]',
    about: 'Creates a user and their account; prints the user id. --password-stdin also sets their dashboard password, read as for set-password.',
    example: "printf '%s\\n' \"$PW\" | pnpm --silent npr users create --email ops@example.com --plan pro --password-stdin",
  },
  'users set-password': {
    usage: 'npr users set-password --email E',
    about: `Sets a user's dashboard password (e.g. the first \`pnpm start\` user, admin@localhost): typed twice, not echoed, on a terminal; else the first line of stdin. Same rules as the dashboard (${PASSWORD_MIN_LENGTH}+ characters); ends the user's dashboard sessions.`,
    example: "printf '%s\\n' \"$PW\" | pnpm --silent npr users set-password --email admin@localhost",
  },
  'keys create': {
    usage: 'npr keys create --email E --name N [--expires 30d|ISO-DATE]',
    about: 'Creates an API key (and the user, if new); prints only the key. It works at once, also while `pnpm start` runs.',
    example: 'KEY=$(pnpm --silent npr keys create --email you@example.com --name "my app" --expires 90d)',
  },
  'keys revoke': {
    usage: 'npr keys revoke <prefix-or-id>',
    about: 'Revokes a key by its prefix (npr_live_ + 8 characters, as `keys list` shows) or its id; its next request gets 401.',
    example: 'pnpm --silent npr keys revoke npr_live_ab12cd34',
  },
  'keys list': {
    usage: 'npr keys list --email E',
    about: "Lists a user's keys as JSON lines (no secrets).",
    example: 'pnpm --silent npr keys list --email you@example.com',
  },
  'accounts set-plan': {
    usage: 'npr accounts set-plan --email E --plan free|pro|enterprise [--requests N --window SECONDS] [--monthly-quota N|unlimited]',
    about: "Sets the plan of the user's account, and optionally custom limits (images per window, images per calendar month); applies from the next request.",
    example: 'pnpm --silent npr accounts set-plan --email you@example.com --plan pro --requests 1200 --window 60',
  },
  recognise: {
    usage: 'npr recognise [--jsonl] [--regions gb,de] [--top-n N] [--vehicle] [--allow-empty] [--models-dir DIR] IMAGE...',
    about:
      'Reads plates from image files with the local models (no server). --jsonl: one JSON line per image. ' +
      "--vehicle: adds each plate's observed_colour (the camera's colour) and vehicle, as the API does (operator registry, " +
      'then the camera; the DVLA is not called from here). A photo with no plate exits 3 with NO_PLATES_FOUND, as the API answers 422; ' +
      '--allow-empty prints the empty result and exits 0. Options are checked as the API checks them (--top-n 1 to 10).',
    example: 'pnpm --silent npr recognise --vehicle --top-n 3 car.jpg',
  },
  'vehicles import': {
    usage: 'npr vehicles import [--replace] FILE.csv',
    about:
      'Imports the operator vehicle registry (header: plate,region,make,model,colour,year,fuel_type,notes,type): all rows or none; ' +
      '--replace empties the registry first. Works while `pnpm start` runs; the API uses the rows from the next request.',
    example: 'pnpm --silent npr vehicles import fleet.csv',
  },
};

function commandHelp(name: string): string {
  const h = COMMANDS[name]!;
  return `Usage: ${h.usage}\n\n${h.about}\n\nExample:\n  ${h.example}`;
}

function overview(group?: string): string {
  const names = Object.keys(COMMANDS).filter((n) => !group || n.split(' ')[0] === group);
  return [
    `Usage: npr ${group ? `${group} <subcommand>` : '<command>'} [options]   (\`pnpm --silent npr ...\` in the repository)`,
    '',
    ...names.map((n) => `  ${COMMANDS[n]!.usage}`),
    '',
    `\`npr ${group ? `${group} <subcommand>` : '<command>'} --help\` explains one, with an example. Results go to stdout, everything else to stderr.`,
    `Database: DATABASE_URL, else the embedded one in $DATA_DIR (./data): while \`pnpm start\` runs the CLI uses it through`,
    `the system (its dashboard: ${gatewayUrl()}), else it opens the folder itself.`,
  ].join('\n');
}

/** A mistake in the command line; `help` is the text of the command it concerns. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly help: string = overview(),
  ) {
    super(message);
  }
}

const PLANS = ['free', 'pro', 'enterprise'] as const;
type PlanName = (typeof PLANS)[number];
function plan(value: string | undefined, help: string): PlanName {
  if (!value || !(PLANS as readonly string[]).includes(value)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}`, help);
  return value as PlanName;
}
function isParseArgsError(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException)?.code === 'string' && (err as NodeJS.ErrnoException).code!.startsWith('ERR_PARSE_ARGS');
}
function positiveInt(value: string | undefined, flag: string, help: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer`, help);
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

const isHelp = (a: string) => a === '--help' || a === '-h';
const GROUPS = new Set(Object.keys(COMMANDS).filter((n) => n.includes(' ')).map((n) => n.split(' ')[0]!));

async function run(argv: string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(line + '\n');
  if (!argv.length || (argv[0] && (isHelp(argv[0]) || argv[0] === 'help'))) {
    const topic = argv[0] === 'help' ? argv.slice(1).join(' ') : '';
    if (topic && COMMANDS[topic]) out(commandHelp(topic));
    else if (topic && GROUPS.has(topic)) out(overview(topic));
    else if (argv.length) out(overview());
    else throw new UsageError('no command given');
    return 0;
  }
  const [first, second] = argv;
  const command = first === 'recognize' ? 'recognise' : first!;
  const name = GROUPS.has(command) ? `${command} ${second ?? ''}`.trim() : command;
  const rest = argv.slice(GROUPS.has(command) ? 2 : 1);
  if (GROUPS.has(command) && (!second || isHelp(second))) {
    if (second) return out(overview(command)), 0;
    throw new UsageError(`npr ${command} needs a subcommand`, overview(command));
  }
  if (!COMMANDS[name]) throw new UsageError(`unknown command: npr ${name}`);
  if (rest.some(isHelp)) return out(commandHelp(name)), 0;
  const help = commandHelp(name);
  const usage = (message: string) => new UsageError(message, help);

  if (command === 'recognise') {
    // loaded only here so that other commands never load ONNX Runtime
    const { parseRecogniseArgs, runRecogniseCommand, RecogniseUsageError } = await import('./recognise-command');
    let options;
    try {
      options = parseRecogniseArgs(rest);
    } catch (err) {
      throw err instanceof RecogniseUsageError || isParseArgsError(err) ? usage((err as Error).message) : err;
    }
    return runRecogniseCommand(options, { openDatabase: () => openDatabase() });
  }

  if (command === 'vehicles') {
    // the vehicle registry lives in the database the services use
    const { runVehiclesCommand } = await import('@npr/vehicle-data');
    return runVehiclesCommand(argv.slice(1));
  }

  if (command === 'migrate') {
    if (rest.length) throw usage(`npr migrate takes no arguments (got ${rest.join(' ')})`);
    await withDatabase(async (db) => {
      const applied = await migrate(db, { onApplied: (name) => process.stderr.write(`applied ${name}\n`) });
      process.stderr.write(applied.length ? `${applied.length} migration(s) applied\n` : 'database is up to date\n');
    });
    return 0;
  }

  let parsed;
  try {
    parsed = parseArgs({
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
  } catch (err) {
    throw isParseArgsError(err) ? usage((err as Error).message) : err;
  }
  const { values, positionals } = parsed;
  const required = (value: string | undefined, flag: string): string => {
    if (!value) throw usage(`missing --${flag}`);
    return value;
  };

  switch (name) {
    case 'users create': {
      const email = required(values.email, 'email');
      const chosen = values.plan ? plan(values.plan, help) : undefined;
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
      const keyName = required(values.name, 'name');
      const expiresAt = values.expires ? parseExpiry(values.expires) : null;
      await withDatabase(async (db) => {
        const { key, apiKey, user } = await createApiKeyForEmail(db.prisma, { email, name: keyName, expiresAt });
        out(key);
        process.stderr.write(`created key ${apiKey.prefix} for ${user.email}; try it: curl -X POST ${gatewayUrl()}/api/v1/recognise -H "Authorization: Bearer $KEY" -F upload=@car.jpg\n`);
      });
      return 0;
    }
    case 'keys revoke': {
      const target = positionals[0];
      if (!target) throw usage('missing the key prefix or id to revoke');
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
      const chosen = plan(values.plan, help);
      const requestsPerWindow = positiveInt(values.requests, 'requests', help);
      const windowSeconds = positiveInt(values.window, 'window', help);
      const rawQuota = values['monthly-quota'];
      const monthlyQuota = rawQuota === 'unlimited' ? 'unlimited' : positiveInt(rawQuota, 'monthly-quota (a positive integer or "unlimited")', help);
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
      throw new UsageError(`unknown command: npr ${name}`);
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
      process.stderr.write(`npr: ${err.message}\n\n${err.help}\n`);
      process.exitCode = 2;
    } else {
      const message = (err as Error).message.trim();
      const hint = /does not exist in the current database/.test(message) ? '\n(the schema is missing: run `pnpm npr migrate` first)' : '';
      process.stderr.write(`npr: ${message}${hint}\n`);
      process.exitCode = 1;
    }
  },
);
