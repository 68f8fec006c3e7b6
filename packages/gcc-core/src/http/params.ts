import { type SchemaName, schemaOf } from '@wrktalk/sdk-gcc';
import { type FieldError, validationFailed } from '../errors/gcc-error';

/** How one query parameter is checked: against a named schema of the contract, or one of its inline ranges. */
export type QuerySpec =
  | { schema: SchemaName }
  | { integer: { min: number; max: number; default: number } }
  | { string: { min: number; max: number } };

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

/** Validates a value against the contract's named schema (request mode: unknown fields rejected). */
export function checkSchema<T>(name: SchemaName, value: unknown, prefix: string): T {
  const r = schemaOf(name, 'request').safeParse(value);
  if (!r.success) throw validationFailed(issuesToErrors(r.error.issues, prefix));
  return r.data as T;
}

/** Validates query parameters; returns the typed values (integers parsed, defaults applied). */
export function checkQuery(
  query: Record<string, unknown>,
  specs: Record<string, QuerySpec>,
): Record<string, string | number | undefined> {
  const out: Record<string, string | number | undefined> = {};
  const errors: FieldError[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const raw = query[name];
    const path = `/query/${name}`;
    if (raw === undefined) {
      if ('integer' in spec) out[name] = spec.integer.default;
      continue;
    }
    if (typeof raw !== 'string') {
      errors.push({ path, message: 'must be given once, as a plain value' });
      continue;
    }
    if ('integer' in spec) {
      const { min, max } = spec.integer;
      const n = /^-?\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(n) || n < min || n > max)
        errors.push({ path, message: `must be an integer from ${min} to ${max}` });
      else out[name] = n;
    } else if ('string' in spec) {
      const { min, max } = spec.string;
      if (raw.length < min || raw.length > max)
        errors.push({ path, message: `must be ${min} to ${max} characters` });
      else out[name] = raw;
    } else {
      const r = schemaOf(spec.schema, 'request').safeParse(raw);
      if (!r.success) errors.push(...issuesToErrors(r.error.issues, path));
      else out[name] = raw;
    }
  }
  if (errors.length) throw validationFailed(errors);
  return out;
}
