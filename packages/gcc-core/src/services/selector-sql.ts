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
 *
 * `=` and `in` are written as containment (`labels @> '{"k": "v"}'`, one per value of `in`, the value a parameter
 * so the planner weighs it against the column's statistics), which the GIN index on
 * `clients.labels` (`jsonb_path_ops`) answers; `labels ->> k = v` means the same for string labels (the only kind
 * stored) but makes every selection read every client (issue 18). The negative operators cannot use that index.
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
        return `(${column} @> ${p(JSON.stringify({ [r.key]: r.value }))}::jsonb)`;
      case 'neq':
        return `(${column} ->> ${p(r.key)}::text) IS DISTINCT FROM ${p(r.value)}::text`;
      case 'in': {
        if (r.values.length === 0) return 'false';
        return `(${r.values.map((v) => `${column} @> ${p(JSON.stringify({ [r.key]: v }))}::jsonb`).join(' OR ')})`;
      }
      case 'notin':
        return `COALESCE(NOT ((${column} ->> ${p(r.key)}::text) = ANY(${p(r.values)}::text[])), true)`;
    }
    return 'false';
  });
  return { sql: parts.length ? parts.join(' AND ') : 'true', params };
}
