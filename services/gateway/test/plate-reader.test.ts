/**
 * @jest-environment ../../../packages/recognition/test/onnx-test-environment.js
 */
// POST /v1/plate-reader/ as a client written for Plate Recognizer's Snapshot API uses it: the requests are
// the ones their public documentation shows (multipart `upload` with `regions`, base64 `upload`,
// `upload_url`, `camera_id`, `timestamp`, `config`, `Authorization: Token ...`), the answers are checked
// field by field against the shape it documents. The whole system runs: gateway, flow, workers, Redis,
// PostgreSQL. Also: our /api/v1/recognise taking the same image inputs.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PlateReaderErrorSchema, PlateReaderResponseSchema, RecognitionResponseSchema } from '@npr/contracts';
import { parseAllowedHosts } from '@npr/outbound';
import { solidImage } from '@npr/test-support';
import { EASY_PHOTOS, REAL_MODELS_TIMEOUT_MS, describeWithDevPhotos, devPhoto } from './dev-photos';
import { IMAGE_INPUTS_DOC_PAGE, imageBase64Python, imageUrlCurl, imageUrlJavaScript } from '../src/dashboard/docs-image-inputs';
import { PLATE_RECOGNIZER_DOC_PAGE } from '../src/dashboard/docs-plate-recognizer';
import { plateReaderCurl, plateReaderJavaScript, plateReaderPython } from '../src/openapi/plate-reader-docs';
import { COLOURS } from './fake-recogniser';
import { startTestSystem, useRealRecogniser, type TestSystem } from './test-system';

jest.setTimeout(60_000);

const VAN = { make: 'FORD', colour: 'White', year: 2019, fuel_type: 'diesel', type: 'van' as const };

/** A camera's HTTP snapshot server on loopback: the operator allows it by host:port; `other` is never allowed. */
let images: http.Server;
let other: http.Server;
const hits: string[] = [];
const otherHits: string[] = [];
let imagesPort = 0;
let otherPort = 0;
let plateJpeg: Buffer;

