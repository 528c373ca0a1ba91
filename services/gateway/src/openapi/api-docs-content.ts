// The public documentation's facts in one place: the /docs pages and the OpenAPI document both read
// them, and a unit test parses the examples with the same zod schemas the gateway answers with.
import type { z } from 'zod';
import {
  ERROR_STATUS,
  OBSERVED_COLOURS,
  PLAN_LIMITS,
  PLAN_MONTHLY_QUOTAS,
  UPLOAD_LIMITS,
  VEHICLE_TYPES,
  type BatchResponse,
  type ErrorBody,
  type ErrorCode,
  type JobAccepted,
  type JobStatusResponseSchema,
  type RecognitionResponse,
} from '@npr/contracts';

type JobStatusResponse = z.infer<typeof JobStatusResponseSchema>;

/** What a recognise call answers, field for field as the API gives it (a plate the operator's registry knows). */
export const EXAMPLE_RECOGNISE_RESPONSE: RecognitionResponse = {
  success: true,
  results: [
    {
      plate: 'AB12 CDE',
      confidence: 0.97,
      region: 'gb',
      bounding_box: { x: 120, y: 338, width: 200, height: 62 },
      detection_score: 0.99,
      corners: [
        [120.4, 341.2],
        [319.6, 338.3],
        [320, 398.1],
        [121, 400],
      ],
      candidates: [
        { plate: 'AB12 CDE', confidence: 0.97 },
        { plate: 'AB12 COE', confidence: 0.02 },
      ],
      observed_colour: { name: 'black', confidence: 0.81 },
      vehicle: { make: 'BMW', colour: 'Black', year: 2021, fuel_type: 'petrol', model: '320i', type: 'car', source: 'operator', colour_source: 'operator', colour_match: true },
    },
  ],
  processing_time_ms: 182,
};

/** A plate no vehicle source knows: the vehicle is only what the camera saw (its body colour). */
export const EXAMPLE_CAMERA_ONLY_VEHICLE = {
  make: null,
  colour: 'Red',
  year: null,
  fuel_type: null,
  model: null,
  type: null,
  source: 'camera',
  colour_source: 'camera',
  colour_confidence: 0.74,
} as const;

export const EXAMPLE_NO_PLATES: ErrorBody = {
  success: false,
  error: { code: 'NO_PLATES_FOUND', message: 'No number plates were detected in the image.' },
};

/** A batch of two images: the first read, the second with no plate (its own error, in its slot). */
export const EXAMPLE_BATCH_RESPONSE: BatchResponse = { success: true, results: [EXAMPLE_RECOGNISE_RESPONSE, EXAMPLE_NO_PLATES] };

const EXAMPLE_JOB_ID = '5b0f3c1e-8a4d-4c1f-9f7e-2d6b8c0a1e93';
export const exampleJobAccepted = (base: string): JobAccepted => ({ success: true, job_id: EXAMPLE_JOB_ID, status: 'queued', url: `${base}/jobs/${EXAMPLE_JOB_ID}` });
export const exampleJobProcessing = (base: string): JobStatusResponse => ({ ...exampleJobAccepted(base), status: 'processing' });
export const EXAMPLE_JOB_COMPLETED: JobStatusResponse = { ...EXAMPLE_RECOGNISE_RESPONSE, job_id: EXAMPLE_JOB_ID, status: 'completed' };

/** Every field of a plate in a result. */
export const RESULT_FIELDS: { field: string; type: string; description: string }[] = [
  { field: 'plate', type: 'string', description: 'The best reading, formatted as the region writes it' },
  { field: 'confidence', type: 'number', description: 'How likely the reading is right, 0 to 1' },
  { field: 'region', type: 'string', description: 'Two-letter region code of the plate format (e.g. gb)' },
  { field: 'bounding_box', type: 'object', description: 'x, y, width, height in image pixels (integers): the bounds of the corners' },
  { field: 'corners', type: 'array', description: 'The plate\'s four corners [x, y] in image pixels: top-left, top-right, bottom-right, bottom-left (a tilted plate is not a rectangle)' },
  { field: 'detection_score', type: 'number', description: 'How sure the detector is that this is a plate, 0 to 1' },
  { field: 'candidates', type: 'array', description: 'Alternative readings, best first, each { plate, confidence }; as many as top_n asks for (default 5)' },
  { field: 'observed_colour', type: 'object', description: `The body colour the camera saw around the plate: { name, confidence }, name one of ${OBSERVED_COLOURS.join(', ')}; absent when no car body was visible` },
  { field: 'vehicle', type: 'object | null', description: 'Vehicle data (see Vehicles); null when nothing is known' },
  { field: 'processing_time_ms', type: 'number', description: 'Per image (beside results): time spent recognising it' },
];

export const EXAMPLE_ERROR: ErrorBody = {
  success: false,
  error: { code: 'INVALID_IMAGE', message: 'The uploaded file is not a valid image.' },
};

