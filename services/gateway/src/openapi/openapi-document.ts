// OpenAPI 3.1 description of /api/v1, generated from the zod schemas in @npr/contracts (the same
// ones the gateway and the workers parse with), served at /api/v1/openapi.json.
import { z } from 'zod';
import {
  BatchResponseSchema,
  BoundingBoxSchema,
  ErrorBodySchema,
  ErrorCodeSchema,
  JobAcceptedSchema,
  JobStatusResponseSchema,
  PlateReaderErrorSchema,
  PlateReaderResponseSchema,
  PlateResultSchema,
  RecogniseOptionsSchema,
  RecognitionResponseSchema,
  UPLOAD_LIMITS,
  VehicleSchema,
  CreateWebhookBodySchema,
  OneOffSecretResponseSchema,
  PlateRecognizerStatisticsSchema,
  StatisticsResponseSchema,
  WEBHOOK_EVENTS,
  WEBHOOK_HEADERS,
  WebhookCreatedResponseSchema,
  WebhookDeliverySchema,
  WebhookDetailResponseSchema,
  WebhookDeletedResponseSchema,
  WebhookListResponseSchema,
  WebhookSchema,
} from '@npr/contracts';
import {
  EXAMPLE_DELIVERY_BODY,
  EXAMPLE_PLATE_RECOGNIZER_STATISTICS,
  EXAMPLE_STATISTICS,
  EXAMPLE_WEBHOOK,
} from './webhooks-and-usage-docs';
import {
  ERROR_CODE_DESCRIPTIONS,
  EXAMPLE_BATCH_RESPONSE,
  EXAMPLE_JOB_COMPLETED,
  EXAMPLE_RECOGNISE_RESPONSE,
  IMAGE_REQUIREMENTS,
  MAX_BATCH,
  PLAN_LIMITS,
  QUOTA_HEADERS,
  RATE_LIMIT_HEADERS,
  SERVER_TIMING_DESCRIPTION,
  RETRY_AFTER_DESCRIPTION,
  exampleJobAccepted,
  exampleJobProcessing,
} from './api-docs-content';
import { EXAMPLE_PLATE_READER_ERRORS, EXAMPLE_PLATE_READER_RESPONSE, PLATE_READER_DIFFERENCES, PLATE_READER_PATH } from './plate-reader-docs';

type JsonObject = Record<string, unknown>;

const COMPONENTS: [string, z.ZodType][] = [
  ['BoundingBox', BoundingBoxSchema],
  ['Vehicle', VehicleSchema],
  ['PlateResult', PlateResultSchema],
  ['RecognitionResponse', RecognitionResponseSchema],
  ['BatchResponse', BatchResponseSchema],
  ['JobAccepted', JobAcceptedSchema],
  ['JobStatusResponse', JobStatusResponseSchema],
  ['ErrorCode', ErrorCodeSchema],
  ['ErrorBody', ErrorBodySchema],
  ['Webhook', WebhookSchema],
  ['WebhookDelivery', WebhookDeliverySchema],
  ['WebhookCreatedResponse', WebhookCreatedResponseSchema],
  ['WebhookListResponse', WebhookListResponseSchema],
  ['WebhookDeletedResponse', WebhookDeletedResponseSchema],
  ['WebhookDetailResponse', WebhookDetailResponseSchema],
  ['OneOffSecretResponse', OneOffSecretResponseSchema],
  ['StatisticsResponse', StatisticsResponseSchema],
  ['PlateRecognizerStatistics', PlateRecognizerStatisticsSchema],
  ['PlateReaderResponse', PlateReaderResponseSchema],
  ['PlateReaderError', PlateReaderErrorSchema],
];

/** zod -> JSON Schema 2020-12 (OpenAPI 3.1's dialect), shared sub-schemas as components. */
function componentSchemas(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of COMPONENTS) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonObject> };
  // $schema/$id belong to standalone documents, not to components
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...rest }]) => [id, rest]));
}

function paramSchema(schema: z.ZodType): JsonObject {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as JsonObject;
  return rest;
}

