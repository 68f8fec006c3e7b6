/**
 * Makes an OpenAPI/JSON schema reject unknown fields: every object schema that lists `properties` and says nothing
 * about extra ones gets `additionalProperties: false`. Real servers drop or reject unknown fields; a fake that
 * silently accepts them would hide typos in the requests we build.
 */
export function strictify<T>(schema: T, skip: (node: Record<string, unknown>) => boolean = () => false): T {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      // `properties` maps names to schemas: visit the schemas, not the map itself.
      out[key] =
        key === 'properties' && value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]))
          : visit(value);
    }
    if (out.properties && out.additionalProperties === undefined && !skip(record))
      out.additionalProperties = false;
    return out;
  };
  return visit(schema) as T;
}
