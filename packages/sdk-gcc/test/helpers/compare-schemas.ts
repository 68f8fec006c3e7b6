/**
 * Compares a JSON Schema produced by `z.toJSONSchema()` with the JSON Schema of the same component in
 * `openapi/gcc.yaml`, and lists every difference that matters on the wire: types (with null), properties,
 * required fields, enums, constants, string patterns and formats, numeric and length bounds, array items.
 * Descriptions, examples and extensions are ignored.
 */
type Json = Record<string, unknown>;

export interface SpecDocument {
  components: { schemas: Record<string, Json> };
}

function resolve(spec: SpecDocument, schema: Json): Json {
  let s = schema;
  const seen = new Set<string>();
  while (typeof s.$ref === 'string') {
    const ref = s.$ref;
    if (seen.has(ref)) throw new Error(`circular $ref ${ref}`);
    seen.add(ref);
    const name = ref.replace('#/components/schemas/', '');
    const target = spec.components.schemas[name];
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    const { $ref: _r, ...rest } = s;
    s = { ...target, ...rest };
  }
  return s;
}

function typesOf(spec: SpecDocument, schema: Json): Set<string> {
  const s = resolve(spec, schema);
  const out = new Set<string>();
  if (Array.isArray(s.type)) for (const t of s.type) out.add(String(t));
  else if (typeof s.type === 'string') out.add(s.type);
  if (s.const !== undefined) out.add(typeof s.const === 'number' ? 'number' : typeof s.const);
  if (Array.isArray(s.enum))
    for (const v of s.enum) out.add(v === null ? 'null' : typeof v === 'number' ? 'number' : typeof v);
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[key]))
      for (const sub of s[key] as Json[]) for (const t of typesOf(spec, sub)) out.add(t);
  }
  if (out.has('integer')) {
    out.delete('integer');
    out.add('number');
  }
  return out;
}

/** The non-null branch of a nullable schema, or the schema itself. */
function nonNull(spec: SpecDocument, schema: Json): Json {
  const s = resolve(spec, schema);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) {
      const rest = (list as Json[]).filter((x) => !(resolve(spec, x).type === 'null'));
      if (rest.length === 1) return nonNull(spec, rest[0]!);
    }
  }
  return s;
}

function enumValues(spec: SpecDocument, schema: Json): unknown[] | undefined {
  const s = resolve(spec, schema);
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).filter((v) => v !== null);
  if (s.const !== undefined) return [s.const];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) {
      const all = (list as Json[]).map(
        (x) => enumValues(spec, x) ?? (resolve(spec, x).type === 'null' ? [] : undefined),
      );
      if (all.every((x) => x !== undefined)) return all.flat();
    }
  }
  return undefined;
}

const BOUNDS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
];

/** Lists differences between a zod-derived schema and a spec schema, each prefixed with its path. */
export function compareSchemas(spec: SpecDocument, zod: Json, wire: Json, at = ''): string[] {
  const problems: string[] = [];
  const zt = typesOf(spec, zod);
  const wt = typesOf(spec, wire);
  const sameTypes = zt.size === wt.size && [...zt].every((t) => wt.has(t));
  if (!sameTypes && !(zt.size === 0 || wt.size === 0)) {
    problems.push(
      `${at || '/'}: type ${[...zt].sort().join('|')} in zod, ${[...wt].sort().join('|')} in spec`,
    );
    return problems;
  }
  const ze = enumValues(spec, zod);
  const we = enumValues(spec, wire);
  if (ze || we) {
    const a = JSON.stringify([...(ze ?? [])].map(String).sort());
    const b = JSON.stringify([...(we ?? [])].map(String).sort());
    if (a !== b) problems.push(`${at || '/'}: enum ${a} in zod, ${b} in spec`);
  }
  const z = nonNull(spec, zod);
  const w = nonNull(spec, wire);
  if (w.format === 'date-time' || z.format === 'date-time') {
    if (w.format !== z.format)
      problems.push(`${at || '/'}: format ${String(z.format)} in zod, ${String(w.format)} in spec`);
  } else if ((z.pattern ?? null) !== (w.pattern ?? null)) {
    problems.push(`${at || '/'}: pattern ${String(z.pattern)} in zod, ${String(w.pattern)} in spec`);
  }
  for (const b of BOUNDS) {
    if ((z[b] ?? null) !== (w[b] ?? null))
      problems.push(`${at || '/'}: ${b} ${String(z[b])} in zod, ${String(w[b])} in spec`);
  }
  if (zt.has('object') || wt.has('object')) {
    const zp = (z.properties ?? {}) as Record<string, Json>;
    const wp = (w.properties ?? {}) as Record<string, Json>;
    for (const k of Object.keys(wp)) if (!(k in zp)) problems.push(`${at}/${k}: in spec, missing in zod`);
    for (const k of Object.keys(zp)) if (!(k in wp)) problems.push(`${at}/${k}: in zod, missing in spec`);
    const zr = new Set((z.required ?? []) as string[]);
    const wr = new Set((w.required ?? []) as string[]);
    for (const k of wr) if (!zr.has(k)) problems.push(`${at}/${k}: required in spec, optional in zod`);
    for (const k of zr) if (!wr.has(k)) problems.push(`${at}/${k}: required in zod, optional in spec`);
    for (const k of Object.keys(wp))
      if (k in zp) problems.push(...compareSchemas(spec, zp[k]!, wp[k]!, `${at}/${k}`));
    const za = z.additionalProperties;
    const wa = w.additionalProperties;
    if (za && typeof za === 'object' && wa && typeof wa === 'object') {
      problems.push(...compareSchemas(spec, za as Json, wa as Json, `${at}/*`));
    } else if ((typeof za === 'object') !== (typeof wa === 'object')) {
      problems.push(
        `${at || '/'}: map values ${typeof za === 'object' ? 'typed' : 'untyped'} in zod, ${typeof wa === 'object' ? 'typed' : 'untyped'} in spec`,
      );
    }
  }
  if (zt.has('array') || wt.has('array')) {
    if (z.items && w.items)
      problems.push(...compareSchemas(spec, z.items as Json, w.items as Json, `${at}/[]`));
    else if (!!z.items !== !!w.items) problems.push(`${at || '/'}: array items described on one side only`);
  }
  return problems;
}