let sys: TestSystem;
let key: string;
beforeAll(async () => {
  plateJpeg = await solidImage({ colour: COLOURS.plate });
  images = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/snapshots/car.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(plateJpeg);
    if (req.url === '/to-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (req.url === '/to-other') return res.writeHead(302, { location: `http://127.0.0.1:${otherPort}/car.jpg` }).end();
    res.writeHead(404).end();
  });
  other = http.createServer((req, res) => {
    otherHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(plateJpeg);
  });
  await Promise.all([images, other].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  imagesPort = (images.address() as AddressInfo).port;
  otherPort = (other.address() as AddressInfo).port;
  sys = await startTestSystem({
    vehicles: { AB12CDE: VAN },
    appOverrides: { uploadUrl: { allowedHosts: parseAllowedHosts(`127.0.0.1:${imagesPort}`), timeoutMs: 5000 } },
  });
  ({ key } = await sys.createKey({ limit: { requests: 1000, windowSeconds: 60 } }));
});
afterAll(async () => {
  await sys.close();
  for (const s of [images, other]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});
beforeEach(() => {
  hits.length = 0;
  otherHits.length = 0;
});

const plateReader = (path = '/v1/plate-reader/') => sys.http().post(path).set('Authorization', `Token ${key}`);

/** The documented top-level fields, and nothing else. */
const RESPONSE_FIELDS = ['camera_id', 'filename', 'processing_time', 'results', 'timestamp', 'version'];

describe('POST /v1/plate-reader/ (Plate Recognizer Snapshot API)', () => {
  test('their curl example (multipart upload, regions, Token auth): 201 with their answer, field by field', async () => {
    const res = await plateReader().attach('upload', plateJpeg, 'car.jpg').field('regions', 'gb');
    expect(res.status).toBe(201);
    const body = PlateReaderResponseSchema.parse(res.body);
    expect(Object.keys(res.body).sort()).toEqual(RESPONSE_FIELDS);
    expect(body).toEqual({
      processing_time: expect.any(Number),
      filename: 'car.jpg',
      version: 1,
      camera_id: null,
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      results: [
        {
          // our box {x: 120, y: 340, width: 200, height: 60} as corners
          box: { xmin: 120, ymin: 340, xmax: 320, ymax: 400 },
          plate: 'ab12cde',
          region: { code: 'gb', score: null },
          score: 0.97,
          dscore: null,
          candidates: [{ score: 0.97, plate: 'ab12cde' }],
          // the registry says van; there is no vehicle detector, so no score or box
          vehicle: { score: null, type: 'Van', box: null },
        },
      ],
    });
    expect(body.processing_time).toBeGreaterThan(0);
    expect(Math.abs(Date.parse(body.timestamp) - Date.now())).toBeLessThan(60_000);
    // the same limits as our own endpoints
    expect(res.headers['x-ratelimit-limit']).toBe('1000');
  });

  test('without the trailing slash, with our Bearer form, and the same rate-limit window as /api/v1', async () => {
    const first = await plateReader('/v1/plate-reader').attach('upload', plateJpeg, 'car.jpg');
    expect(first.status).toBe(201);
    const bearer = await sys.http().post('/v1/plate-reader/').set('Authorization', `Bearer ${key}`).attach('upload', plateJpeg, 'car.jpg');
    expect(bearer.status).toBe(201);
    const ours = await sys.http().post('/api/v1/recognise').set('Authorization', `Bearer ${key}`).attach('upload', plateJpeg, 'car.jpg');
    expect(ours.status).toBe(200);
    const remaining = [first, bearer, ours].map((r) => Number(r.headers['x-ratelimit-remaining']));
    expect(remaining).toEqual([remaining[0], remaining[0]! - 1, remaining[0]! - 2]);
  });

  test('camera_id and timestamp (ISO 8601, UTC when no offset) are echoed; regions may repeat; mmc is accepted and no make/model is invented', async () => {
    const res = await plateReader()
      .attach('upload', plateJpeg, 'car.jpg')
      .field('regions', 'gb')
      .field('regions', 'us-ca')
      .field('camera_id', 'gate-2')
      .field('timestamp', '2026-12-02T15:04:05')
      .field('mmc', 'true');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ camera_id: 'gate-2', timestamp: '2026-12-02T15:04:05.000Z' });
    expect(res.body.results[0]).not.toHaveProperty('model_make');
    expect(res.body.results[0]).not.toHaveProperty('color');
  });

  test('a photo without a plate: 201 with empty results, as theirs', async () => {
    const res = await plateReader().attach('upload', await solidImage({ colour: COLOURS.noPlates }), 'empty.jpg');
    expect(res.status).toBe(201);
    expect(PlateReaderResponseSchema.parse(res.body)).toMatchObject({ results: [], filename: 'empty.jpg' });
  });

  test('upload as a base64 string (form field or JSON, with or without a data: prefix)', async () => {
    const form = await plateReader().type('form').send({ upload: plateJpeg.toString('base64'), camera_id: 'cam-1' });
    expect(form.status).toBe(201);
    expect(form.body).toMatchObject({ filename: null, camera_id: 'cam-1', results: [{ plate: 'ab12cde' }] });
    const json = await plateReader().send({ upload: `data:image/jpeg;base64,${plateJpeg.toString('base64')}` });
    expect(json.status).toBe(201);
    expect(json.body.results).toHaveLength(1);
    const multipartText = await plateReader().field('upload', plateJpeg.toString('base64'));
    expect(multipartText.status).toBe(201);
  });

  test('upload_url from a host the operator allowed', async () => {
    const res = await plateReader().type('form').send({ upload_url: `http://127.0.0.1:${imagesPort}/snapshots/car.jpg` });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ filename: 'car.jpg', results: [{ plate: 'ab12cde' }] });
    expect(hits).toEqual(['/snapshots/car.jpg']);
  });

  test.each([
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', 'http://10.0.0.7/snapshot.jpg'],
    ['loopback on a port not allowed', 'http://127.0.0.1:OTHER/car.jpg'],
    ['localhost (resolves to loopback)', 'http://localhost:OTHER/car.jpg'],
    ['an allowed host redirecting to the metadata address', 'http://127.0.0.1:IMAGES/to-metadata'],
    ['an allowed host redirecting to a loopback port not allowed', 'http://127.0.0.1:IMAGES/to-other'],
    ['a file: URL', 'file:///etc/passwd'],
  ])('upload_url to %s: 400 in their error shape, nothing fetched there', async (_what, template) => {
    const url = template.replace('OTHER', String(otherPort)).replace('IMAGES', String(imagesPort));
    const res = await plateReader().type('form').send({ upload_url: url });
    expect(res.status).toBe(400);
    expect(PlateReaderErrorSchema.parse(res.body)).toEqual({ error: expect.stringContaining('upload_url'), status_code: 400, code: 'BAD_REQUEST' });
    expect(otherHits).toEqual([]);
  });

  test('upload_url that answers 404: 400 saying so', async () => {
    const res = await plateReader().type('form').send({ upload_url: `http://127.0.0.1:${imagesPort}/gone.jpg` });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('HTTP 404');
  });

  test('config: threshold_o and region "strict" filter plates; threshold_d, mode and detection_rule are accepted', async () => {
    const send = (config: object, regions = 'gb') => plateReader().attach('upload', plateJpeg, 'car.jpg').field('regions', regions).field('config', JSON.stringify(config));
    expect((await send({ threshold_o: 0.98 })).body.results).toEqual([]);
    expect((await send({ threshold_o: 0.5, threshold_d: 0.5, mode: 'fast', detection_rule: 'strict' })).body.results).toHaveLength(1);
    expect((await send({ region: 'strict' }, 'fr')).body.results).toEqual([]);
    expect((await send({ region: 'strict' }, 'gb,fr')).body.results).toHaveLength(1);
  });

  test.each([
    ['no image', (r: ReturnType<typeof plateReader>) => r.type('form').send({ regions: 'gb' }), 'upload'],
    ['config that is not JSON', (r: ReturnType<typeof plateReader>) => r.attach('upload', plateJpeg, 'car.jpg').field('config', '{region:'), 'config'],
    ['a timestamp that is not ISO 8601', (r: ReturnType<typeof plateReader>) => r.attach('upload', plateJpeg, 'car.jpg').field('timestamp', 'yesterday'), 'timestamp'],
    ['a file that is not an image', (r: ReturnType<typeof plateReader>) => r.attach('upload', Buffer.from('not a jpeg'), 'car.jpg'), 'image'],
    ['base64 that is not base64', (r: ReturnType<typeof plateReader>) => r.type('form').send({ upload: '%%%' }), 'base64'],
  ])('%s: 400 {error, status_code}', async (_what, build, mentions) => {
    const res = await build(plateReader());
    expect(res.status).toBe(400);
    expect(PlateReaderErrorSchema.parse(res.body)).toMatchObject({ status_code: 400 });
    expect(res.body.error).toContain(mentions);
  });

  test('a file over the size limit: 413 {error, status_code}', async () => {
    const res = await plateReader().attach('upload', Buffer.alloc(10 * 1024 * 1024 + 1, 0xff), 'big.jpg');
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: expect.stringContaining('10 MB'), status_code: 413, code: 'IMAGE_TOO_LARGE' });
  });

  test.each([
    ['an unknown token', { Authorization: 'Token npr_live_0000000000000000000000000000' }, /invalid|unknown/i],
    ['no Authorization header', {} as Record<string, string>, /missing/i],
  ])('%s: 403 {detail, status_code}, as theirs', async (_what, headers, detail) => {
    const res = await sys.http().post('/v1/plate-reader/').set(headers).attach('upload', plateJpeg, 'car.jpg');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ detail: expect.stringMatching(detail), status_code: 403, code: 'INVALID_API_KEY' });
  });

  test('over the rate limit: 429 {detail, status_code} with Retry-After, and the refused image is not queued', async () => {
    const limited = await sys.createKey({ limit: { requests: 1, windowSeconds: 60 } });
    const send = () => sys.http().post('/v1/plate-reader/').set('Authorization', `Token ${limited.key}`).attach('upload', plateJpeg, 'car.jpg');
    expect((await send()).status).toBe(201);
    const calls = sys.recogniser.calls;
    const res = await send();
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ detail: expect.stringContaining('Rate limit'), status_code: 429, code: 'RATE_LIMIT_EXCEEDED' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['x-ratelimit-remaining']).toBe('0');
    expect(sys.recogniser.calls).toBe(calls);
  });

  test('another path under /v1 is not taken by this route: 404', async () => {
    const res = await plateReader('/v1/plate-readers/').attach('upload', plateJpeg, 'car.jpg');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  describeWithDevPhotos('plate-reader.test.ts')('a real photo, with the real models', () => {
    useRealRecogniser(() => sys);

    test('the plate read where it is, with detection score and candidates', async () => {
      const photo = devPhoto(EASY_PHOTOS.gb);
      const res = await plateReader().attach('upload', photo.path).field('regions', 'gb');
      expect(res.status).toBe(201);
      const body = PlateReaderResponseSchema.parse(res.body);
      const read = body.results.find((r) => r.plate === photo.plate.toLowerCase());
      expect(read).toBeDefined();
      expect(read!.box.xmin).toBeLessThan(photo.box.x + photo.box.width);
      expect(read!.box.xmax).toBeGreaterThan(photo.box.x);
      expect(read!.dscore).toEqual(expect.any(Number));
      expect(read!.candidates[0]).toEqual({ score: read!.score, plate: read!.plate });
      expect(read!.region.code).toBe('gb');
    }, REAL_MODELS_TIMEOUT_MS);
  });
});