/** Every error code with the sentence the docs give it (the first five are the published list). */
export const ERROR_CODE_DESCRIPTIONS: Record<ErrorCode, string> = {
  INVALID_IMAGE: 'The file is not a supported image format',
  IMAGE_TOO_LARGE: 'The file exceeds the maximum size',
  NO_PLATES_FOUND: 'No number plates were detected',
  IMAGE_CRASHED_WORKER: 'Processing this image stopped the recognition worker several times in a row, so it was given up; the error carries a request_id for support',
  RATE_LIMIT_EXCEEDED: 'Too many requests in the current window',
  QUOTA_EXCEEDED: "The account's monthly quota of images is used up; it resets on the first day of the next month (UTC)",
  INVALID_API_KEY: 'The API key is missing, expired, or revoked',
  BAD_REQUEST: 'The request is malformed (for example no file in the "upload" field, or invalid options)',
  NOT_FOUND: 'No such route, or no such job for this account',
  INTERNAL_ERROR: 'Something failed on our side; the error carries a request_id for support',
  SERVICE_UNAVAILABLE: 'The service is not ready yet (for example while models load); retry shortly',
};
export const DOCUMENTED_ERROR_CODES: ErrorCode[] = ['INVALID_IMAGE', 'IMAGE_TOO_LARGE', 'NO_PLATES_FOUND', 'RATE_LIMIT_EXCEEDED', 'INVALID_API_KEY'];

export const STATUS_CODES: { status: number; meaning: string }[] = [
  { status: 200, meaning: 'Success' },
  { status: 202, meaning: 'Accepted — processing asynchronously; poll the job URL' },
  { status: 400, meaning: 'Bad request — invalid parameters or image' },
  { status: 401, meaning: 'Unauthorised — missing or invalid API key' },
  { status: 404, meaning: 'Not found — no such route or job' },
  { status: 413, meaning: `File too large — exceeds ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024}MB limit` },
  { status: 422, meaning: 'No plates detected in the image' },
  { status: 429, meaning: 'Rate limit exceeded (RATE_LIMIT_EXCEEDED) or monthly quota used up (QUOTA_EXCEEDED)' },
  { status: 500, meaning: 'Internal server error' },
  { status: 503, meaning: 'Service unavailable — try again shortly' },
];

export const VEHICLE_FIELDS: { field: string; type: string; description: string }[] = [
  { field: 'make', type: 'string', description: 'Vehicle manufacturer' },
  { field: 'colour', type: 'string', description: 'Vehicle colour' },
  { field: 'year', type: 'integer', description: 'Year of registration' },
  { field: 'fuel_type', type: 'string', description: 'Fuel type (petrol, diesel, electric, etc.)' },
  { field: 'model', type: 'string', description: 'Model, where the source gives one (the DVLA does not)' },
  {
    field: 'type',
    type: 'string',
    description: `Vehicle type (${VEHICLE_TYPES.join(', ')}), from the operator registry or the DVLA record; null when unknown (never guessed from the image)`,
  },
  { field: 'type_approval', type: 'string', description: 'UK plates: the DVLA type-approval category as given (e.g. M1, N1, L3)' },
  { field: 'wheelplan', type: 'string', description: 'UK plates: the DVLA wheelplan as given (e.g. 2 AXLE RIGID BODY)' },
  { field: 'source', type: 'string', description: 'Where the data came from: operator (this service\'s registry), dvla, or camera (only what the photo showed)' },
  { field: 'colour_source', type: 'string', description: 'Where colour came from: operator, dvla or camera; null when no colour is known' },
  { field: 'colour_confidence', type: 'number', description: 'With colour_source camera: how sure the camera-side estimate is, 0 to 1' },
  { field: 'colour_match', type: 'boolean', description: 'Whether the registered colour agrees with the colour the camera saw; false can mean a cloned plate; null when either is unknown' },
];

export const RATE_LIMIT_HEADERS: { header: string; description: string }[] = [
  { header: 'X-RateLimit-Limit', description: 'Maximum requests per window' },
  { header: 'X-RateLimit-Remaining', description: 'Requests remaining in current window' },
  { header: 'X-RateLimit-Reset', description: 'Unix timestamp when the window resets' },
];
export const SERVER_TIMING_DESCRIPTION =
  'W3C Server-Timing: milliseconds the gateway spent on each phase it reached (auth, upload, rate, validate, enqueue, recognition: the wait for the queue, the recogniser and the vehicle lookup, bill) and total';
export const RETRY_AFTER_DESCRIPTION = 'On 429 only: seconds to wait before the window resets and a request can succeed';

/** Sent with recognition answers (and every QUOTA_EXCEEDED) when the account's plan has a monthly quota. */
export const QUOTA_HEADERS: { header: string; description: string }[] = [
  { header: 'X-Quota-Limit', description: 'Images the plan allows this calendar month (UTC)' },
  { header: 'X-Quota-Remaining', description: 'Images left this month, before this request' },
  { header: 'X-Quota-Reset', description: 'Unix timestamp when the month (and the quota) resets' },
];

export const IMAGE_REQUIREMENTS = [
  `Maximum file size: ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024}MB`,
  'Supported formats: JPEG, PNG, WebP',
  `Minimum resolution: ${UPLOAD_LIMITS.minWidth} × ${UPLOAD_LIMITS.minHeight} pixels`,
];

export const MAX_BATCH = UPLOAD_LIMITS.maxBatchFiles;
export { ERROR_STATUS, PLAN_LIMITS, PLAN_MONTHLY_QUOTAS };
