// The short version of `pnpm chaos` (scripts/chaos.ts --short) as CI runs it: the real system as
// separate processes on free ports, three inference workers killed mid-job, Redis stopped and
// started again under load, 300 hostile inputs and 200 concurrent requests on one free key.
// Fails on any lost job, 500, crash, slow answer while Redis is down, or inexact rate limit.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../free-port';

jest.setTimeout(420_000);

test('pnpm chaos --short: no job lost, no 500, no crash', async () => {
  const [port, redisPort] = [await freePort(), await freePort()];
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const run = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '..', 'chaos.ts'), '--short', '--json', '--port', String(port), '--redis-port', String(redisPort)],
    { cwd: path.join(__dirname, '..', '..'), env, maxBuffer: 16 * 1024 * 1024 },
  ).catch((err: { stdout?: string; stderr?: string }) => err);
  const report = JSON.parse(String(run.stdout).trim().split('\n').pop() || '{}') as {
    failures: string[];
    table: string;
    figures: { kills: { kills: number; lost: number }; redis: { lost: number; statuses500: number; noAnswer: number }; hostile: { inputs: number; fives: number; crashed: number }; ratelimit: { through: number } };
  };
  // the table, for whoever reads the CI log
  process.stderr.write(`${report.table ?? run.stderr}\n`);
  expect(report.failures).toEqual([]);
  expect(report.figures.kills).toMatchObject({ kills: 3, lost: 0 });
  expect(report.figures.redis).toMatchObject({ lost: 0, statuses500: 0, noAnswer: 0 });
  expect(report.figures.hostile).toMatchObject({ inputs: 300, fives: 0, crashed: 0 });
  expect(report.figures.ratelimit.through).toBe(60);
});