const run = promisify(execFile);
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Runs `body` with the app listening on a free loopback port and a temporary folder holding car.jpg. */
async function withListeningApp(body: (origin: string, dir: string) => Promise<void>) {
  const server = sys.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npr-docs-samples-'));
  try {
    await fs.writeFile(path.join(dir, 'car.jpg'), plateJpeg);
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, dir);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('the docs page "Images by URL or base64"', () => {
  test('shows its curl, Python and JavaScript samples, which work against this server (the camera URLs pointed at a local one)', async () => {
    const page = IMAGE_INPUTS_DOC_PAGE.body('https://nprapi.com/api/v1').value;
    for (const sample of [imageUrlCurl, imageBase64Python, imageUrlJavaScript]) expect(page).toContain(escaped(sample('https://nprapi.com/api/v1')));
    await withListeningApp(async (origin, dir) => {
      const local = (code: string) => code.replace('YOUR_API_KEY', key).replace(/https:\/\/camera\.example\.com\/[\w-]+\.jpg/g, `http://127.0.0.1:${imagesPort}/snapshots/car.jpg`);
      await fs.writeFile(path.join(dir, 'sample.py'), local(imageBase64Python(`${origin}/api/v1`)));
      await fs.writeFile(path.join(dir, 'sample.mjs'), local(imageUrlJavaScript(`${origin}/api/v1`)));
      expect((await run('/usr/bin/python3', ['sample.py'], { cwd: dir })).stdout).toBe('AB12 CDE 0.97 gate-2\n');
      expect((await run(process.execPath, ['sample.mjs'], { cwd: dir })).stdout).toBe('AB12 CDE\nAB12 CDE\n');
      const curl = JSON.parse((await run('bash', ['-c', local(imageUrlCurl(`${origin}/api/v1`))], { cwd: dir })).stdout);
      expect(curl).toMatchObject({ success: true, camera_id: 'gate-2', results: [{ plate: 'AB12 CDE' }] });
    });
  });
});

describe('the docs page "Moving from Plate Recognizer"', () => {
  test('shows the curl line and the Python and JavaScript samples, which work as written against this server', async () => {
    const page = PLATE_RECOGNIZER_DOC_PAGE.body('https://nprapi.com/api/v1').value;
    expect(page).toContain('Authorization: Token YOUR_API_KEY');
    for (const sample of [plateReaderCurl, plateReaderPython, plateReaderJavaScript]) {
      expect(page).toContain(escaped(sample('https://nprapi.com')));
    }

    await withListeningApp(async (origin, dir) => {
      const withKey = (code: string) => code.replace('YOUR_API_KEY', key);
      await fs.writeFile(path.join(dir, 'sample.py'), withKey(plateReaderPython(origin)));
      await fs.writeFile(path.join(dir, 'sample.mjs'), withKey(plateReaderJavaScript(origin)));
      expect((await run('/usr/bin/python3', ['sample.py'], { cwd: dir })).stdout).toBe('ab12cde 0.97\n');
      expect((await run(process.execPath, ['sample.mjs'], { cwd: dir })).stdout).toBe('ab12cde 0.97\n');
      const curl = await run('bash', ['-c', withKey(plateReaderCurl(origin))], { cwd: dir });
      expect(JSON.parse(curl.stdout)).toMatchObject({ results: [{ plate: 'ab12cde' }] });
    });
  });
});

describe('POST /api/v1/recognise takes the same image inputs', () => {
  const recognise = () => sys.http().post('/api/v1/recognise').set('Authorization', `Bearer ${key}`);

  test('upload as base64 (form field) and upload_url from an allowed host', async () => {
    const base64 = await recognise().type('form').send({ upload: plateJpeg.toString('base64') });
    expect(base64.status).toBe(200);
    expect(RecognitionResponseSchema.parse(base64.body).results[0]!.plate).toBe('AB12 CDE');
    const byUrl = await recognise().send({ upload_url: `http://127.0.0.1:${imagesPort}/snapshots/car.jpg` });
    expect(byUrl.status).toBe(200);
    expect(byUrl.body.results[0].plate).toBe('AB12 CDE');
  });

  test('upload_url to the metadata address: 400 BAD_REQUEST; a base64 image follows the resolution rule', async () => {
    const refused = await recognise().send({ upload_url: 'http://169.254.169.254/latest/meta-data/' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('upload_url') });
    const small = await recognise().send({ upload: (await solidImage({ width: 300, height: 200, colour: COLOURS.plate })).toString('base64') });
    expect(small.status).toBe(400);
    expect(small.body.error.code).toBe('INVALID_IMAGE');
  });

  test('camera_id and timestamp are echoed, also when the job is polled; a bad timestamp is 400', async () => {
    const sync = await recognise().attach('upload', plateJpeg, 'car.jpg').field('camera_id', 'gate-2').field('timestamp', '2026-12-02T15:04:05+01:00');
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ success: true, camera_id: 'gate-2', timestamp: '2026-12-02T14:04:05.000Z' });
    const queued = await sys.http().post('/api/v1/recognise?async=true&camera_id=cam-9').set('Authorization', `Bearer ${key}`).attach('upload', plateJpeg, 'car.jpg');
    expect(queued.status).toBe(202);
    let polled: { status: number; body: any } | undefined;
    for (let i = 0; i < 100 && polled?.body.status !== 'completed'; i++) {
      polled = await sys.http().get(`/api/v1/jobs/${queued.body.job_id}`).set('Authorization', `Bearer ${key}`);
      if (polled.body.status !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(polled!.body).toMatchObject({ status: 'completed', camera_id: 'cam-9', results: [{ plate: 'AB12 CDE' }] });
    expect(polled!.body).not.toHaveProperty('timestamp');
    const batch = await sys.http().post('/api/v1/batch').set('Authorization', `Bearer ${key}`).attach('images[]', plateJpeg, 'a.jpg').field('camera_id', 'gate-3');
    expect(batch.body).toMatchObject({ success: true, camera_id: 'gate-3', results: [{ success: true }] });
    const bad = await recognise().attach('upload', plateJpeg, 'car.jpg').field('timestamp', '02/12/2026');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('timestamp');
  });

  test('threshold_read leaves out plates read with less confidence (none left: 422 NO_PLATES_FOUND); out of range is 400', async () => {
    const high = await recognise().attach('upload', plateJpeg, 'car.jpg').field('threshold_read', '0.98');
    expect(high.status).toBe(422);
    expect(high.body.error.code).toBe('NO_PLATES_FOUND');
    const low = await recognise().attach('upload', plateJpeg, 'car.jpg').field('threshold_read', '0.5').field('threshold_detection', '0.1');
    expect(low.status).toBe(200);
    expect(low.body.results).toHaveLength(1);
    const wrong = await recognise().attach('upload', plateJpeg, 'car.jpg').field('threshold_detection', '2');
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain('threshold_detection');
  });

  test('/batch: files, base64 strings and upload_urls in one request, in that order; a refused URL is its entry\'s error', async () => {
    const res = await sys
      .http()
      .post('/api/v1/batch')
      .set('Authorization', `Bearer ${key}`)
      .attach('images[]', plateJpeg, 'a.jpg')
      .field('images[]', (await solidImage({ colour: COLOURS.noPlates })).toString('base64'))
      .field('upload_url', 'http://169.254.169.254/latest/meta-data/')
      .field('upload_url', `http://127.0.0.1:${imagesPort}/snapshots/car.jpg`);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => (r.success ? r.results[0].plate : r.error.code))).toEqual(['AB12 CDE', 'NO_PLATES_FOUND', 'BAD_REQUEST', 'AB12 CDE']);
    expect(res.body.results[2].error.message).toContain('upload_url');
    const json = await sys.http().post('/api/v1/batch').set('Authorization', `Bearer ${key}`).send({ images: [plateJpeg.toString('base64')], upload_url: [`http://127.0.0.1:${imagesPort}/snapshots/car.jpg`] });
    expect(json.status).toBe(200);
    expect(json.body.results).toHaveLength(2);
    const tooMany = await sys.http().post('/api/v1/batch').set('Authorization', `Bearer ${key}`).send({ upload_url: Array.from({ length: 21 }, () => 'http://example.com/a.jpg') });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain('At most 20');
  });

  test('a file and upload_url together: 400', async () => {
    const res = await recognise().attach('upload', plateJpeg, 'car.jpg').field('upload_url', `http://127.0.0.1:${imagesPort}/snapshots/car.jpg`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(hits).toEqual([]);
  });
});
