import {
  BatchResponseSchema,
  ERROR_STATUS,
  ErrorBodySchema,
  JobAcceptedSchema,
  JobStatusResponseSchema,
  OneOffSecretResponseSchema,
  PlateReaderErrorSchema,
  PlateReaderResponseSchema,
  PlateRecognizerStatisticsSchema,
  RecognitionResponseSchema,
  StatisticsResponseSchema,
  VehicleSchema,
  WebhookCreatedResponseSchema,
  WebhookDeletedResponseSchema,
  WebhookListResponseSchema,
} from '@npr/contracts';
import { ERROR_CODE_DESCRIPTIONS, EXAMPLE_BATCH_RESPONSE, EXAMPLE_CAMERA_ONLY_VEHICLE, EXAMPLE_ERROR, EXAMPLE_RECOGNISE_RESPONSE } from './api-docs-content';
import { openApiDocument } from './openapi-document';

type Media = { example?: unknown; examples?: Record<string, { value: unknown }>; schema: { $ref?: string } };
type Doc = {
  servers: { url: string }[];
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, Media> }> }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> } & Record<string, unknown>> };
};

describe('OpenAPI document', () => {
  const doc = openApiDocument() as unknown as Doc;

  test('the docs examples are valid for the schemas the API answers with', () => {
    expect(RecognitionResponseSchema.parse(EXAMPLE_RECOGNISE_RESPONSE)).toEqual(EXAMPLE_RECOGNISE_RESPONSE);
    expect(ErrorBodySchema.parse(EXAMPLE_ERROR)).toEqual(EXAMPLE_ERROR);
    expect(BatchResponseSchema.parse(EXAMPLE_BATCH_RESPONSE)).toEqual(EXAMPLE_BATCH_RESPONSE);
    expect(VehicleSchema.parse(EXAMPLE_CAMERA_ONLY_VEHICLE)).toEqual(EXAMPLE_CAMERA_ONLY_VEHICLE);
  });

  test('every example in the document parses with the zod schema its $ref names', () => {
    const schemas = {
      RecognitionResponse: RecognitionResponseSchema,
      BatchResponse: BatchResponseSchema,
      ErrorBody: ErrorBodySchema,
      JobAccepted: JobAcceptedSchema,
      WebhookListResponse: WebhookListResponseSchema,
      WebhookDeletedResponse: WebhookDeletedResponseSchema,
      WebhookCreatedResponse: WebhookCreatedResponseSchema,
      OneOffSecretResponse: OneOffSecretResponseSchema,
      StatisticsResponse: StatisticsResponseSchema,
      PlateRecognizerStatistics: PlateRecognizerStatisticsSchema,
      JobStatusResponse: JobStatusResponseSchema,
      PlateReaderResponse: PlateReaderResponseSchema,
      PlateReaderError: PlateReaderErrorSchema,
    } as const;
    let checked = 0;
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods)) {
        // a path item also holds `servers`, which is no operation
        if (!op.responses) continue;
        for (const response of Object.values(op.responses)) {
          const media = response.content?.['application/json'];
          if (!media) continue;
          // every JSON answer names a component schema, so that its examples are checked here
          expect(media.schema.$ref).toMatch(/^#\/components\/schemas\//);
          const id = media.schema.$ref!.split('/').pop() as keyof typeof schemas;
          for (const example of [media.example, ...Object.values(media.examples ?? {}).map((e) => e.value)].filter(Boolean)) {
            expect(schemas[id]).toBeDefined();
            expect(() => schemas[id].parse(example)).not.toThrow();
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  test('the server list is the server the reader reached; no other host is named', () => {
    expect((openApiDocument({ serverUrl: 'http://10.0.0.5:3000/api/v1' }) as unknown as Doc).servers).toEqual([{ url: 'http://10.0.0.5:3000/api/v1', description: 'This server' }]);
    expect(doc.servers).toEqual([{ url: '/api/v1', description: 'This server' }]);
    expect(JSON.stringify(doc)).not.toContain('nprapi.com');
  });

  test('the fields the API returns are described: corners, colour_confidence; 503 when the models are not loaded', () => {
    expect(Object.keys(doc.components.schemas.PlateResult!.properties!)).toEqual(expect.arrayContaining(['corners', 'candidates', 'observed_colour', 'detection_score']));
    expect(Object.keys(doc.components.schemas.Vehicle!.properties!)).toEqual(expect.arrayContaining(['colour_confidence', 'colour_source', 'colour_match', 'source']));
    expect(Object.keys(doc.paths['/recognise']!.post!.responses)).toContain('503');
    expect(Object.keys(doc.paths['/jobs/{id}']!.get!.responses)).toContain('503');
  });

  test('every new route is described, and the webhook events with their signed headers', () => {
    const d = openApiDocument() as unknown as { paths: Record<string, Record<string, unknown>>; webhooks: Record<string, { post: { parameters: { name: string }[] } }> };
    expect(Object.keys(d.paths)).toEqual(expect.arrayContaining(['/webhooks', '/webhooks/{id}', '/webhooks/{id}/enable', '/webhooks/one-off-secret', '/statistics', '/v1/statistics']));
    expect(Object.keys(d.paths['/webhooks']!)).toEqual(['get', 'post']);
    expect(Object.keys(d.paths['/webhooks/{id}']!)).toEqual(['get', 'delete']);
    expect(Object.keys(d.webhooks)).toEqual(['recognition.completed', 'recognition.failed', 'batch.completed']);
    expect(d.webhooks['recognition.completed']!.post.parameters.map((p) => p.name)).toEqual(['Npr-Signature', 'Npr-Event-Id', 'Npr-Event-Type', 'Npr-Delivery-Attempt']);
  });

  test('the Plate Recognizer path is at the root, with their 201 answer and error shapes', () => {
    const item = (doc.paths as Record<string, any>)['/v1/plate-reader'];
    expect(item.servers).toEqual([{ url: '/', description: 'This server' }]);
    expect(Object.keys(item.post.responses).sort()).toEqual(['201', '202', '400', '403', '413', '429']);
    expect(item.post.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/PlateReaderResponse');
    expect(item.post.requestBody.content['multipart/form-data'].schema.properties).toHaveProperty('upload_url');
  });

  test('components come from the contracts: all error codes, no stray $schema, refs resolve', () => {
    expect(doc.components.schemas.ErrorCode!.enum).toEqual(Object.keys(ERROR_STATUS));
    expect(Object.keys(ERROR_CODE_DESCRIPTIONS).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    const text = JSON.stringify(doc);
    expect(text).not.toContain('"$schema"');
    for (const [, id] of text.matchAll(/"#\/components\/schemas\/([A-Za-z]+)"/g)) expect(doc.components.schemas[id!]).toBeDefined();
  });
});
