import { redactDatabaseUrl } from './config';
import { DatabaseConnectError } from './errors/database-connect-error';

/** `pg`'s and Node's errors carry these. */
interface DriverError {
  code?: unknown;
  message?: unknown;
  errno?: unknown;
}

/**
 * Turns a failure to open the PostgreSQL in `url` (from `variable`) into a {@link DatabaseConnectError} that says
 * what went wrong and what to check, naming the URL with its password redacted. The password never appears, also
 * when a driver message repeats it.
 */
export function databaseConnectError(
  error: unknown,
  url: string,
  variable = 'DATABASE_URL',
): DatabaseConnectError {
  const e = (error ?? {}) as DriverError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(error);
  let host = '';
  let port = '5432';
  let user = '';
  let database = '';
  try {
    const u = new URL(url);
    host = u.hostname;
    port = u.port || '5432';
    user = decodeURIComponent(u.username);
    database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  } catch {
    // pg reads some URLs that WHATWG URL does not; the words below then have no host.
  }
  const at = host ? `${host}:${port}` : 'the server';
  const [reason, check] = ((): [string, string] => {
    switch (code) {
      case 'ECONNREFUSED':
        return [
          `connection refused by ${at}`,
          `that PostgreSQL is running and listening on ${at} (pg_isready -h ${host || 'HOST'} -p ${port}), and the host and port in ${variable}`,
        ];
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return [`host "${host}" not found (${code})`, `the host name in ${variable} and this machine's DNS`];
      case 'ETIMEDOUT':
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return [
          `${at} did not answer (${code})`,
          `the host and port in ${variable} and any firewall on the way`,
        ];
      case 'ECONNRESET':
        return [
          `${at} closed the connection`,
          `that ${at} is PostgreSQL, and the TLS setting (sslmode) in ${variable}`,
        ];
      case '28P01':
        return [message, `the user name${user ? ` (${user})` : ''} and password in ${variable}`];
      case '28000':
        return [
          message,
          `the user${user ? ` (${user})` : ''} in ${variable}, and that the server's pg_hba.conf lets it connect from here`,
        ];
      case '3D000':
        return [
          message,
          `the database name (the URL's path${database ? `, "${database}"` : ''}) in ${variable}, or create it: createdb -h ${host || 'HOST'} -p ${port}${user ? ` -U ${user}` : ''} ${database || 'NAME'}`,
        ];
      case 'ENOENT':
      case 'EACCES':
        return [message, `the file paths in ${variable} (sslrootcert, sslcert, sslkey)`];
      case '57P03':
        return [message, 'again in a moment: the server is starting up or shutting down'];
      case '53300':
        return [message, "the server's max_connections, or a smaller DATABASE_POOL_SIZE"];
      default:
        if (/ssl|tls|certificate/i.test(message))
          return [message, `the TLS settings (sslmode and the certificates) in ${variable}`];
        if (error instanceof URIError || error instanceof TypeError)
          return [
            `the driver cannot read the URL (${message})`,
            `its form: postgres://USER:PASSWORD@HOST:5432/DATABASE, with special characters in the password percent-encoded`,
          ];
        return [message, `that ${variable} points at a running PostgreSQL this user can log in to`];
    }
  })();
  return new DatabaseConnectError(redactDatabaseUrl(url), scrub(reason, url), scrub(check, url), variable, {
    cause: error,
  });
}

/** Removes the URL's password from `text`, should a driver message have repeated it. */
function scrub(text: string, url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    password = /^[^:]+:\/\/[^:/@]*:([^@/]*)@/.exec(url)?.[1] ?? '';
  }
  let out = text;
  for (const p of new Set([password, safeDecode(password)])) {
    if (p.length >= 4) out = out.split(p).join('***');
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
