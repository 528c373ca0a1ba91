/**
 * `npr recognise [--jsonl] [--regions gb,us] [--top-n N] [--models-dir DIR] IMAGE...`: reads plates
 * without a server. With --jsonl, stdout carries exactly one JSON line per image (what
 * shared/eval/evaluate.mjs parses); everything else goes to stderr.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { RecognitionError } from './errors';
import { ConfigError } from '@npr/runtime';
import { createRecogniser, type Recogniser, type RecogniserOptions } from './recogniser';
import { recogniserOptionsFromEnv } from './recogniser-config';

const USAGE = 'usage: npr recognise [--jsonl] [--regions gb,us,...] [--top-n N] [--models-dir DIR] IMAGE...';

interface ParsedArgs {
  jsonl: boolean;
  regions?: string[];
  topN?: number;
  modelsDir?: string;
  files: string[];
}

function parseArgs(argv: string[]): ParsedArgs | string {
  const args = argv[0] === 'recognise' ? argv.slice(1) : argv;
  const out: ParsedArgs = { jsonl: false, files: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '--jsonl') out.jsonl = true;
      else if (a === '--regions' || a.startsWith('--regions=')) out.regions = value().split(',').filter(Boolean);
      else if (a === '--top-n' || a.startsWith('--top-n=')) {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) return '--top-n needs a positive integer';
        out.topN = n;
      } else if (a === '--models-dir' || a.startsWith('--models-dir=')) out.modelsDir = value();
      else if (a === '--help' || a === '-h') return USAGE;
      else if (a === '--') out.files.push(...args.slice(i + 1)), (i = args.length);
      else if (a.startsWith('--')) return `unknown option ${a}\n${USAGE}`;
      else out.files.push(a);
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (!out.files.length) return USAGE;
  return out;
}

function errorBody(err: unknown): { code: string; message: string } {
  if (err instanceof RecognitionError) return { code: err.code, message: err.message };
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR') return { code: 'FILE_NOT_READABLE', message: e.message };
  return { code: 'INTERNAL', message: String((err as Error)?.message ?? err) };
}

/** Runs `npr recognise`; resolves to the process exit code (0 all read, 1 some failed, 2 usage or a bad variable). */
export async function runRecogniseCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === 'string') {
    process.stderr.write(parsed + '\n');
    return 2;
  }
  const print = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');

  // the recogniser's variables, read as the inference worker reads them: a bad one stops here, named
  let options: RecogniserOptions;
  try {
    options = recogniserOptionsFromEnv();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`npr recognise: ${err.message}\n`);
    return 2;
  }
  let recogniser: Recogniser;
  try {
    recogniser = await createRecogniser({ ...options, modelsDir: parsed.modelsDir ?? options.modelsDir });
  } catch (err) {
    const body = errorBody(err);
    process.stderr.write(`npr recognise: ${body.message}\n`);
    // still one line per image, so a scorer sees why every image failed
    if (parsed.jsonl) for (const file of parsed.files) print({ file, error: body });
    return 1;
  }
  process.stderr.write(`npr recognise: models loaded from ${recogniser.info.modelsDir} in ${Math.round(recogniser.info.loadMs)} ms (${recogniser.info.device}, ${recogniser.info.threads} thread(s))\n`);

  let failed = 0;
  try {
    for (const file of parsed.files) {
      const started = performance.now();
      try {
        const bytes = await readFile(file);
        const { results } = await recogniser.recogniseWithTimings(bytes, { regions: parsed.regions, topN: parsed.topN });
        const ms = Math.round((performance.now() - started) * 10) / 10;
        if (parsed.jsonl) print({ file, results, processing_time_ms: ms });
        else {
          const plates = results.map((r) => `${r.plate} (${r.region}, ${r.confidence.toFixed(2)})`).join(', ');
          process.stdout.write(`${file}: ${plates || 'no plate'}  [${ms} ms]\n`);
        }
      } catch (err) {
        failed++;
        const body = errorBody(err);
        if (parsed.jsonl) print({ file, error: body });
        else process.stdout.write(`${file}: error ${body.code}: ${body.message}\n`);
        process.stderr.write(`npr recognise: ${file}: ${body.code}: ${body.message}\n`);
      }
    }
  } finally {
    await recogniser.close();
  }
  return failed ? 1 : 0;
}
