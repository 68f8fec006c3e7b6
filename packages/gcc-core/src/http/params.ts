import {
  ACTOR,
  CURSOR,
  checkQueryParams,
  type FieldError,
  issuesToErrors,
  LIMIT,
  type QuerySpec,
  type SchemaName,
  SEARCH,
  STAGE,
  schemaOf,
  WAIT,
  withRules,
} from '@wrktalk/sdk-gcc';
import { validationFailed } from '../errors/gcc-service-error';

// The query rules of the contract live in @wrktalk/sdk-gcc (`checkQueryParams`), shared with its fake GCC.
export { ACTOR, CURSOR, LIMIT, type QuerySpec, SEARCH, STAGE, WAIT };

/**
 * Validates a value against the contract's named schema (request mode: unknown fields rejected). `also` adds the
 * operation's own rules, reported together with the schema's problems.
 */
export function checkSchema<T>(
  name: SchemaName,
  value: unknown,
  prefix: string,
  also?: (value: unknown) => FieldError[],
): T {
  const r = schemaOf(name, 'request').safeParse(value);
  const errors = withRules(r.success ? [] : issuesToErrors(r.error.issues, prefix), also?.(value) ?? []);
  if (errors.length) throw validationFailed(errors);
  return (r as { data: unknown }).data as T;
}

/** Validates Express query parameters; returns the typed values (integers parsed, defaults applied). */
export function checkQuery(
  query: Record<string, unknown>,
  specs: Record<string, QuerySpec>,
): Record<string, string | number | undefined> {
  const { values, errors } = checkQueryParams((name) => {
    const raw = query[name];
    if (raw === undefined) return [];
    // A repeated or bracketed parameter arrives as an array or object: reported as given more than once.
    return typeof raw === 'string' ? [raw] : ['', ''];
  }, specs);
  if (errors.length) throw validationFailed(errors);
  return values;
}
