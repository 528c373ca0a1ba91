// `npr vehicles ...`: the operator registry from the command line. Loaded by packages/cli on demand.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { importRegistryCsv } from './operator-registry';
import { openVehicleDatabase } from './open-vehicle-database';
import { REGISTRY_CSV_COLUMNS } from './parse-registry-csv';

export const VEHICLES_USAGE = `  npr vehicles import [--replace] FILE.csv      import the operator registry (header: ${REGISTRY_CSV_COLUMNS.join(',')});
                                                all rows or none; --replace empties the registry first`;

const MAX_REPORTED = 50;

/** Runs `npr vehicles <sub> ...`; returns the exit code. Results on stdout, progress and problems on stderr. */
export async function runVehiclesCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = argv;
  const err = (line: string) => process.stderr.write(line + '\n');
  if (sub !== 'import') {
    err(`npr vehicles: unknown subcommand ${sub ?? '(none)'}\n\nUsage:\n${VEHICLES_USAGE}`);
    return 2;
  }
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { replace: { type: 'boolean' } } });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    err(`npr vehicles import: give exactly one CSV file\n\nUsage:\n${VEHICLES_USAGE}`);
    return 2;
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    err(`npr vehicles import: cannot read ${file}: ${(e as Error).message}`);
    return 1;
  }

  const db = await openVehicleDatabase({ DATABASE_URL: env.DATABASE_URL, DATA_DIR: env.DATA_DIR });
  try {
    const tty = process.stderr.isTTY;
    let lastLine = 0;
    const result = await importRegistryCsv(db.prisma, text, {
      replace: values.replace,
      onProgress: ({ done, total }) => {
        const pct = total ? Math.floor((done / total) * 100) : 100;
        const line = `importing: ${done}/${total} rows (${pct}%)`;
        if (tty) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
        else if (done === total || Date.now() - lastLine > 1000) (err(line), (lastLine = Date.now()));
      },
    });
    if (result.errors.length) {
      for (const e of result.errors.slice(0, MAX_REPORTED)) err(`${file}:${e.line}: ${e.message}`);
      if (result.errors.length > MAX_REPORTED) err(`... and ${result.errors.length - MAX_REPORTED} more`);
      err(`npr vehicles import: ${result.errors.length} bad row(s); nothing was imported. Fix them and run the import again.`);
      return 1;
    }
    process.stdout.write(`imported ${result.imported} vehicle(s)${values.replace ? ` (replaced ${result.replaced})` : ''}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
