import { isGccError as isSdkGccError } from '@wrktalk/sdk-gcc';
import { describe, expect, it } from 'vitest';
import { GccServiceError, isGccServiceError } from '../../src/errors/gcc-service-error';

describe('GccServiceError', () => {
  it("is not taken for the SDK's GccError (a client's error) by the SDK's guard, nor the other way round", () => {
    const server = new GccServiceError('not_found', 'No deployment dpl-1.');
    expect(server.name).toBe('GccServiceError');
    expect(server.status).toBe(404);
    expect(isGccServiceError(server)).toBe(true);
    // Before the rename both classes were named `GccError` and the SDK's guard, which checks `name`, said true.
    expect(isSdkGccError(server)).toBe(false);
    const copy = Object.assign(new Error('x'), { name: 'GccError', code: 'not_found' });
    expect(isGccServiceError(copy)).toBe(false);
  });

  it('is recognised across package copies by its name', () => {
    const copy = Object.assign(new Error('No client.'), { name: 'GccServiceError', code: 'not_found' });
    expect(isGccServiceError(copy)).toBe(true);
  });
});
