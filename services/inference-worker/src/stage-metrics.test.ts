import { EventEmitter } from 'node:events';
import { createLogger, metricsRegistry, observeWorkerJobs } from '@npr/runtime';
import { createRecognitionProcessor } from './recognition.processor';

const logger = createLogger({ name: 'test', level: 'silent' });
const data = { requestId: 'r1', accountId: 'a1', imageKey: 'k', options: {} };

describe('inference worker metrics', () => {
  beforeEach(() => metricsRegistry.resetMetrics());

  test('each job records its decode/detect/read stages and model inference time', async () => {
    const recogniser = {
      recognise: async () => [],
      recogniseWithTimings: async () => ({ results: [], timings: { decode: 9, detect: 30, read: 4, total: 43 } }),
      info: { device: 'cpu' },
      close: async () => {},
    };
    const handle = createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser }), logger });
    await handle(data, Buffer.from('img'), { id: 'r1-rec', attemptsMade: 0 });
    const text = await metricsRegistry.metrics();
    expect(text).toContain('npr_stage_duration_seconds_sum{stage="decode"} 0.009');
    expect(text).toContain('npr_stage_duration_seconds_sum{stage="detect"} 0.03');
    expect(text).toContain('npr_stage_duration_seconds_count{stage="read"} 1');
    expect(text).toContain('npr_model_inference_seconds_count{model="detector",device="cpu"} 1');
  });

  test('job duration and queue wait come from the worker events', async () => {
    const worker = new EventEmitter();
    observeWorkerJobs(worker, 'recognition');
    worker.emit('completed', { timestamp: 1_000, processedOn: 1_250, finishedOn: 1_300 });
    worker.emit('failed', { timestamp: 1_000, processedOn: 2_000, finishedOn: 2_500 }, new Error('x'));
    const text = await metricsRegistry.metrics();
    expect(text).toContain('npr_job_duration_seconds_sum{queue="recognition",status="completed"} 0.05');
    expect(text).toContain('npr_job_duration_seconds_sum{queue="recognition",status="failed"} 0.5');
    expect(text).toContain('npr_job_queue_wait_seconds_sum{queue="recognition"} 0.25');
  });
});