const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (schemaId: string, example?: unknown) => ({ 'application/json': { schema: ref(schemaId), ...(example ? { example } : {}) } });
// what every /api/v1 answer carries: the key's rate-limit window and the gateway's phase timings
const answerHeaders = {
  ...Object.fromEntries(RATE_LIMIT_HEADERS.map((h) => [h.header, { $ref: `#/components/headers/${h.header}` }])),
  'Server-Timing': { $ref: '#/components/headers/Server-Timing' },
};

function errorResponse(description: string, codes: string[]) {
  return {
    description: `${description}\n\nCodes: ${codes.map((c) => `\`${c}\``).join(', ')}.`,
    headers: answerHeaders,
    content: json('ErrorBody', { success: false, error: { code: codes[0], message: ERROR_CODE_DESCRIPTIONS[codes[0] as keyof typeof ERROR_CODE_DESCRIPTIONS] + '.' } }),
  };
}

const asyncParam = {
  name: 'async',
  in: 'query',
  required: false,
  description: 'Answer `202` with a job URL at once instead of waiting for the result (same as the header `Prefer: respond-async`).',
  schema: { type: 'boolean' },
};
const optionParams = [
  {
    name: 'regions',
    in: 'query',
    required: false,
    description: 'Expected regions, two-letter codes separated by commas (e.g. `gb,ie`): readings are constrained to these regions\' plate formats. Also accepted as a form field.',
    style: 'form',
    explode: false,
    schema: paramSchema(RecogniseOptionsSchema.shape.regions.unwrap()),
  },
  {
    name: 'top_n',
    in: 'query',
    required: false,
    description: 'How many alternative readings to return per plate in `candidates`. Also accepted as a form field.',
    schema: paramSchema(RecogniseOptionsSchema.shape.topN.unwrap()),
  },
  {
    name: 'threshold_detection',
    in: 'query',
    required: false,
    description: 'Leave out plates the detector is less sure of (0 to 1). Also accepted as a form or JSON field.',
    schema: paramSchema(RecogniseOptionsSchema.shape.thresholdDetection.unwrap()),
  },
  {
    name: 'threshold_read',
    in: 'query',
    required: false,
    description: 'Leave out plates read with less confidence (0 to 1); none left is `422 NO_PLATES_FOUND`. Also accepted as a form or JSON field.',
    schema: paramSchema(RecogniseOptionsSchema.shape.thresholdRead.unwrap()),
  },
  { name: 'camera_id', in: 'query', required: false, description: 'Echoed in the answer (also when the job is polled). Also accepted as a form or JSON field.', schema: { type: 'string', maxLength: 200 } },
  { name: 'timestamp', in: 'query', required: false, description: 'ISO 8601 (UTC when no offset is given); echoed in the answer in UTC. Also accepted as a form or JSON field.', schema: { type: 'string' } },
  asyncParam,
  {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'Any 1-255 visible ASCII characters of your choosing (an order number, a UUID). A submit retried with the same key within the result retention (after a timeout, say) gets the first submit\'s job and answer instead of a second job, and is not counted again. Keys are per account.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  },
  {
    name: 'webhook_url',
    in: 'query',
    required: false,
    description: 'A one-off URL the result is POSTed to when the job is done, signed with the account\'s one-off secret (see `POST /webhooks/one-off-secret`). Also accepted as a form field.',
    schema: { type: 'string', format: 'uri', maxLength: 2048 },
  },
];

const quotaHeaders = Object.fromEntries(QUOTA_HEADERS.map((h) => [h.header, { $ref: `#/components/headers/${h.header}` }]));
const tooMany = (what: string) => ({
  ...errorResponse(`${what} (\`RATE_LIMIT_EXCEEDED\`), or the account's monthly quota is used up (\`QUOTA_EXCEEDED\`).`, ['RATE_LIMIT_EXCEEDED', 'QUOTA_EXCEEDED']),
  headers: { ...answerHeaders, ...quotaHeaders, 'Retry-After': { $ref: '#/components/headers/Retry-After' } },
});
const unauthorised = () => errorResponse('Unauthorised — missing or invalid API key.', ['INVALID_API_KEY']);
const webhookId = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const noSuchWebhook = () => errorResponse('No such webhook for this account.', ['NOT_FOUND']);

