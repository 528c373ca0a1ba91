import { RecognitionError, type RecognitionErrorCode } from '@npr/recognition';
import { createLogger } from '@npr/runtime';
import { createRecognitionProcessor, type RecogniserState } from './recognition.processor';

const logger = createLogger({ name: 'test', level: 'silent' });
const data = { requestId: 'r1', accountId: 'a1', imageKey: 'k', options: { regions: ['gb'] } };
const job = { id: 'r1-rec', attemptsMade: 0 };
const plate = { plate: 'AB12CDE', confidence: 0.9, region: 'gb', bounding_box: { x: 1, y: 2, width: 3, height: 4 } };

describe('recognition processor', () => {
  test('passes the bytes and options to the recogniser and times it', async () => {
    const seen: unknown[] = [];
    const recogniser = { recognise: async (bytes: Buffer, opts?: unknown) => (seen.push(bytes.toString(), opts), [plate]), close: async () => {} };
    let t = 100;
    const handle = createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser }), logger, now: () => (t += 25) });
    expect(await handle(data, Buffer.from('img'), job)).toEqual({ plates: [plate], processing_time_ms: 25 });
    expect(seen).toEqual(['img', { regions: ['gb'] }]);
  });

  test('leaves out plates under the request\'s threshold_detection or threshold_read', async () => {
    const plates = [
      { ...plate, plate: 'KEEP', confidence: 0.9, detection_score: 0.8 },
      { ...plate, plate: 'LOWREAD', confidence: 0.4, detection_score: 0.9 },
      { ...plate, plate: 'LOWDETECT', confidence: 0.9, detection_score: 0.3 },
    ];
    const recogniser = { recognise: async () => plates, close: async () => {} };
    const handle = createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser }), logger, observeColours: async (_photo, p) => p });
    const read = async (options: object) => (await handle({ ...data, options }, Buffer.from('img'), job)).plates.map((p) => p.plate);
    expect(await read({ thresholdDetection: 0.5, thresholdRead: 0.5 })).toEqual(['KEEP']);
    expect(await read({ thresholdRead: 0.5 })).toEqual(['KEEP', 'LOWDETECT']);
    expect(await read({ thresholdDetection: 0.5 })).toEqual(['KEEP', 'LOWREAD']);
    expect(await read({})).toEqual(['KEEP', 'LOWREAD', 'LOWDETECT']);
  });

  test("the colour step gets the recogniser's decoded pixels instead of decoding the bytes again", async () => {
    const pixels = { data: new Uint8Array(8 * 6 * 3), width: 8, height: 6, channels: 3 };
    const asked: unknown[] = [];
    const recogniser = {
      recognise: async () => [plate],
      recogniseWithTimings: async (_b: Buffer, opts?: unknown) => (
        asked.push(opts), { results: [plate], timings: { decode: 1, detect: 1, read: 1, total: 3 }, width: 8, height: 6, pixels }
      ),
      close: async () => {},
    };
    const given: unknown[] = [];
    const handle = createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser }), logger, observeColours: async (photo, p) => (given.push(photo), p) });
    await handle(data, Buffer.from('img'), job);
    expect(asked).toEqual([{ regions: ['gb'], keepPixels: true }]);
    expect(given).toEqual([{ image: pixels, scale: 1 }]);
    // the very buffer the recogniser decoded, not a copy
    expect((given[0] as { image: typeof pixels }).image.data).toBe(pixels.data);
  });

  test('pixels decoded smaller than the photo (over 2560 px) come with the scale of the boxes', async () => {
    const pixels = { data: new Uint8Array(4 * 3 * 3), width: 4, height: 3, channels: 3 };
    const recogniser = {
      recognise: async () => [plate],
      recogniseWithTimings: async () => ({ results: [plate], timings: { decode: 1, detect: 1, read: 1, total: 3 }, width: 8, height: 6, pixels }),
      close: async () => {},
    };
    const given: unknown[] = [];
    const handle = createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser }), logger, observeColours: async (photo, p) => (given.push(photo), p) });
    await handle(data, Buffer.from('img'), job);
    expect(given).toEqual([{ image: pixels, scale: 0.5 }]);
  });

  test('without pixels from the recogniser the colour step decodes the bytes', async () => {
    const recogniser = { recognise: async () => [plate], close: async () => {} };
    const given: unknown[] = [];
    const handle = createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser }), logger, observeColours: async (photo, p) => (given.push(photo), p) });
    await handle(data, Buffer.from('img'), job);
    expect(given).toEqual([Buffer.from('img')]);
  });

  test.each<[string, RecogniserState]>([
    ['loading', { status: 'loading' }],
    ['failed to load', { status: 'failed', reason: 'models/detector.onnx missing' }],
  ])('a recogniser that is %s fails the job with SERVICE_UNAVAILABLE, never with invented plates', async (_, state) => {
    const handle = createRecognitionProcessor({ recogniser: () => state, logger });
    await expect(handle(data, Buffer.from('img'), job)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
  });

  test.each<[RecognitionErrorCode, string, number]>([
    ['INVALID_IMAGE', 'INVALID_IMAGE', 400],
    ['MODELS_MISSING', 'SERVICE_UNAVAILABLE', 503],
  ])('a RecognitionError %s becomes %s', async (code, expected, status) => {
    const failure = new RecognitionError(code, 'nope');
    const recogniser = { recognise: async () => Promise.reject(failure), close: async () => {} };
    const handle = createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser }), logger, observeColours: async (_i, p) => p });
    await expect(handle(data, Buffer.from('img'), job)).rejects.toMatchObject({ code: expected, status });
  });

  test('an inference failure stays retryable (not an AppError)', async () => {
    const failure = new RecognitionError('INFERENCE_FAILED', 'ORT');
    const recogniser = { recognise: async () => Promise.reject(failure), close: async () => {} };
    const handle = createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser }), logger, observeColours: async (_i, p) => p });
    await expect(handle(data, Buffer.from('img'), job)).rejects.toBe(failure);
  });
});
