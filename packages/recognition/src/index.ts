/** @npr/recognition: find and read number plates in photos with the project's own ONNX models. */
export { createRecogniser, recognise, getDefaultRecogniser, closeDefaultRecogniser, defaultModelsDir, detectionFactor } from './recogniser';
export type { Recogniser, RecogniserOptions, RecogniserInfo } from './recogniser';
export type { PlateResult, PlateCandidate, RecogniseOptions, RecogniseWithTimingsOptions, RecogniseOutcome, DecodedPixels, StageTimings } from './types';
export type { BoundingBox } from './detect-plates';
export { RecognitionError, type RecognitionErrorCode } from './errors';
export { REGIONS, formatPlate, formatFit, parseRegions, type Region } from './plate-formats';
