import { spawnSync } from 'node:child_process';
import vm from 'node:vm';
import { PlateRecognizerStatisticsSchema, StatisticsResponseSchema, WebhookSchema, JobStatusResponseSchema } from '@npr/contracts';
import {
  EXAMPLE_DELIVERY_BODY,
  EXAMPLE_PLATE_RECOGNIZER_STATISTICS,
  EXAMPLE_STATISTICS,
  EXAMPLE_WEBHOOK,
  VERIFY_JAVASCRIPT,
  VERIFY_PYTHON,
} from '../openapi/webhooks-and-usage-docs';
import { signatureHeader } from './sign-webhook';

const secret = 'whsec_test-secret';
const body = JSON.stringify(EXAMPLE_DELIVERY_BODY);
const now = Math.floor(Date.now() / 1000);

describe('Npr-Signature', () => {
  test('is t=<unix>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    // an independent value: `printf '1.{}' | openssl dgst -sha256 -hmac key`
    expect(signatureHeader('key', '{}', 1)).toBe('t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224');
    expect(signatureHeader(secret, body, now)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  test("the documentation's JavaScript snippet accepts a real signature and refuses tampering, other secrets and old ones", () => {
    const sandbox: { require: NodeRequire; verifyNprSignature?: (b: Buffer, h: string, s: string) => boolean; Buffer: typeof Buffer; Date: typeof Date } = { require, Buffer, Date };
    vm.runInNewContext(`${VERIFY_JAVASCRIPT}\nthis.verifyNprSignature = verifyNprSignature;`, sandbox);
    const verify = sandbox.verifyNprSignature!;
    expect(verify(Buffer.from(body), signatureHeader(secret, body, now), secret)).toBe(true);
    expect(verify(Buffer.from(body.replace('AB12', 'XY12')), signatureHeader(secret, body, now), secret)).toBe(false);
    expect(verify(Buffer.from(body), signatureHeader('whsec_other', body, now), secret)).toBe(false);
    expect(verify(Buffer.from(body), signatureHeader(secret, body, now - 3600), secret)).toBe(false);
    expect(verify(Buffer.from(body), 'garbage', secret)).toBe(false);
  });

  test("the documentation's Python snippet accepts a real signature and refuses a tampered body", () => {
    const script = `${VERIFY_PYTHON}\nimport sys\nbody = sys.stdin.buffer.read()\nprint(verify_npr_signature(body, sys.argv[1], sys.argv[2]), verify_npr_signature(body + b" ", sys.argv[1], sys.argv[2]))`;
    const run = spawnSync('/usr/bin/python3', ['-c', script, signatureHeader(secret, body, now), secret], { input: body, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('True False');
  });
});

describe('the documentation examples have the shapes the API answers with', () => {
  test.each([
    ['webhook', WebhookSchema, EXAMPLE_WEBHOOK],
    ['statistics', StatisticsResponseSchema, EXAMPLE_STATISTICS],
    ['Plate Recognizer statistics', PlateRecognizerStatisticsSchema, EXAMPLE_PLATE_RECOGNIZER_STATISTICS],
    ['delivery body (a finished job)', JobStatusResponseSchema, EXAMPLE_DELIVERY_BODY],
  ])('%s', (_name, schema, example) => {
    expect(schema.parse(example)).toEqual(example);
  });
});