/** One delivery of a webhook event, as OpenAPI 3.1's `webhooks` describes it. */
const webhookEvent = (event: string, description: string) => ({
  post: {
    operationId: `webhook${event.split('.').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`,
    summary: event,
    description: `${description} The body is exactly what \`GET /jobs/{id}\` answers once the job is done. Verify \`${WEBHOOK_HEADERS.signature}\` before trusting it; answer any 2xx (else it is retried with exponential backoff for about a day).`,
    parameters: [
      { name: WEBHOOK_HEADERS.signature, in: 'header', required: true, description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the webhook secret>`', schema: { type: 'string' } },
      { name: WEBHOOK_HEADERS.eventId, in: 'header', required: true, description: 'The same on every retry (`evt_<job id>`): de-duplicate on it.', schema: { type: 'string' } },
      { name: WEBHOOK_HEADERS.eventType, in: 'header', required: true, schema: { type: 'string', enum: [...WEBHOOK_EVENTS] } },
      { name: WEBHOOK_HEADERS.attempt, in: 'header', required: true, description: '1, then 2, 3, ... on retries.', schema: { type: 'integer', minimum: 1 } },
    ],
    requestBody: { required: true, content: json('JobStatusResponse', event === 'batch.completed' ? undefined : EXAMPLE_DELIVERY_BODY) },
    responses: { '2XX': { description: 'Delivered.' }, default: { description: 'Anything else (or no answer) is retried.' } },
  },
});
/** One image: a file in `upload`, or `upload` as base64, or `upload_url` (form fields or JSON). */
const imageFields = {
  upload: { type: 'string', description: 'The image: a file (multipart), or the image as a base64 string (a `data:` prefix is allowed)' },
  upload_url: { type: 'string', format: 'uri', description: 'Instead of `upload`: an http(s) URL to fetch the image from. Only public addresses are fetched (loopback, private, link-local and metadata addresses are refused unless the operator allows the host); redirects are followed to public addresses only; the same size, format and resolution rules apply.' },
};
const imageTextBody = { type: 'object', properties: imageFields, description: 'Exactly one of `upload` (base64) and `upload_url`.' };

const plateReaderFields = {
  ...imageFields,
  regions: { type: 'array', items: { type: 'string', examples: ['gb', 'us-ca'] }, description: 'Expected regions (repeat the field, or separate with commas); a state code hints its country' },
  camera_id: { type: 'string', maxLength: 200, description: 'Echoed in the answer' },
  timestamp: { type: 'string', description: 'ISO 8601 (UTC when no offset is given); echoed in the answer, default now' },
  mmc: { type: 'string', description: 'Accepted; make, model and colour are not read from the pixels, so they are not in the answer' },
  config: { type: 'string', description: 'JSON: `region: "strict"`, `threshold_d`, `threshold_o` are applied; `mode`, `detection_rule` and others are accepted and ignored' },
};

const syncNote =
  'By default the call waits for the result. If processing outlives the server\'s bound (or `async=true` / `Prefer: respond-async` is sent) it answers `202` with a job URL to poll with `GET /jobs/{id}`.';

const unavailable = () => ({
  ...errorResponse(
    'Not able to take the request now: the recogniser is not ready (its models are not loaded), the queue (Redis) is unreachable, or the gateway holds as many uploads as it may. Retry after `Retry-After` seconds. It never answers with invented plates.',
    ['SERVICE_UNAVAILABLE'],
  ),
  headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } },
});
// examples name a server; the console shows them for the server it is on, so a neutral one here
const EXAMPLE_BASE = 'https://api.example.com/api/v1';

let cached: JsonObject | undefined;

/**
 * The OpenAPI 3.1 document for /api/v1 (built once). `serverUrl` is the API's base URL as the
 * reader reaches it (default: relative `/api/v1`).
 */
export function openApiDocument(opts: { serverUrl?: string } = {}): JsonObject {
  cached ??= buildDocument();
  return { ...cached, servers: [{ url: opts.serverUrl ?? '/api/v1', description: 'This server' }] };
}

function buildDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'NPR API',
      version: '1.0.0',
      summary: 'Number plate recognition',
      description: [
        'NPR API provides a simple REST API for number plate recognition. Upload an image containing a vehicle and receive structured data including the detected plate number, confidence score, and vehicle details.',
        '## Quick Start',
        '1. Create an account and navigate to Settings → API Keys\n2. Generate a new API key\n3. Make your first recognition request using the key',
        '## Authentication',
        'All API requests require authentication via an API key. Include your key in the Authorization header as a Bearer token: `Authorization: Bearer your-api-key-here`.',
        'You can create and revoke API keys from your dashboard under Settings → API Keys. Keep your API keys secure. Never expose them in client-side code or public repositories.',
        '## Image Requirements',
        IMAGE_REQUIREMENTS.map((r) => `- ${r}`).join('\n'),
        '## Rate Limits',
        'API requests are rate-limited based on your plan. Rate limit information is included in the response headers of every request. When you exceed the rate limit, the API responds with a 429 status code and a `Retry-After` header: wait that many seconds (or until the reset timestamp) before retrying. Each image counts once (a batch of 5 counts 5).',
        table(['Header', 'Description'], [...RATE_LIMIT_HEADERS.map((h) => [`\`${h.header}\``, h.description]), ['`Retry-After`', RETRY_AFTER_DESCRIPTION]]),
        table(['Plan', 'Images per key per window'], Object.entries(PLAN_LIMITS).map(([plan, l]) => [plan, `${l.points} per ${l.windowSeconds} s`])),
        '## Errors',
        'All error responses include a JSON body with details (`ErrorBody`).',
        table(['Error Code', 'Description'], Object.entries(ERROR_CODE_DESCRIPTIONS).map(([c, d]) => [`\`${c}\``, d])),
      ].join('\n\n'),
    },
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'Recognition', description: 'Recognise the number plates in one image.' },
      { name: 'Batch', description: `Up to ${MAX_BATCH} images in one request.` },
      { name: 'Jobs', description: 'Results of asynchronous requests.' },
      { name: 'Webhooks', description: 'Job results POSTed to your URLs, signed (`Npr-Signature`).' },
      { name: 'Usage', description: 'Billed images, quotas and limits.' },
      { name: 'Plate Recognizer compatible', description: 'Plate Recognizer\'s Snapshot API paths and shapes, for their clients.' },
    ],
    paths: {
      '/recognise': {
        post: {
          tags: ['Recognition'],
          operationId: 'recognise',
          summary: 'Submit an image for number plate recognition.',
          description: `The recognition endpoint processes an image and returns detected number plates along with confidence scores and bounding box coordinates. ${syncNote}`,
          parameters: optionParams,
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  properties: {
                    upload: { type: 'string', format: 'binary', contentMediaType: 'application/octet-stream', description: 'The image file to process (or the image as a base64 text field)' },
                    upload_url: imageFields.upload_url,
                    webhook_url: { type: 'string', format: 'uri', description: 'A one-off URL for this result (see the query parameter).' },
                  },
                  description: 'Exactly one of `upload` and `upload_url`.',
                },
                encoding: { upload: { contentType: 'image/jpeg, image/png, image/webp' } },
              },
              'application/x-www-form-urlencoded': { schema: imageTextBody },
              'application/json': { schema: imageTextBody },
            },
          },
          responses: {
            '200': { description: 'Plates found.', headers: answerHeaders, content: json('RecognitionResponse', EXAMPLE_RECOGNISE_RESPONSE) },
            '202': { description: 'Accepted: poll the job URL (also in the `Location` header).', headers: answerHeaders, content: json('JobAccepted', exampleJobAccepted(EXAMPLE_BASE)) },
            '400': errorResponse('Bad request — invalid parameters or image.', ['INVALID_IMAGE', 'BAD_REQUEST']),
            '401': errorResponse('Unauthorised — missing or invalid API key.', ['INVALID_API_KEY']),
            '413': errorResponse(`File too large — exceeds ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024}MB limit.`, ['IMAGE_TOO_LARGE']),
            '422': errorResponse('No plates detected in the image.', ['NO_PLATES_FOUND']),
            '429': tooMany('Rate limit exceeded'),
            '500': errorResponse('Internal server error.', ['INTERNAL_ERROR']),
            '503': unavailable(),
          },
        },
      },
      '/batch': {
        post: {
          tags: ['Batch'],
          operationId: 'batch',
          summary: 'Submit multiple images for recognition in a single request.',
          description: `The batch response returns an array of results, one per image submitted. Each entry follows the same format as the single recognition response. Batch requests support up to ${MAX_BATCH} images per request. For larger volumes, split across multiple requests. Each image counts once towards the rate limit. ${syncNote}`,
          parameters: optionParams,
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  properties: {
                    'images[]': { type: 'array', maxItems: MAX_BATCH, items: { type: 'string', format: 'binary', contentMediaType: 'application/octet-stream' }, description: 'The image files (repeat the field); base64 strings are accepted as text fields too' },
                    upload_url: { type: 'array', maxItems: MAX_BATCH, items: imageFields.upload_url, description: 'Images to fetch (repeat the field)' },
                    webhook_url: { type: 'string', format: 'uri', description: 'A one-off URL for this result (see the query parameter).' },
                  },
                  description: `1 to ${MAX_BATCH} images in all, answered in the order files, base64 strings, URLs.`,
                },
              },
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    images: { type: 'array', maxItems: MAX_BATCH, items: { type: 'string' }, description: 'Images as base64 strings' },
                    upload_url: { type: 'array', maxItems: MAX_BATCH, items: imageFields.upload_url, description: 'Images to fetch' },
                  },
                  description: `1 to ${MAX_BATCH} images in all; at most 64 MB of JSON.`,
                },
              },
            },
          },
          responses: {
            '200': { description: 'One outcome per image, in upload order (a failed image is an error body in its slot).', headers: answerHeaders, content: json('BatchResponse', EXAMPLE_BATCH_RESPONSE) },
            '202': { description: 'Accepted: poll the job URL.', headers: answerHeaders, content: json('JobAccepted', exampleJobAccepted(EXAMPLE_BASE)) },
            '400': errorResponse('Bad request — no images, too many images, or invalid options.', ['BAD_REQUEST']),
            '401': errorResponse('Unauthorised — missing or invalid API key.', ['INVALID_API_KEY']),
            '413': errorResponse(`A file exceeds the ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024}MB limit.`, ['IMAGE_TOO_LARGE']),
            '429': tooMany('Rate limit exceeded (the batch needs one request per image)'),
            '500': errorResponse('Internal server error.', ['INTERNAL_ERROR']),
          },
        },
      },
      // their clients write the trailing slash (both are served); OpenAPI linters want paths without one
      [PLATE_READER_PATH.replace(/\/$/, '')]: {
        // Plate Recognizer's path, at the root rather than under /api/v1
        servers: [{ url: '/', description: 'This server' }],
        post: {
          tags: ['Plate Recognizer compatible'],
          operationId: 'plateReader',
          summary: "Plate Recognizer Snapshot API: read the plates in one image, answered in their shape.",
          description: [
            'For clients written for Plate Recognizer\'s Snapshot API: the same request and answer; change the base URL and the key. Also at `/v1/plate-reader/`, with the trailing slash as their clients send it. Same keys, rate limits and usage as `/recognise`. See the docs page "Moving from Plate Recognizer".',
            PLATE_READER_DIFFERENCES.map((d) => `- ${d}`).join('\n'),
          ].join('\n\n'),
          security: [{ tokenAuth: [] }, { bearerAuth: [] }],
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: { type: 'object', properties: { ...plateReaderFields, upload: { type: 'string', format: 'binary', contentMediaType: 'application/octet-stream', description: 'The image file (or the image as a base64 text field)' } } },
                encoding: { upload: { contentType: 'image/jpeg, image/png, image/webp' } },
              },
              'application/x-www-form-urlencoded': { schema: { type: 'object', properties: plateReaderFields } },
              'application/json': { schema: { type: 'object', properties: plateReaderFields } },
            },
          },
          responses: {
            '201': { description: 'The plates read (an empty `results` list when there is none).', headers: answerHeaders, content: json('PlateReaderResponse', EXAMPLE_PLATE_READER_RESPONSE) },
            '202': { description: 'Still processing after the server\'s bound: `job_id` and the URL of the job to poll (`GET /api/v1/jobs/{id}`).', headers: answerHeaders },
            '400': { description: 'Bad request: no image, an invalid image, options or `upload_url`.', headers: answerHeaders, content: json('PlateReaderError', EXAMPLE_PLATE_READER_ERRORS['400']) },
            '403': { description: 'Missing or invalid API key.', headers: answerHeaders, content: json('PlateReaderError', EXAMPLE_PLATE_READER_ERRORS['403']) },
            '413': { description: `File too large — exceeds ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024}MB limit.`, headers: answerHeaders, content: json('PlateReaderError', EXAMPLE_PLATE_READER_ERRORS['413']) },
            '429': { description: 'Rate limit exceeded.', headers: { ...answerHeaders, 'Retry-After': { $ref: '#/components/headers/Retry-After' } }, content: json('PlateReaderError', EXAMPLE_PLATE_READER_ERRORS['429']) },
          },
        },
      },
      '/jobs/{id}': {
        get: {
          tags: ['Jobs'],
          operationId: 'getJob',
          summary: 'The status, then the result, of an asynchronous request.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: {
            '200': {
              description: 'Still queued or processing, or done (the body the synchronous call would have returned, plus `job_id` and `status`).',
              headers: answerHeaders,
              content: {
                'application/json': {
                  schema: ref('JobStatusResponse'),
                  examples: {
                    processing: { summary: 'Still working: poll again', value: exampleJobProcessing(EXAMPLE_BASE) },
                    completed: { summary: 'Done: the recognise result, plus job_id and status', value: EXAMPLE_JOB_COMPLETED },
                  },
                },
              },
            },
            '401': errorResponse('Unauthorised — missing or invalid API key.', ['INVALID_API_KEY']),
            '404': errorResponse('No such job for this account.', ['NOT_FOUND']),
            '422': errorResponse('Done: no plates detected in the image.', ['NO_PLATES_FOUND']),
            '503': unavailable(),
          },
        },
      },
      '/webhooks': {
        get: {
          tags: ['Webhooks'],
          operationId: 'listWebhooks',
          summary: "The account's webhooks (never their secrets).",
          responses: {
            '200': { description: 'The webhooks, oldest first.', headers: answerHeaders, content: json('WebhookListResponse', { success: true, webhooks: [EXAMPLE_WEBHOOK] }) },
            '401': unauthorised(),
          },
        },
        post: {
          tags: ['Webhooks'],
          operationId: 'createWebhook',
          summary: 'Register a URL for job events.',
          description: 'The answer carries the webhook\'s signing `secret`, once. URLs must be http(s) and may not point at loopback, private, link-local or metadata addresses (unless the operator allows the host).',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: paramSchema(CreateWebhookBodySchema), example: { url: EXAMPLE_WEBHOOK.url, events: EXAMPLE_WEBHOOK.events } } },
          },
          responses: {
            '201': { description: 'Registered; keep the secret.', headers: answerHeaders, content: json('WebhookCreatedResponse', { success: true, webhook: EXAMPLE_WEBHOOK, secret: 'whsec_...' }) },
            '400': errorResponse('Not an http(s) URL, an address outbound calls may not reach, unknown events, or too many webhooks.', ['BAD_REQUEST']),
            '401': unauthorised(),
          },
        },
      },
      '/webhooks/one-off-secret': {
        post: {
          tags: ['Webhooks'],
          operationId: 'rotateOneOffWebhookSecret',
          summary: 'Create or replace the secret that signs deliveries to a request\'s one-off `webhook_url`.',
          responses: {
            '201': { description: 'The new secret, shown once; the previous one stops verifying.', headers: answerHeaders, content: json('OneOffSecretResponse', { success: true, secret: 'whsec_...' }) },
            '401': unauthorised(),
          },
        },
      },
      '/webhooks/{id}': {
        get: {
          tags: ['Webhooks'],
          operationId: 'getWebhook',
          summary: 'One webhook and its latest delivery attempts (newest first) with their status codes.',
          parameters: [webhookId],
          responses: { '200': { description: 'The webhook and its delivery log.', headers: answerHeaders, content: json('WebhookDetailResponse') }, '401': unauthorised(), '404': noSuchWebhook() },
        },
        delete: {
          tags: ['Webhooks'],
          operationId: 'deleteWebhook',
          summary: 'Delete a webhook; pending deliveries to it are dropped.',
          parameters: [webhookId],
          responses: {
            '200': { description: 'Deleted.', headers: answerHeaders, content: json('WebhookDeletedResponse', { success: true, deleted: '9b2f3c1e-0d4a-4e8b-a1c2-5f6e7d8c9b0a' }) },
            '401': unauthorised(),
            '404': noSuchWebhook(),
          },
        },
      },
      '/webhooks/{id}/enable': {
        post: {
          tags: ['Webhooks'],
          operationId: 'enableWebhook',
          summary: 'Turn a webhook that repeated failures disabled back on (its failure count starts again).',
          parameters: [webhookId],
          responses: { '200': { description: 'Enabled.', headers: answerHeaders, content: json('WebhookDetailResponse') }, '401': unauthorised(), '404': noSuchWebhook() },
        },
      },
      '/statistics': {
        get: {
          tags: ['Usage'],
          operationId: 'getStatistics',
          summary: "The account's billed images this calendar month (UTC) and today, per key, with the plan's limits and what is left.",
          description: 'Only processed images count (plates found or not); rejected uploads, authentication failures and 5xx answers do not.',
          responses: { '200': { description: 'Usage and limits.', headers: answerHeaders, content: json('StatisticsResponse', EXAMPLE_STATISTICS) }, '401': unauthorised() },
        },
      },
      // outside /api/v1: Plate Recognizer's own path (also with their trailing slash, /v1/statistics/)
      '/v1/statistics': {
        servers: [{ url: '/', description: 'This server, Plate Recognizer-compatible paths' }],
        get: {
          tags: ['Usage'],
          operationId: 'getPlateRecognizerStatistics',
          summary: "The same usage in Plate Recognizer's shape (`/v1/statistics/` with their trailing slash works too; `Authorization: Token <key>` accepted).",
          security: [{ tokenAuth: [] }, { bearerAuth: [] }],
          responses: { '200': { description: 'Calls this month and the month\'s allowance (`total_calls`, null without a cap).', content: json('PlateRecognizerStatistics', EXAMPLE_PLATE_RECOGNIZER_STATISTICS) }, '401': unauthorised() },
        },
      },
    },
    webhooks: {
      'recognition.completed': webhookEvent('recognition.completed', 'A single-image request ended with plates.'),
      'recognition.failed': webhookEvent('recognition.failed', 'A single-image request ended with an error (for example `NO_PLATES_FOUND`).'),
      'batch.completed': webhookEvent('batch.completed', 'Every image of a batch is done.'),
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key from Settings → API Keys: `Authorization: Bearer npr_live_…`.',
        },
        tokenAuth: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'The same API key in Plate Recognizer\'s form: `Authorization: Token npr_live_…` (accepted on every endpoint).',
        },
      },
      headers: {
        ...Object.fromEntries(RATE_LIMIT_HEADERS.map((h) => [h.header, { description: h.description, schema: { type: 'integer' } }])),
        ...Object.fromEntries(QUOTA_HEADERS.map((h) => [h.header, { description: h.description, schema: { type: 'integer' } }])),
        'Retry-After': { description: `${RETRY_AFTER_DESCRIPTION} (for QUOTA_EXCEEDED: until the month resets).`, schema: { type: 'integer' } },
        'Server-Timing': { description: SERVER_TIMING_DESCRIPTION, schema: { type: 'string' }, example: 'auth;dur=2.4, upload;dur=0.8, rate;dur=0.3, validate;dur=0.9, enqueue;dur=1.6, recognition;dur=37.2, bill;dur=2.1, total;dur=48.9' },
      },
      schemas: componentSchemas(),
    },
    externalDocs: { description: 'Guides: authentication, recognition, batch, async jobs, vehicles, errors, rate limits, webhooks, usage and quotas', url: '/docs' },
  };
}
