/**
 * Image registries by Docker's reference rules, for the GCC's registry allow-list (`allowedRegistries`).
 */

/** The default registry of a reference without one (`backend:v1`, `library/nginx`). */
export const DOCKER_HUB = 'docker.io';

/** An image reference split into its registry host (lowercase, with port) and repository path. */
export interface ImageLocation {
  /** `registry.wrktalk.com`, `localhost:5000`, `docker.io`. */
  registry: string;
  /** `wrktalk/backend`; Docker Hub's official images get `library/`. */
  repository: string;
}

/**
 * Splits an image reference the way Docker does: the first path component is a registry when it contains `.` or
 * `:` or is `localhost`; otherwise the image is on Docker Hub (`docker.io`, official images under `library/`).
 * Tag and digest are dropped. `index.docker.io` is `docker.io`.
 */
export function imageLocation(imageUrl: string): ImageLocation {
  const name = imageUrl.split('@')[0]!;
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  let registry = DOCKER_HUB;
  let rest = name;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first.toLowerCase();
    rest = name.slice(slash + 1);
  }
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const repository = colon > lastSlash ? rest.slice(0, colon) : rest;
  return {
    registry,
    repository: registry === DOCKER_HUB && !repository.includes('/') ? `library/${repository}` : repository,
  };
}

// host[:port][/path…] without scheme, tag or digest.
const ENTRY =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\/?$/;

/** Why an allow-list entry is not usable, or undefined when it is. */
export function registryEntryProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'string' || !ENTRY.test(entry)) {
    return `must be a registry host with an optional port and path prefix, without a scheme (e.g. 'registry.wrktalk.com' or 'registry.wrktalk.com/wrktalk'), got ${JSON.stringify(entry)}`;
  }
  return undefined;
}

/**
 * True when `imageUrl` is in a registry of `allowed` (entries `host[:port]` or `host[:port]/path-prefix`; a path
 * prefix matches whole path components: `r.example.com/team` allows `r.example.com/team/x`, not `r.example.com/teamx/x`).
 * Hosts compare case-insensitively; `docker.io` entries match references without a registry.
 */
export function registryAllowed(imageUrl: string, allowed: readonly string[]): boolean {
  const image = imageLocation(imageUrl);
  return allowed.some((entry) => {
    const e = entry.replace(/\/+$/, '');
    const slash = e.indexOf('/');
    const host = (slash < 0 ? e : e.slice(0, slash)).toLowerCase();
    const prefix = slash < 0 ? '' : e.slice(slash + 1);
    if ((host === 'index.docker.io' ? DOCKER_HUB : host) !== image.registry) return false;
    return prefix === '' || image.repository === prefix || image.repository.startsWith(`${prefix}/`);
  });
}
