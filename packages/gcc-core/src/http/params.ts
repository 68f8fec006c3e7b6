import {
  ACTOR,
  CURSOR,
  checkQueryParams,
  issuesToErrors,
  LIMIT,
  type QuerySpec,
  type SchemaName,
  schemaOf,
  WAIT,
} from '@wrktalk/sdk-gcc';
import { validationFailed } from '../errors/gcc-service-error';

// The query rules of the contract live in @wrktalk/sdk-gcc (`checkQueryParams`), shared with its fake GCC.
export { ACTOR, CURSOR, LIMIT, type QuerySpec, WAIT };

/** Validates a value against the contract's named schema (request mode: unknown fields rejected). */
export function checkSchema<T>(name: SchemaName, value: unknown, prefix: string): T {
  const r = schemaOf(name, 'request').safeParse(value);
  if (!r.success) throw validationFailed(issuesToErrors(r.error.issues, prefix));
  return r.data as T;
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
