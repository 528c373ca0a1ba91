import { AppError, ERROR_STATUS, decodeJobFailure, encodeJobFailure, errorBody } from './errors';

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
  });

  test('a job failure reason round-trips its code and message', () => {
    expect(decodeJobFailure(encodeJobFailure('INVALID_IMAGE', 'corrupt: really'))).toEqual({ code: 'INVALID_IMAGE', message: 'corrupt: really' });
  });

  test('reasons we did not write never reach the client', () => {
    for (const reason of ['ECONNRESET: socket hang up', 'TypeError: x is undefined', 'child bull:recognition:1 failed', undefined, '']) {
      expect(decodeJobFailure(reason)).toEqual({ code: 'INTERNAL_ERROR', message: 'The image could not be processed.' });
    }
  });

  test('the error body has the documented shape; request ids only when given', () => {
    expect(errorBody('INVALID_IMAGE', 'bad')).toEqual({ success: false, error: { code: 'INVALID_IMAGE', message: 'bad' } });
    expect(errorBody('INTERNAL_ERROR', 'x', 'req-1').error.request_id).toBe('req-1');
  });
});
