/**
 * Login failures against the real PostgreSQL (`WRKTALK_TEST_DATABASE_URL`, trust auth): an unknown database and an
 * unknown user name DATABASE_URL (password redacted) and what to check, instead of the driver's bare message.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from './helpers/core-target';
import { run } from './helpers/run-cli';

const PASSWORD = 'Sup3r-s3cret-pw';

function withLogin(user: string, database: string): { url: string; shown: string } {
  const u = new URL(TEST_DATABASE_URL);
  u.username = user;
  u.password = PASSWORD;
  u.pathname = `/${database}`;
  u.search = '';
  return { url: u.toString(), shown: u.toString().replace(PASSWORD, '***') };
}

describe('wrktalk-gcc against a PostgreSQL that refuses the login', () => {
  const suffix = randomBytes(4).toString('hex');

  it('an unknown database: says so and how to create it; exit 1', async () => {
    const { url, shown } = withLogin('postgres', `wrktalk_missing_${suffix}`);
    const r = await run(['migrate'], { DATABASE_URL: url, LOG_LEVEL: 'silent' });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: cannot connect to the PostgreSQL in DATABASE_URL (${shown}): `);
    expect(r.err).toContain(`database "wrktalk_missing_${suffix}" does not exist`);
    expect(r.err).toMatch(
      /Check the database name \(the URL's path, "wrktalk_missing_\w+"\) in DATABASE_URL, or create it: createdb /,
    );
    expect(r.err).not.toContain(PASSWORD);
  });

  it('an unknown user: says so and to check the user and pg_hba.conf; exit 1', async () => {
    const { url, shown } = withLogin(`wrktalk_nobody_${suffix}`, 'postgres');
    const r = await run(['serve'], { DATABASE_URL: url, LOG_LEVEL: 'silent', PORT: '0' });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: cannot connect to the PostgreSQL in DATABASE_URL (${shown}): `);
    expect(r.err).toMatch(/role "wrktalk_nobody_\w+" does not exist/);
    expect(r.err).toMatch(
      /Check the user \(wrktalk_nobody_\w+\) in DATABASE_URL, and that the server's pg_hba.conf/,
    );
    expect(r.err).not.toContain(PASSWORD);
  });
});
