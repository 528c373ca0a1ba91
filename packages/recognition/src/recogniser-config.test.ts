import { ConfigError } from '@npr/runtime';
import { RECOGNISER_DEFAULTS, recogniserOptionsFromEnv } from './recogniser-config';

describe("the recogniser's environment variables", () => {
  test('unset or empty, every option is its default', () => {
    const expected = {
      modelsDir: undefined,
      device: RECOGNISER_DEFAULTS.device,
      threads: RECOGNISER_DEFAULTS.threads,
      decodeThreads: RECOGNISER_DEFAULTS.decodeThreads,
      detectorSize: RECOGNISER_DEFAULTS.detectorSize,
      detectorExtraSizes: RECOGNISER_DEFAULTS.detectorExtraSizes,
      rescanBelow: RECOGNISER_DEFAULTS.rescanBelow,
      detectionThreshold: RECOGNISER_DEFAULTS.detectionThreshold,
      minConfidence: RECOGNISER_DEFAULTS.minConfidence,
      minPlateChance: RECOGNISER_DEFAULTS.minPlateChance,
      wideCrop: RECOGNISER_DEFAULTS.wideCrop,
      wideBelow: RECOGNISER_DEFAULTS.wideBelow,
    };
    expect(recogniserOptionsFromEnv({})).toEqual(expected);
    expect(recogniserOptionsFromEnv({ DETECTOR_SIZE: '', READER_WIDE_CROP: '', INFERENCE_DEVICE: '' })).toEqual(expected);
  });

  test('values are read as the operator writes them', () => {
    expect(
      recogniserOptionsFromEnv({
        MODELS_DIR: '/srv/models',
        INFERENCE_DEVICE: 'CUDA',
        INFERENCE_THREADS: '4',
        DECODE_THREADS: '1',
        DETECTOR_SIZE: '800',
        DETECTOR_EXTRA_SIZES: '800, 960',
        RESCAN_BELOW: '0.6',
        DETECTION_THRESHOLD: '0.25',
        MIN_PLATE_CONFIDENCE: '0',
        MIN_PLATE_CHANCE: '1',
        READER_WIDE_CROP: '1.2,1.4',
        READER_WIDE_BELOW: '1',
      }),
    ).toEqual({
      modelsDir: '/srv/models',
      device: 'cuda',
      threads: 4,
      decodeThreads: 1,
      detectorSize: 800,
      detectorExtraSizes: [800, 960],
      rescanBelow: 0.6,
      detectionThreshold: 0.25,
      minConfidence: 0,
      minPlateChance: 1,
      wideCrop: [1.2, 1.4],
      wideBelow: 1,
    });
  });

  test('"none" turns the second detector look and the wider crop off', () => {
    expect(recogniserOptionsFromEnv({ DETECTOR_EXTRA_SIZES: 'none', READER_WIDE_CROP: 'none' })).toMatchObject({ detectorExtraSizes: [], wideCrop: null });
  });

  test.each([
    ['INFERENCE_DEVICE', 'gpu'],
    ['INFERENCE_THREADS', '0'],
    ['INFERENCE_THREADS', 'two'],
    ['DECODE_THREADS', '1.5'],
    ['DETECTOR_SIZE', '32'],
    ['DETECTOR_EXTRA_SIZES', '800,big'],
    ['DETECTOR_EXTRA_SIZES', '800,10'],
    ['RESCAN_BELOW', '1.5'],
    ['DETECTION_THRESHOLD', '-0.1'],
    ['MIN_PLATE_CONFIDENCE', 'high'],
    ['MIN_PLATE_CHANCE', '2'],
    ['READER_WIDE_CROP', '1.3'],
    ['READER_WIDE_CROP', '0.9,1.2'],
    ['READER_WIDE_CROP', '1.3,1.4,1.5'],
    ['READER_WIDE_BELOW', 'x'],
  ])('%s=%s is refused, naming the variable', (name, value) => {
    const load = () => recogniserOptionsFromEnv({ [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`\\b${name}\\b`));
  });
});
