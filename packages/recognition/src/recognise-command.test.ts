import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRecogniseCommand } from './recognise-command';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  return { out, err, restore: () => (o.mockRestore(), e.mockRestore()) };
}

describe('npr recognise', () => {
  it('prints usage to stderr and exits 2 without images or with an unknown option', async () => {
    for (const argv of [['recognise', '--jsonl'], ['--bogus', 'a.jpg'], ['--top-n', 'x', 'a.jpg']]) {
      const c = capture();
      const code = await runRecogniseCommand(argv).finally(c.restore);
      expect(code).toBe(2);
      expect(c.out).toEqual([]);
      expect(c.err.join('')).toMatch(/usage|--top-n|unknown option/);
    }
  });

  it('a bad recogniser variable stops it before any image, naming the variable', async () => {
    const saved = process.env.READER_WIDE_CROP;
    process.env.READER_WIDE_CROP = 'wide';
    const c = capture();
    const code = await runRecogniseCommand(['recognise', '--jsonl', 'a.jpg']).finally(() => {
      c.restore();
      if (saved === undefined) delete process.env.READER_WIDE_CROP;
      else process.env.READER_WIDE_CROP = saved;
    });
    expect(code).toBe(2);
    expect(c.out).toEqual([]);
    expect(c.err.join('')).toMatch(/Invalid configuration: READER_WIDE_CROP/);
  });

  it('without models, still answers one JSON error line per image on stdout', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'npr-no-models-'));
    const c = capture();
    const code = await runRecogniseCommand(['recognise', '--jsonl', `--models-dir=${empty}`, 'a.jpg', 'b.png']).finally(c.restore);
    expect(code).toBe(1);
    const lines = c.out.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { file: 'a.jpg', error: { code: 'MODELS_MISSING', message: expect.stringContaining('detector.onnx') } },
      { file: 'b.png', error: { code: 'MODELS_MISSING', message: expect.any(String) } },
    ]);
  });
});
