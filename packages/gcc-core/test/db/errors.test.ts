import { describe, expect, it } from 'vitest';
import { isConcurrencyConflict, isDatabaseUnavailable } from '../../src/db/errors';

describe('database error classification (one rule for 503 answers and worker retries)', () => {
  it.each([
    [{ code: '57P01', message: 'terminating connection due to administrator command' }, true],
    [{ code: '57P03', message: 'the database system is starting up' }, true],
    [{ code: '08006' }, true],
    [{ code: '53300' }, true],
    [{ code: 'ECONNREFUSED' }, true],
    [new Error('Connection terminated unexpectedly'), true],
    [new Error('Cannot use a pool after calling end on the pool'), false],
    [{ code: '22P02' }, false],
    [{ code: '23505' }, false],
    [{ code: '40001' }, false],
    [null, false],
    ['57P01', false],
  ])('%o → unavailable: %s', (error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });

  it('concurrency conflicts are their own class', () => {
    expect(['40001', '40P01', '55P03'].map((code) => isConcurrencyConflict({ code }))).toEqual([
      true,
      true,
      true,
    ]);
    expect(isConcurrencyConflict({ code: '57P01' })).toBe(false);
  });
});
