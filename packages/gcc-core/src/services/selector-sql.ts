import { type LabelRequirement, parseSelector } from '@wrktalk/rollout-planner';
import { GccServiceError } from '../errors/gcc-service-error';

/** Parses a label selector or throws `invalid_selector` located at `path`. */
export function parseSelectorOrThrow(selector: string, path: string): LabelRequirement[] {
  const parsed = parseSelector(selector);
  if (parsed.ok) return parsed.requirements;
  throw new GccServiceError(
    'invalid_selector',
    `Invalid selector: ${parsed.problems.map((p) => `${p.message} at position ${p.position}`).join('; ')}`,
    parsed.problems.map((p) => ({ path, message: `${p.message} at position ${p.position}` })),
  );
}

/**
 * Translates parsed selector requirements to an SQL condition over a jsonb `labels` column (Kubernetes
 * semantics: `!=` and `notin` also match a missing key). Values go in as parameters starting at `$<first>`.
 */
export function selectorSql(
  requirements: readonly LabelRequirement[],
  column: string,
  first: number,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${first + params.length - 1}`;
  };
  const parts = requirements.map((r) => {
    switch (r.op) {
      case 'exists':
        return `(${column} ? ${p(r.key)}::text)`;
      case 'not_exists':
        return `NOT (${column} ? ${p(r.key)}::text)`;
      case 'eq':
        return `(${column} ->> ${p(r.key)}::text) = ${p(r.value)}::text`;
      case 'neq':
        return `(${column} ->> ${p(r.key)}::text) IS DISTINCT FROM ${p(r.value)}::text`;
      case 'in':
        return `(${column} ->> ${p(r.key)}::text) = ANY(${p(r.values)}::text[])`;
      case 'notin':
        return `COALESCE(NOT ((${column} ->> ${p(r.key)}::text) = ANY(${p(r.values)}::text[])), true)`;
    }
    return 'false';
  });
  return { sql: parts.length ? parts.join(' AND ') : 'true', params };
}
