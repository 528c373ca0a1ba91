// The docs' code samples (curl, Python with requests, JavaScript on Node) run as a reader would run
// them, against the real gateway, queue and workers on real Redis and PostgreSQL (the recogniser is
// the colour-keyed test double): each must exit 0 and print the plate. The retry samples run on a
// key limited to 1 image per 2 s, so that they meet a real 429 and its Retry-After.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { promisify } from 'node:util';
import { solidImage } from '@npr/test-support';
import { asyncSamples, batchSamples, recogniseSamples, retrySamples, type Samples } from '../src/dashboard/docs-samples';
import { COLOURS, PLATE } from './fake-recogniser';
import { startTestSystem, type TestSystem } from './test-system';

jest.setTimeout(120_000);
const run = promisify(execFile);

let sys: TestSystem;
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  sys = await startTestSystem();
  server = await new Promise<Server>((resolve) => {
    const s = sys.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-samples-'));
  const photo = await solidImage({ width: 640, height: 480, colour: COLOURS.plate });
  for (const name of ['plate.jpg', 'plate1.jpg', 'plate2.jpg', 'plate3.jpg']) fs.writeFileSync(path.join(dir, name), photo);
});

afterAll(async () => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  await new Promise((r) => server?.close(r));
  await sys?.close();
});

/** Runs one sample in the folder with the photos; returns what it printed. */
async function runSample(lang: keyof Samples, code: string): Promise<string> {
  const [cmd, args] =
    lang === 'curl' ? ['bash', ['-euo', 'pipefail', '-c', code]] : lang === 'python' ? ['/usr/bin/python3', ['-c', code]] : [process.execPath, ['--input-type=module', '-e', code]];
  const { stdout } = await run(cmd, args as string[], { cwd: dir, timeout: 60_000 });
  return stdout;
}

const withKey = (s: Samples, key: string): Samples => ({
  curl: s.curl.replaceAll('YOUR_API_KEY', key),
  python: s.python.replaceAll('YOUR_API_KEY', key),
  javascript: s.javascript.replaceAll('YOUR_API_KEY', key),
});

describe.each(['curl', 'python', 'javascript'] as const)('the docs samples in %s', (lang) => {
  test('recognise prints the plate', async () => {
    const { key } = await sys.createKey();
    expect(await runSample(lang, withKey(recogniseSamples(base), key)[lang])).toContain(PLATE.plate);
  });

  test('batch prints each image\'s plate', async () => {
    const { key } = await sys.createKey();
    const out = await runSample(lang, withKey(batchSamples(base), key)[lang]);
    expect(out.split(PLATE.plate).length - 1).toBe(3);
  });

  test('async submits and polls to the result', async () => {
    const { key } = await sys.createKey();
    let sample = withKey(asyncSamples(base), key)[lang];
    if (lang === 'curl') {
      // the curl sample is two commands with the job id to fill in: do what its comment says
      const [submit, poll] = sample.split('\n\n');
      const job = JSON.parse(await runSample(lang, submit!)) as { status: string; url: string; job_id: string };
      expect(job.status).toBe('queued');
      sample = poll!.replace('JOB_ID', job.job_id);
      for (let i = 0; i < 60 && JSON.parse(await runSample(lang, sample)).status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 500));
    }
    const out = await runSample(lang, sample);
    expect(out).toContain(PLATE.plate);
    expect(out).toContain('completed');
  });

  test('retry waits out a 429 as Retry-After says, then succeeds', async () => {
    const { key, auth } = await sys.createKey({ limit: { requests: 1, windowSeconds: 2 } });
    const form = new FormData();
    form.append('upload', new Blob([fs.readFileSync(path.join(dir, 'plate.jpg'))], { type: 'image/jpeg' }), 'plate.jpg');
    expect((await fetch(`${base}/recognise`, { method: 'POST', headers: auth, body: form })).status).toBe(200); // the window is used up
    const out = await runSample(lang, withKey(retrySamples(base), key)[lang]);
    // curl shows the 429 itself (it does not retry); the Python and JavaScript samples wait and get through
    expect(out).toMatch(lang === 'curl' ? /^HTTP\/1\.1 429[\s\S]*retry-after: \d/im : /^200 0 left in this window$/m);
  });
});
