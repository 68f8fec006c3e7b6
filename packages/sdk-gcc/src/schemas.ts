import { z } from 'zod';
import { definitions } from './generated/definitions';
import type { components } from './generated/gcc';

/** Every component schema of `openapi/gcc.yaml`, as TypeScript types. */
export type Schemas = components['schemas'];
/** Name of a component schema of the contract. */
export type SchemaName = keyof typeof definitions & keyof Schemas;
/** Whether a validator checks what a server sends (tolerant of added fields) or what a client sends (strict). */
export type SchemaMode = 'response' | 'request';

type Json = unknown;

/**
 * Prepares the spec's schemas for zod: drops `if`/`then`/`else`/`not` (cross-field rules zod's JSON Schema reader
 * does not take; the server enforces them), and for responses drops `additionalProperties: false`, so a client keeps
 * working when a newer server adds a field.
 */
function prepare(value: Json, mode: SchemaMode): Json {
  if (Array.isArray(value)) return value.map((v) => prepare(v, mode));
  if (value && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'if' || k === 'then' || k === 'else' || k === 'not') continue;
      if (mode === 'response' && k === 'additionalProperties' && v === false) continue;
      // zod reads `uri-reference` as an absolute URL; a relative reference such as `/api/v1/x` is valid here.
      if (k === 'format' && v === 'uri-reference') continue;
      out[k] = prepare(v, mode);
    }
    return out;
  }
  return value;
}

const prepared: Record<SchemaMode, Json | undefined> = { response: undefined, request: undefined };
const cache = new Map<string, z.ZodType>();

/**
 * The zod validator of a component schema, built from the spec itself (cached), so it cannot drift from it.
 * @param mode `'response'` (default) tolerates unknown fields; `'request'` rejects them as the server does.
 */
export function schemaOf<N extends SchemaName>(
  name: N,
  mode: SchemaMode = 'response',
): z.ZodType<Schemas[N]> {
  const key = `${mode}:${name}`;
  let schema = cache.get(key);
  if (!schema) {
    prepared[mode] ??= prepare(definitions, mode);
    schema = z.fromJSONSchema({ $ref: `#/$defs/${name}`, $defs: prepared[mode] } as Parameters<
      typeof z.fromJSONSchema
    >[0]);
    cache.set(key, schema);
  }
  return schema as z.ZodType<Schemas[N]>;
}

/**
 * RFC 9457 problem details as the client reads them from error answers. Looser than the spec on purpose: an
 * error code added by a newer server must still reach the caller rather than be lost to validation.
 */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  request_id: z.string().optional(),
});
/** RFC 9457 problem details of a GCC error answer. */
export type Problem = z.infer<typeof ProblemSchema>;
