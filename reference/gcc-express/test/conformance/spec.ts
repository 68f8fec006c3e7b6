import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A JSON Schema node of the contract (after `$ref` resolution at the top level). */
export type SchemaNode = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  enum?: unknown[];
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  [key: string]: unknown;
};

export type Role = 'admin' | 'ci' | 'approver' | 'agent';
export const ROLES: Role[] = ['admin', 'ci', 'approver', 'agent'];

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: SchemaNode;
}

/** One operation of `openapi/gcc.yaml`, as the suites need it. */
export interface Operation {
  operationId: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The spec path, e.g. `/api/v1/clients/{client_id}`. */
  path: string;
  /** `x-required-roles`; empty for the unauthenticated endpoints. */
  roles: Role[];
  /** The operation needs no token (`security: []`: health probes, the contract itself). */
  open: boolean;
  parameters: Parameter[];
  body?: {
    required: boolean;
    contentTypes: string[];
    schema: SchemaNode;
    /** The first example of the first content type (the linter validates it against the schema). */
    example: unknown;
  };
}

export const SPEC_PATH = new URL('../../../../openapi/gcc.yaml', import.meta.url);

type Json = Record<string, unknown>;

let cached: { spec: Json; operations: Operation[] } | undefined;

function load() {
  if (cached) return cached;
  const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as Json;
  const operations: Operation[] = [];
  const paths = spec.paths as Record<string, Json>;
  for (const [path, item] of Object.entries(paths)) {
    const shared = ((item.parameters as Json[] | undefined) ?? []).map((p) => deref(spec, p));
    for (const method of ['get', 'put', 'post', 'patch', 'delete'] as const) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const own = ((op.parameters as Json[] | undefined) ?? []).map((p) => deref(spec, p));
      const parameters = [...shared, ...own].map((p) => ({
        name: String(p.name),
        in: p.in as Parameter['in'],
        required: p.required === true,
        schema: resolveSchema(spec, p.schema as SchemaNode),
      }));
      const rb = op.requestBody ? deref(spec, op.requestBody as Json) : undefined;
      let body: Operation['body'];
      if (rb) {
        const content = rb.content as Record<string, Json>;
        const contentTypes = Object.keys(content);
        const first = content[contentTypes[0]!]!;
        const examples = (first.examples ?? {}) as Record<string, Json>;
        const firstExample = Object.values(examples)[0];
        body = {
          required: rb.required === true,
          contentTypes,
          schema: resolveSchema(spec, first.schema as SchemaNode),
          example: firstExample ? structuredClone(deref(spec, firstExample).value) : {},
        };
      }
      operations.push({
        operationId: String(op.operationId),
        method: method.toUpperCase() as Operation['method'],
        path,
        roles: (op['x-required-roles'] as Role[] | undefined) ?? [],
        open: Array.isArray(op.security) && (op.security as unknown[]).length === 0,
        parameters,
        ...(body ? { body } : {}),
      });
    }
  }
  cached = { spec, operations };
  return cached;
}

function deref(spec: Json, node: Json): Json {
  let n = node;
  for (let i = 0; i < 20 && typeof n.$ref === 'string'; i++) {
    const ref = n.$ref as string;
    if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported: ${ref}`);
    let target: unknown = spec;
    for (const part of ref.slice(2).split('/')) target = (target as Json)[part];
    n = target as Json;
  }
  return n;
}

/** Resolves `$ref`s of a schema, recursively (the contract's schemas are not recursive). */
export function resolveSchema(spec: Json, node: SchemaNode, depth = 0): SchemaNode {
  if (depth > 30 || node === null || typeof node !== 'object') return node;
  const base = deref(spec, node as Json) as SchemaNode;
  const out: SchemaNode = {};
  for (const [k, v] of Object.entries(base)) {
    if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, SchemaNode>).map(([pk, pv]) => [
          pk,
          resolveSchema(spec, pv, depth + 1),
        ]),
      );
    } else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') {
      out[k] = resolveSchema(spec, v as SchemaNode, depth + 1);
    } else if (k === 'anyOf' && Array.isArray(v)) {
      out.anyOf = v.map((s) => resolveSchema(spec, s as SchemaNode, depth + 1));
    } else out[k] = v;
  }
  return out;
}

/** Every operation of the contract, in spec order. */
export function operations(): Operation[] {
  return load().operations;
}

/** Operations under `/api/v1` that take a token (they all declare `x-required-roles`). */
export function apiOperations(): Operation[] {
  return operations().filter((o) => o.path.startsWith('/api/v1/') && !o.open);
}

/** Operations under `/api/v1` that take no token (`security: []`: the contract itself). */
export function openApiOperations(): Operation[] {
  return operations().filter((o) => o.path.startsWith('/api/v1/') && o.open);
}

/** The `ProblemCode` enum of the contract. */
export function problemCodes(): string[] {
  const spec = load().spec;
  return (resolveSchema(spec, { $ref: '#/components/schemas/ProblemCode' }).enum ?? []) as string[];
}

/** Fills a spec path's `{params}` (values are percent-encoded). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`No value for path parameter ${name} of ${path}`);
    return encodeURIComponent(v);
  });
}
