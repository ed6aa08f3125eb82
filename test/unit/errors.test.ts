import { describe, expect, it } from 'vitest';
import { InvocationContext } from '@azure/functions';
import { ApiError, isStorageUnavailable, toErrorResponse } from '../../shared/errors.js';

function context(lines: string[]) {
  return new InvocationContext({ logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')) });
}

describe('the error model', () => {
  it('shows an ApiError as it is, with its status and headers', () => {
    const res = toErrorResponse(new ApiError('QuotaExceeded', 'too many', undefined, { 'x-a': '1' }), context([]));
    expect(res).toEqual({
      status: 409,
      jsonBody: { error: { code: 'QuotaExceeded', message: 'too many' } },
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-a': '1' },
    });
  });

  it('turns anything else into a bare 500 and keeps the details for the log only', () => {
    const lines: string[] = [];
    const res = toErrorResponse(new Error('secret detail'), context(lines));
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.jsonBody)).not.toContain('secret detail');
    expect(lines.join('\n')).toContain('secret detail');
  });

  it('answers 503 with Retry-After when storage cannot be reached', () => {
    const refused = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
    expect(toErrorResponse(refused, context([]))).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
  });

  it.each([
    [Object.assign(new Error('x'), { name: 'RestError', statusCode: 503 }), true],
    [Object.assign(new Error('x'), { name: 'RestError', statusCode: 500 }), true],
    [Object.assign(new Error('x'), { name: 'RestError' }), true],
    [Object.assign(new Error('x'), { name: 'RestError', statusCode: 409 }), false],
    [new Error('x', { cause: Object.assign(new Error('y'), { code: 'ETIMEDOUT' }) }), true],
    [new Error('x'), false],
    ['text', false],
  ])('isStorageUnavailable(%s) is %s', (err, expected) => {
    expect(isStorageUnavailable(err)).toBe(expected);
  });
});
