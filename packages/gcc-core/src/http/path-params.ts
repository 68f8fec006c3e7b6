/**
 * Malformed percent-encoding in a path parameter (`/releases/%zz`). Express 5 decodes route parameters while it
 * matches routes and, on a bad `%` sequence, hands a `URIError` (status 400) to the error handlers instead of calling
 * the route: without this, that became a 500. The router finds the operation the request was for, and answers it as
 * usual (authentication and role first) with 400 `validation_failed` naming each malformed parameter.
 */

/** Whether an error is Express's failure to decode a route parameter. */
export function isParamDecodeError(error: unknown): boolean {
  return error instanceof URIError && /^Failed to decode param\b/.test(error.message);
}

/** Whether a path segment is not valid percent-encoded UTF-8. */
export function isMalformedEncoding(segment: string): boolean {
  if (!segment.includes('%')) return false;
  try {
    decodeURIComponent(segment);
    return false;
  } catch {
    return true;
  }
}

/**
 * Matches a request path (as the router sees it, undecoded) against an Express route path with `:name` segments,
 * the way Express does by default (case-insensitive, one optional trailing slash). Returns the raw value of each
 * parameter, or `undefined` when the path is not this route's.
 */
export function matchRoute(route: string, path: string): Record<string, string> | undefined {
  const want = route.split('/');
  const got = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return undefined;
      params[w.slice(1)] = g;
    } else if (w.toLowerCase() !== g.toLowerCase()) return undefined;
  }
  return params;
}

/** Names of the parameters whose raw value is malformed percent-encoding. */
export function malformedParams(raw: Record<string, string>): string[] {
  return Object.keys(raw).filter((name) => isMalformedEncoding(raw[name]!));
}

/**
 * The operation a request whose parameters Express could not decode was for: the first route of `routes` with the
 * request's method (HEAD as GET) and path shape. Its parameters come decoded where they can be, raw where not, with
 * the names of the malformed ones.
 */
export function findRoute<R extends { method: string; path: string }>(
  routes: readonly R[],
  method: string,
  path: string,
): { route: R; params: Record<string, string>; malformed: string[] } | undefined {
  const m = (method === 'HEAD' ? 'GET' : method).toLowerCase();
  for (const route of routes) {
    if (route.method.toLowerCase() !== m) continue;
    const raw = matchRoute(route.path, path);
    if (!raw) continue;
    const malformed = malformedParams(raw);
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(raw)) {
      params[name] = malformed.includes(name) ? value : decodeURIComponent(value);
    }
    return { route, params, malformed };
  }
  return undefined;
}
