import { BatchResponseSchema, ERROR_STATUS, ErrorBodySchema, PlateReaderErrorSchema, PlateReaderResponseSchema, RecognitionResponseSchema } from '@npr/contracts';
import { ERROR_CODE_DESCRIPTIONS, EXAMPLE_ERROR, EXAMPLE_RECOGNISE_RESPONSE } from './api-docs-content';
import { openApiDocument } from './openapi-document';

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { example?: unknown; schema: { $ref: string } }> }> }>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

describe('OpenAPI document', () => {
  const doc = openApiDocument() as unknown as Doc;

  test('the docs examples are valid for the schemas the API answers with', () => {
    expect(RecognitionResponseSchema.parse(EXAMPLE_RECOGNISE_RESPONSE)).toEqual(EXAMPLE_RECOGNISE_RESPONSE);
    expect(ErrorBodySchema.parse(EXAMPLE_ERROR)).toEqual(EXAMPLE_ERROR);
  });

  test('every example in the document parses with the zod schema its $ref names', () => {
    const schemas = {
      RecognitionResponse: RecognitionResponseSchema,
      BatchResponse: BatchResponseSchema,
      ErrorBody: ErrorBodySchema,
      PlateReaderResponse: PlateReaderResponseSchema,
      PlateReaderError: PlateReaderErrorSchema,
    } as const;
    let checked = 0;
    for (const methods of Object.values(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (method === 'servers') continue;
        for (const response of Object.values(op.responses)) {
          const media = response.content?.['application/json'];
          if (!media?.example) continue;
          const id = media.schema.$ref.split('/').pop() as keyof typeof schemas;
          expect(schemas[id]).toBeDefined();
          expect(() => schemas[id].parse(media.example)).not.toThrow();
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
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
