/** @npr/recognition: find and read number plates in photos with the project's own ONNX models. */
export { createRecogniser, recognise, getDefaultRecogniser, closeDefaultRecogniser, defaultModelsDir, detectionFactor } from './recogniser';
export type { Recogniser, RecogniserOptions, RecogniserInfo } from './recogniser';
export { RECOGNISER_DEFAULTS, RecogniserConfigSchema, recogniserOptions, recogniserOptionsFromEnv, type RecogniserConfig } from './recogniser-config';
export type { PlateResult, PlateCandidate, RecogniseOptions, RecogniseWithTimingsOptions, RecogniseOutcome, DecodedPixels, StageTimings } from './types';
export type { BoundingBox } from './detect-plates';
export { RecognitionError, type RecognitionErrorCode } from './errors';
export { REGIONS, formatPlate, formatFit, parseRegions, type Region } from './plate-formats';
// the camera's view of the car's colour, from the pixels the recogniser decoded (or the bytes)
export { addObservedColours, decodeForColour, type ColourPixels } from './colour/observe-colours';
export { estimateVehicleColour } from './colour/estimate-vehicle-colour';
