/**
 * Query parameters whose values are logged as sent: the contract's own, none of which can carry a secret (numbers,
 * an opaque position, enum values). Every other parameter's value is logged as `[redacted]`.
 */
export const LOGGED_QUERY_VALUES: ReadonlySet<string> = new Set([
  'wait',
  'limit',
  'cursor',
  'status',
  'stage',
]);

/** What a redacted query value is logged as. */
export const REDACTED = '[redacted]';

/** A parameter name that is logged: short and name-like (a long random one may itself be a secret). */
const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;

/**
 * A request URL as the access log shows it: the path as sent, and each query parameter's name with its value
 * replaced by `[redacted]` unless the name is one of {@link LOGGED_QUERY_VALUES} (so `?access_token=…` or any
 * other credential a client puts in a URL never reaches the logs): `/api/v1/x?wait=30&access_token=[redacted]`.
 * A name that is not name-like (longer than 32 characters, or with other characters than letters, digits, `_`,
 * `.` and `-`) is redacted too, bare (without `=`) or not.
 */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url.slice(q + 1);
  if (query === '') return url;
  const parts = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const shown = NAME.test(name) ? name : REDACTED;
    if (eq < 0) return shown;
    return LOGGED_QUERY_VALUES.has(name) ? pair : `${shown}=${REDACTED}`;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}
