import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type SchemaName, schemaOf } from '../src/schemas';

type Json = Record<string, unknown>;
const spec = parse(readFileSync(new URL('../../../openapi/gcc.yaml', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Json>>;
  components: {
    schemas: Record<string, Json>;
    responses: Record<string, Json>;
    examples?: Record<string, Json>;
  };
};

interface Case {
  name: string;
  schema: SchemaName;
  mode: 'request' | 'response';
  value: unknown;
}

function refName(schema: unknown): SchemaName | undefined {
  const ref = (schema as Json | undefined)?.$ref;
  return typeof ref === 'string' ? (ref.replace('#/components/schemas/', '') as SchemaName) : undefined;
}

function deref<T extends Json>(obj: T, section: 'responses' | 'examples'): T {
  const ref = obj.$ref;
  if (typeof ref !== 'string') return obj;
  return spec.components[section]![ref.split('/').pop()!] as T;
}

function examplesOf(media: Json): [string, unknown][] {
  const out: [string, unknown][] = [];
  if ('example' in media) out.push(['example', media.example]);
  for (const [k, ex] of Object.entries((media.examples ?? {}) as Record<string, Json>)) {
    out.push([k, deref(ex, 'examples').value]);
  }
  return out;
}

const cases: Case[] = [];
for (const [p, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!op || typeof op !== 'object' || !('responses' in op)) continue;
    const id = `${method.toUpperCase()} ${p}`;
    const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
    for (const [type, media] of Object.entries(body ?? {})) {
      const schema = refName(media.schema);
      if (!schema) continue;
      for (const [k, value] of examplesOf(media)) {
        cases.push({ name: `${id} request ${type} ${k}`, schema, mode: 'request', value });
      }
    }
    for (const [status, resp] of Object.entries(op.responses as Record<string, Json>)) {
      const r = deref(resp, 'responses');
      for (const [type, media] of Object.entries((r.content ?? {}) as Record<string, Json>)) {
        const schema = refName(media.schema);
        if (!schema) continue;
        for (const [k, value] of examplesOf(media)) {
          cases.push({ name: `${id} ${status} ${type} ${k}`, schema, mode: 'response', value });
        }
      }
    }
  }
}

describe('zod schemas built from the spec', () => {
  it('finds examples for every operation', () => {
    expect(cases.length).toBeGreaterThan(60);
  });

  it.each(cases)('accepts the spec example: $name', ({ schema, mode, value }) => {
    const r = schemaOf(schema, mode).safeParse(value);
    expect(r.error?.issues ?? []).toEqual([]);
  });

  const release = {
    id: 'rel-01',
    component: 'backend',
    version: 'sha123',
    image_url: 'registry.wrktalk.com/backend:sha123',
    metadata: {},
    created_at: '2026-11-20T09:00:00Z',
    created_by: 'ci:github-actions',
  };

  it.each([
    ['a tag with a space', { ...release, version: 'v 1' }, '/version'],
    ['a digest that is too short', { ...release, version: 'sha256:abc' }, '/version'],
    ['a missing field', { ...release, created_by: undefined }, '/created_by'],
    ['a date that is not a date-time', { ...release, created_at: 'yesterday' }, '/created_at'],
  ])('rejects a release with %s', (_name, value, where) => {
    const r = schemaOf('Release').safeParse(value);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `/${i.path.join('/')}`)).toContain(where);
  });

  it('tolerates fields added by a newer server in responses, rejects unknown fields in requests', () => {
    expect(schemaOf('Release').safeParse({ ...release, shiny_new_field: 1 }).success).toBe(true);
    const create = {
      component: 'backend',
      version: 'sha123',
      image_url: 'registry.wrktalk.com/backend:sha123',
    };
    expect(schemaOf('ReleaseCreate', 'request').safeParse(create).success).toBe(true);
    expect(schemaOf('ReleaseCreate', 'request').safeParse({ ...create, extra: true }).success).toBe(false);
  });
});
