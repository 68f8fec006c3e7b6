import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { isGccOptionsError } from '../../src/errors/options-error';
import { createNotifier } from '../../src/notifications/notifier';

// Options are checked before the database is touched, so none is needed here.
const noDatabase = {} as Database;

describe('createNotifier options', () => {
  it('lists every bad option at once, each with its path', () => {
    let error: unknown;
    try {
      createNotifier({
        database: noDatabase,
        batchSize: 0,
        pollMs: 1,
        retentionDays: -1,
        options: {
          approvalDigestSeconds: -5,
          smtpUrl: 'http://mail.example.com',
          webhooks: [{ url: 'ftp://hooks.example.com', secret: '' }],
        },
      });
    } catch (e) {
      error = e;
    }
    expect(isGccOptionsError(error)).toBe(true);
    expect(error).toBeInstanceOf(RangeError);
    const problems = (error as { problems: string[] }).problems;
    expect(problems).toEqual([
      'batchSize: must be an integer from 1 to 1000, got 0',
      'pollMs: must be an integer from 10 to 86400000, got 1',
      'retentionDays: must be an integer from 1 to 36500, got -1',
      'notifications.approvalDigestSeconds: must be an integer from 0 to 86400, got -5',
      'notifications.smtpUrl: must be an smtp:// or smtps:// URL',
      'notifications.webhooks[0].url: must be an http:// or https:// URL',
      'notifications.webhooks[0].secret: is required (a non-empty string)',
    ]);
    expect((error as Error).message).toMatch(/^Invalid notifier options:\n {2}- batchSize/);
  });

  it('accepts the documented defaults', () => {
    expect(() => createNotifier({ database: noDatabase })).not.toThrow();
  });
});
