import { AppError, ERROR_STATUS, errorBody, httpStatusOf } from './errors';

describe('errors', () => {
  test('every documented code has the documented status', () => {
    expect(ERROR_STATUS).toMatchObject({
      INVALID_IMAGE: 400,
      INVALID_API_KEY: 401,
      IMAGE_TOO_LARGE: 413,
      NO_PLATES_FOUND: 422,
      RATE_LIMIT_EXCEEDED: 429,
      INTERNAL_ERROR: 500,
    });
    expect(new AppError('NO_PLATES_FOUND', 'none').status).toBe(422);
    expect(httpStatusOf('SERVICE_UNAVAILABLE')).toBe(503);
  });

  test('bad input and a worker without models are final; internal errors are retried unless the thrower says otherwise', () => {
    expect(new AppError('INVALID_IMAGE', 'x').retryable).toBe(false);
    expect(new AppError('SERVICE_UNAVAILABLE', 'x').retryable).toBe(false);
    expect(new AppError('INTERNAL_ERROR', 'x').retryable).toBe(true);
    expect(new AppError('INTERNAL_ERROR', 'x', { retryable: false }).retryable).toBe(false);
  });

  test('a job failure reason round-trips its code and message', () => {
    expect(AppError.fromJobReason(new AppError('INVALID_IMAGE', 'corrupt: really').toJobReason())).toMatchObject({ code: 'INVALID_IMAGE', message: 'corrupt: really' });
    expect(AppError.fromJobReason(new AppError('INTERNAL_ERROR', 'x', { retryable: false }).toJobReason()).retryable).toBe(false);
  });

  test('reasons we did not write never reach the client', () => {
    for (const reason of ['ECONNRESET: socket hang up', 'TypeError: x is undefined', 'child bull:recognition:1 failed', undefined, '', 'INVALID_IMAGE: bad', '{"code":"ECONNRESET","message":"x","retryable":true}', '"INVALID_IMAGE"']) {
      expect(AppError.fromJobReason(reason)).toMatchObject({ code: 'INTERNAL_ERROR', message: 'The image could not be processed.' });
    }
  });

  test('the error body has the documented shape; request ids only when given', () => {
    expect(errorBody('INVALID_IMAGE', 'bad')).toEqual({ success: false, error: { code: 'INVALID_IMAGE', message: 'bad' } });
    expect(errorBody('INTERNAL_ERROR', 'x', 'req-1').error.request_id).toBe('req-1');
  });
});
