import { describe, expect, it } from 'vitest';
import { resolveDatabaseTimeouts } from '../../src/db/database';
import { isDatabaseUnavailable } from '../../src/db/errors';
import { pgTimeoutOptions } from '../../src/db/postgres';

describe('database time bounds', () => {
  it('has bounded defaults', () => {
    const t = resolveDatabaseTimeouts();
    expect(t).toEqual({
      connectTimeoutMs: 10_000,
      statementTimeoutMs: 30_000,
      queryTimeoutMs: 35_000,
      idleInTransactionTimeoutMs: 60_000,
      keepAliveInitialDelayMs: 10_000,
      listenCheckIntervalMs: 15_000,
    });
    expect(pgTimeoutOptions(t)).toEqual({
      connectionTimeoutMillis: 10_000,
      statement_timeout: 30_000,
      query_timeout: 35_000,
      idle_in_transaction_session_timeout: 60_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
  });

  it('follows the statement timeout with the query timeout, and 0 turns a bound off', () => {
    expect(resolveDatabaseTimeouts({ statementTimeoutMs: 5000 }).queryTimeoutMs).toBe(10_000);
    const off = resolveDatabaseTimeouts({
      connectTimeoutMs: 0,
      statementTimeoutMs: 0,
      idleInTransactionTimeoutMs: 0,
      keepAliveInitialDelayMs: 0,
    });
    expect(off.queryTimeoutMs).toBe(0);
    expect(pgTimeoutOptions(off)).toEqual({ keepAlive: false });
  });

  it('refuses values that are not whole milliseconds from 0 to 24 h, all at once', () => {
    let message = '';
    try {
      resolveDatabaseTimeouts({ connectTimeoutMs: -1, queryTimeoutMs: 1.5, statementTimeoutMs: 86_400_001 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid database options:/);
    for (const name of ['connectTimeoutMs', 'queryTimeoutMs', 'statementTimeoutMs'])
      expect(message).toContain(`${name}: must be an integer from 0 to 86400000`);
  });

  it('classifies the driver time bounds as the database being unavailable (503)', () => {
    expect(isDatabaseUnavailable(new Error('Query read timeout'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated due to connection timeout'))).toBe(true);
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      ),
    ).toBe(true);
    expect(isDatabaseUnavailable(new Error('some timeout expired elsewhere'))).toBe(false);
  });
});
