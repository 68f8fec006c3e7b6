/**
 * Start failures say what to change: a port in use names the port, who holds it and `PORT`; a PostgreSQL that cannot
 * be reached names `DATABASE_URL` (password redacted) and what to check. Before, both were bare driver errors
 * (`listen EADDRINUSE: address already in use 0.0.0.0:8080`, `connect ECONNREFUSED 127.0.0.1:5433`).
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { redactDatabaseUrl } from '../src/config';
import { databaseConnectError } from '../src/database-connect';
import { PortInUseError } from '../src/errors/port-in-use-error';
import { describePortHolder } from '../src/port-in-use';
import { freePort } from './helpers/gcc-process';
import { run } from './helpers/run-cli';

const PASSWORD = 'Sup3r-s3cret-pw';
const never = () => new Promise<string>(() => undefined);

describe('wrktalk-gcc serve on a port in use', () => {
  let occupier: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (occupier ? occupier.close(resolve) : resolve(undefined)));
    occupier = undefined;
  });

  it('says which port, who holds it and to set PORT; exit 1', { timeout: 60_000 }, async () => {
    const port = await freePort();
    occupier = createServer();
    await new Promise<void>((resolve) => occupier!.listen(port, '127.0.0.1', resolve));
    const r = await run(
      ['serve'],
      { PORT: String(port), HOST: '127.0.0.1', GCC_DATA_DIR: 'memory://', LOG_LEVEL: 'silent' },
      { shutdownSignal: never },
    );
    expect(r.code).toBe(1);
    // This test process is the one listening: Linux's /proc names it.
    expect(r.err).toContain(`error: port ${port} is in use (pid ${process.pid}: `);
    expect(r.err).toMatch(/: set PORT=\d+ \(\d+ was free a moment ago\), or stop that process\n$/);
    expect(r.err).not.toMatch(/EADDRINUSE|\n\s+at /);
  });

  it('reads /proc for the holder, and words a port without one', () => {
    expect(describePortHolder(1)).toBeUndefined();
    expect(new PortInUseError(8080, '0.0.0.0', undefined, undefined).message).toBe(
      'port 8080 is in use (another process listens on 0.0.0.0:8080): set PORT=<a free port>, or stop that process',
    );
    expect(new PortInUseError(8080, '127.0.0.1', 'pid 7: node x', 8081, ['PORT', '--port']).message).toBe(
      'port 8080 is in use (pid 7: node x): set PORT=8081 (or --port 8081; 8081 was free a moment ago), or stop that process',
    );
  });
});

describe('a PostgreSQL that cannot be reached at start', () => {
  it('connection refused: names DATABASE_URL with the password redacted and what to check; exit 1', {
    timeout: 30_000,
  }, async () => {
    const port = await freePort(); // nothing listens there
    const url = `postgres://gcc:${PASSWORD}@127.0.0.1:${port}/gcc`;
    for (const command of [
      ['migrate'],
      ['serve'],
      ['client', 'create', '--id', 'a', '--name', 'A', '--target-kind', 'docker'],
    ]) {
      const r = await run(
        command,
        { DATABASE_URL: url, LOG_LEVEL: 'silent', PORT: '0' },
        { shutdownSignal: never },
      );
      expect(r.code, r.err).toBe(1);
      expect(r.err).toBe(
        `error: cannot connect to the PostgreSQL in DATABASE_URL (postgres://gcc:***@127.0.0.1:${port}/gcc): connection refused by 127.0.0.1:${port}.\n` +
          `Check that PostgreSQL is running and listening on 127.0.0.1:${port} (pg_isready -h 127.0.0.1 -p ${port}), and the host and port in DATABASE_URL.\n`,
      );
      expect(r.err).not.toContain(PASSWORD);
    }
  });

  it('a bad URL: one the configuration refuses (exit 2), one naming a file that is not there (exit 1)', {
    timeout: 30_000,
  }, async () => {
    const refused = await run(['migrate'], {
      DATABASE_URL: `mysql://gcc:${PASSWORD}@db/gcc`,
      LOG_LEVEL: 'silent',
    });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      '- DATABASE_URL: must be a PostgreSQL URL like postgres://user@host:5432/db',
    );
    expect(refused.err).not.toContain(PASSWORD);

    const port = await freePort();
    const url = `postgres://gcc:${PASSWORD}@127.0.0.1:${port}/gcc?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem`;
    const r = await run(['migrate'], { DATABASE_URL: url, LOG_LEVEL: 'silent' });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: cannot connect to the PostgreSQL in DATABASE_URL (postgres://gcc:***@127.0.0.1:${port}/gcc?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem): ENOENT: no such file or directory, open '/nonexistent/ca.pem'.\n` +
        'Check the file paths in DATABASE_URL (sslrootcert, sslcert, sslkey).\n',
    );
  });

  it.each([
    [`postgres://u:${PASSWORD}@db:5432/x`, 'postgres://u:***@db:5432/x'],
    [
      `postgresql://u@db/x?sslmode=require&password=${PASSWORD}`,
      'postgresql://u@db/x?sslmode=require&password=***',
    ],
    ['postgres://db/x', 'postgres://db/x'],
    [`postgres://u:${PASSWORD}@[::1`, 'postgres://*** (not a valid URL)'],
  ])('redactDatabaseUrl(%s)', (url, shown) => {
    expect(redactDatabaseUrl(url)).toBe(shown);
  });

  it.each([
    [
      '28P01',
      'password authentication failed for user "gcc"',
      /the user name \(gcc\) and password in DATABASE_URL/,
    ],
    [
      '28000',
      'role "gcc" does not exist',
      /the user \(gcc\) in DATABASE_URL, and that the server's pg_hba.conf/,
    ],
    ['3D000', 'database "gcc" does not exist', /createdb -h db -p 5432 -U gcc gcc/],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND db', /the host name in DATABASE_URL/],
  ])('%s: says what to check', (code, message, check) => {
    const e = databaseConnectError(
      Object.assign(new Error(`${message} ${PASSWORD}`), { code }),
      `postgres://gcc:${PASSWORD}@db:5432/gcc`,
    );
    expect(e.message).toMatch(
      /^cannot connect to the PostgreSQL in DATABASE_URL \(postgres:\/\/gcc:\*\*\*@db:5432\/gcc\)/,
    );
    expect(e.message).toMatch(check);
    expect(e.message).not.toContain(PASSWORD); // even when a driver message repeats it
  });
});
