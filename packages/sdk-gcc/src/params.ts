import { type SchemaName, type Schemas, schemaOf } from './schemas';

/** A located problem in a request, as it appears in a problem's `errors[]`. */
export type FieldError = Schemas['ProblemFieldError'];

/** How one query parameter is checked: against a named schema of the contract, or one of its inline ranges. */
export type QuerySpec =
  | { schema: SchemaName }
  | { integer: { min: number; max: number; default?: number } }
  | { string: { min: number; max: number } };

/** Checked query parameters: integers parsed, defaults applied. */
export type CheckedQuery = Record<string, string | number | undefined>;

// The inline parameter schemas of openapi/gcc.yaml (components/parameters Cursor and Limit, getUpdates `wait`,
// listAudit `actor`); named component schemas are validated with the spec-built validators instead.
/** `components/parameters/Cursor`. */
export const CURSOR: QuerySpec = { string: { min: 1, max: 1024 } };
/** `components/parameters/Limit`. */
export const LIMIT: QuerySpec = { integer: { min: 1, max: 500, default: 50 } };
/** `getUpdates` `wait`. */
export const WAIT: QuerySpec = { integer: { min: 0, max: 60, default: 0 } };
/** `listAudit` `actor`. */
export const ACTOR: QuerySpec = { string: { min: 1, max: 256 } };
/** `listDeploymentTasks` `stage` (no default: absent means every stage). */
export const STAGE: QuerySpec = { integer: { min: 0, max: 1000 } };
/** `listDeploymentTasks` `q`: a piece of a client id. */
export const SEARCH: QuerySpec = { string: { min: 1, max: 63 } };

/** Converts zod issues to located field errors under `prefix` (a JSON pointer). */
export function issuesToErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  prefix: string,
): FieldError[] {
  return issues.map((i) => ({
    path: `${prefix}${i.path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')}`,
    message: i.message,
  }));
}

/**
 * Checks query parameters against the contract, the way every implementation of it must: each given once,
 * integers in plain decimal within their range, strings within their length, named types by the spec's schemas.
 * @param valuesOf every value given for a parameter name (empty when absent)
 * @returns the checked values and every problem found (empty when the query is valid)
 */
export function checkQueryParams(
  valuesOf: (name: string) => readonly string[],
  specs: Record<string, QuerySpec>,
): { values: CheckedQuery; errors: FieldError[] } {
  const values: CheckedQuery = {};
  const errors: FieldError[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const given = valuesOf(name);
    const path = `/query/${name}`;
    if (given.length === 0) {
      if ('integer' in spec && spec.integer.default !== undefined) values[name] = spec.integer.default;
      continue;
    }
    if (given.length > 1) {
      errors.push({ path, message: 'must be given once, as a plain value' });
      continue;
    }
    const raw = given[0]!;
    if ('integer' in spec) {
      const { min, max } = spec.integer;
      const n = /^-?\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(n) || n < min || n > max)
        errors.push({ path, message: `must be an integer from ${min} to ${max}` });
      else values[name] = n;
    } else if ('string' in spec) {
      const { min, max } = spec.string;
      if (raw.length < min || raw.length > max)
        errors.push({ path, message: `must be ${min} to ${max} characters` });
      else values[name] = raw;
    } else {
      const r = schemaOf(spec.schema, 'request').safeParse(raw);
      if (!r.success) errors.push(...issuesToErrors(r.error.issues, path));
      else values[name] = raw;
    }
  }
  return { values, errors };
}
