import { ExecutorError } from '../../executor';

/** Image tags that are safe as Helm values and CLI arguments: they never need escaping. */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** An image digest. */
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** True when `version` is a plain image tag or a `sha256:` digest. */
export function isSafeVersion(version: unknown): version is string {
  return typeof version === 'string' && (TAG_PATTERN.test(version) || DIGEST_PATTERN.test(version));
}

/**
 * Throws `invalid_config` unless `version` is a safe tag or digest. Called before a version reaches any command,
 * request or file, so `v1,image.repository=evil` or `$(reboot)` never leave the process.
 */
export function assertSafeVersion(executor: string, version: unknown): asserts version is string {
  if (!isSafeVersion(version)) {
    throw new ExecutorError({
      executor,
      code: 'invalid_config',
      message: `refusing version ${JSON.stringify(version)}: not an image tag (${TAG_PATTERN.source}) or digest (${DIGEST_PATTERN.source})`,
    });
  }
}

/** The repository part of an image reference (`registry:5000/a/b:tag@sha256:…` → `registry:5000/a/b`). */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** The tag or digest of an image reference, or null when it has neither. */
export function imageVersion(image: string): string | null {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : null;
}

/** `image` moved to `version`, keeping its repository (a digest is attached with `@`, a tag with `:`). */
export function withVersion(image: string, version: string): string {
  const repository = imageRepository(image);
  return DIGEST_PATTERN.test(version) ? `${repository}@${version}` : `${repository}:${version}`;
}
