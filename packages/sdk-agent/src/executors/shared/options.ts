import { ExecutorError } from '../../executor';

/** A Helm parameter name without characters that `--set` treats specially (`=`, `,`, `[`, `\`). */
export const HELM_KEY_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
/** A Kubernetes object name (DNS-1123 subdomain, the rule Argo CD applications and deployments follow). */
export const K8S_NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A compose service or container name. */
export const COMPOSE_NAME_PATTERN = /^[a-zA-Z0-9._-]+$/;

/** Default component → Helm parameter mapping, matching the one shared values.yaml of all clients. */
export const DEFAULT_HELM_KEYS: Readonly<Record<string, string>> = Object.freeze({
  backend: 'backend.image.tag',
  media: 'media.image.tag',
  ct: 'ct.image.tag',
});

/** Collects every problem in an options object, then throws them together (not just the first). */
export class OptionProblems {
  private readonly problems: string[] = [];

  constructor(private readonly executor: string) {}

  /** Records `message` at `path` unless `ok`. */
  check(ok: boolean, path: string, message: string): void {
    if (!ok) this.problems.push(`${path}: ${message}`);
  }

  /** Checks `value` is an integer within [min, max]. */
  int(value: number, path: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
    this.check(
      Number.isInteger(value) && value >= min && value <= max,
      path,
      `must be an integer in [${min}, ${max}], got ${value}`,
    );
  }

  /** Checks `value` is a non-empty string matching `pattern`. */
  matches(value: unknown, pattern: RegExp, path: string): void {
    this.check(
      typeof value === 'string' && pattern.test(value),
      path,
      `must match ${pattern.source}, got ${JSON.stringify(value)}`,
    );
  }

  /** Throws `invalid_config` listing every recorded problem. */
  throwIfAny(): void {
    if (this.problems.length > 0) {
      throw new ExecutorError({
        executor: this.executor,
        code: 'invalid_config',
        message: `invalid options: ${this.problems.join('; ')}`,
      });
    }
  }
}

/** Looks up the component in a mapping, or throws `invalid_config` naming the known components. */
export function lookupComponent<T>(
  executor: string,
  mapping: Readonly<Record<string, T>>,
  component: string,
): T {
  const value = Object.hasOwn(mapping, component) ? mapping[component] : undefined;
  if (value === undefined) {
    throw new ExecutorError({
      executor,
      code: 'invalid_config',
      message: `unknown component ${JSON.stringify(component)} (configured: ${Object.keys(mapping).join(', ') || 'none'})`,
    });
  }
  return value;
}

/** The Argo CD application of a client (`wrktalk-<clientId>` unless configured), validated as a Kubernetes name. */
export function applicationName(executor: string, template: string, clientId: string): string {
  const name = template.replaceAll('{clientId}', clientId);
  if (!K8S_NAME_PATTERN.test(name)) {
    throw new ExecutorError({
      executor,
      code: 'invalid_config',
      message: `application name ${JSON.stringify(name)} is not a valid Kubernetes name`,
    });
  }
  return name;
}
