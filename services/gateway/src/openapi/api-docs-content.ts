// The public documentation's facts in one place: the /docs pages and the OpenAPI document both read
// them, and a unit test parses the examples with the same zod schemas the gateway answers with.
import { ERROR_STATUS, PLAN_LIMITS, UPLOAD_LIMITS, VEHICLE_TYPES, type ErrorBody, type ErrorCode, type RecognitionResponse } from '@npr/contracts';

export const DOCS_BASE_URL = 'https://nprapi.com/api/v1';

export const EXAMPLE_RECOGNISE_RESPONSE: RecognitionResponse = {
  success: true,
  results: [
    {
      plate: 'AB12 CDE',
      confidence: 0.97,
      region: 'gb',
      bounding_box: { x: 120, y: 340, width: 200, height: 60 },
      // the published example plus fuel_type and type, which vehicle lookup always gives (null when unknown)
      vehicle: { make: 'BMW', colour: 'Black', year: 2021, fuel_type: 'petrol', type: 'car' },
    },
  ],
};

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
  { status: 429, meaning: 'Rate limit exceeded' },
  { status: 500, meaning: 'Internal server error' },
  { status: 503, meaning: 'Service unavailable — try again shortly' },
];

export const VEHICLE_FIELDS: { field: string; type: string; description: string }[] = [
  { field: 'make', type: 'string', description: 'Vehicle manufacturer' },
  { field: 'colour', type: 'string', description: 'Vehicle colour' },
  { field: 'year', type: 'integer', description: 'Year of registration' },
  { field: 'fuel_type', type: 'string', description: 'Fuel type (petrol, diesel, electric, etc.)' },
  {
    field: 'type',
    type: 'string',
    description: `Vehicle type (${VEHICLE_TYPES.join(', ')}), from the operator registry or the DVLA record; null when unknown (never guessed from the image)`,
  },
  { field: 'type_approval', type: 'string', description: 'UK plates: the DVLA type-approval category as given (e.g. M1, N1, L3)' },
  { field: 'wheelplan', type: 'string', description: 'UK plates: the DVLA wheelplan as given (e.g. 2 AXLE RIGID BODY)' },
];

export const RATE_LIMIT_HEADERS: { header: string; description: string }[] = [
  { header: 'X-RateLimit-Limit', description: 'Maximum requests per window' },
  { header: 'X-RateLimit-Remaining', description: 'Requests remaining in current window' },
  { header: 'X-RateLimit-Reset', description: 'Unix timestamp when the window resets' },
];

export const IMAGE_REQUIREMENTS = [
  `Maximum file size: ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024}MB`,
  'Supported formats: JPEG, PNG, WebP',
  `Minimum resolution: ${UPLOAD_LIMITS.minWidth} × ${UPLOAD_LIMITS.minHeight} pixels`,
];

export const MAX_BATCH = UPLOAD_LIMITS.maxBatchFiles;
export { ERROR_STATUS, PLAN_LIMITS };
