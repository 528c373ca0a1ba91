import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { AppError, decodeJobFailure } from '@npr/contracts';
import { toJobError } from './workers';

describe('toJobError', () => {
  test.each([
    ['INVALID_IMAGE', 'bad bytes'],
    ['SERVICE_UNAVAILABLE', 'no models'],
  ] as const)('%s is final (never retried) and keeps its code for the client', (code, message) => {
    const err = toJobError(new AppError(code, message));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(decodeJobFailure(err.message)).toEqual({ code, message });
  });

  test('an internal AppError is retried', () => {
    const err = toJobError(new AppError('INTERNAL_ERROR', 'image expired'));
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect(decodeJobFailure(err.message).code).toBe('INTERNAL_ERROR');
  });

  test('malformed job data is final; other errors are retried as they are', () => {
    const parsed = z.object({ a: z.string() }).safeParse({});
    expect(toJobError(parsed.error)).toBeInstanceOf(UnrecoverableError);
    const crash = new Error('ECONNRESET');
    expect(toJobError(crash)).toBe(crash);
    expect(decodeJobFailure(crash.message).code).toBe('INTERNAL_ERROR');
  });
});
