import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { AppError } from '@npr/contracts';
import { toBullmqError } from './workers';

describe('toBullmqError', () => {
  test.each([
    ['INVALID_IMAGE', 'bad bytes'],
    ['SERVICE_UNAVAILABLE', 'no models'],
  ] as const)('%s is final (never retried) and keeps its code for the client', (code, message) => {
    const err = toBullmqError(new AppError(code, message));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(AppError.fromJobReason(err.message)).toMatchObject({ code, message });
  });

  test('an internal AppError is retried', () => {
    const err = toBullmqError(new AppError('INTERNAL_ERROR', 'image expired'));
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect(AppError.fromJobReason(err.message).code).toBe('INTERNAL_ERROR');
  });

  test('malformed job data is final; other errors are retried as they are', () => {
    const parsed = z.object({ a: z.string() }).safeParse({});
    expect(toBullmqError(parsed.error)).toBeInstanceOf(UnrecoverableError);
    const crash = new Error('ECONNRESET');
    expect(toBullmqError(crash)).toBe(crash);
    expect(AppError.fromJobReason(crash.message).code).toBe('INTERNAL_ERROR');
  });
});
