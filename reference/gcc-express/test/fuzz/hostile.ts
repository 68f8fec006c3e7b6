import fc from 'fast-check';
import { INJECTIONS } from '../conformance/bad-input';
import type { Operation, SchemaNode } from '../conformance/spec';

/** A JSON token written as is (numbers JSON.stringify cannot produce: `-0`, `1e400`, 2^53 + 1). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Serialises a generated value; `RawJson` tokens go out verbatim. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const chars = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCharCode(c));

/** Strings an attacker sends: injections, control characters, any unicode (lone surrogates too), huge lengths. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    ...Object.values(INJECTIONS),
    '',
    ' ',
    '\u0000',
    '\ud800',
    '\udfff',
    '\u202e',
    '\ufeff',
    'null',
    '-0',
    '%',
    '%zz',
    '*',
    '__proto__',
  ),
  fc.string({ unit: chars(0, 0x1f), minLength: 1, maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(129, 1025, 5_000, 300_000).map((n) => 'x'.repeat(n)),
  fc.constantFrom(64, 70_000).map((n) => '🚀'.repeat(n)),
);

/** Numbers out of every range, including the ones only raw JSON can carry. */
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 63,
    1e308,
    -1e308,
    5e-324,
    0.5,
    -1,
    0,
  ),
  fc
    .constantFrom('-0', '1e400', '-1e400', '9007199254740993', '1E+2', '-0.0', '0e0', '1.0')
    .map((t) => new RawJson(t)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** JSON nested `depth` levels (objects or arrays), as raw text: never built as a deep JS value here. */
export const deepJson: fc.Arbitrary<RawJson> = fc
  .tuple(fc.constantFrom(63, 64, 65, 1_000, 20_000), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => new RawJson(`${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`));

const scalar = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));

/** Any hostile JSON value: wrong types, odd scalars, small containers, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      hostileString.filter((k) => k.length < 200),
      scalar,
      { maxKeys: 3 },
    ),
  },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Values just outside what `schema` allows (lengths, ranges, enums, item counts, unknown fields). */
export function edgesOf(schema: SchemaNode | undefined): unknown[] {
  if (!schema) return [];
  const out: unknown[] = [];
  for (const s of schema.anyOf ?? []) out.push(...edgesOf(s));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (typeof schema.maxLength === 'number') out.push('a'.repeat(schema.maxLength + 1));
  if (typeof schema.minLength === 'number' && schema.minLength > 0)
    out.push('a'.repeat(schema.minLength - 1));
  if (schema.enum?.length) {
    const first = String(schema.enum[0]);
    out.push(
      first.toUpperCase() === first ? first.toLowerCase() : first.toUpperCase(),
      `${first} `,
      `${first}\u0000`,
    );
  }
  if (typeof schema.minimum === 'number') out.push(schema.minimum - 1, schema.minimum - 0.5);
  if (typeof schema.maximum === 'number') out.push(schema.maximum + 1, new RawJson(`${schema.maximum}0`));
  if (types.includes('integer')) out.push(1.5, new RawJson('-0'), 2 ** 53, new RawJson('9007199254740993'));
  if (typeof schema.maxItems === 'number')
    out.push(Array.from({ length: schema.maxItems + 1 }, (_, i) => `x${i}`));
  if (schema.uniqueItems) out.push(['a', 'a']);
  if (typeof schema.maxProperties === 'number') {
    out.push(Object.fromEntries(Array.from({ length: schema.maxProperties + 1 }, (_, i) => [`k${i}`, i])));
  }
  if (schema.additionalProperties === false) out.push({ unexpected_field: 1 });
  if (schema.format === 'date-time')
    out.push('2025-13-45T25:61:61Z', '0000-00-00T00:00:00Z', '+275760-09-13T00:00:01Z');
  return out;
}

/** Percent-encodes any string (a lone surrogate, which `encodeURIComponent` refuses, goes as U+FFFD). */
export const encodeText = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));

/** `base`, or one of `edges` when there are any. */
function orEdges<T>(base: fc.Arbitrary<T>, edges: T[]): fc.Arbitrary<T> {
  return edges.length ? fc.oneof(base, fc.constantFrom(...edges)) : base;
}

/** One change made to an otherwise valid request. */
export type Mutation =
  | { kind: 'set'; path: string[]; value: unknown }
  | { kind: 'delete'; path: string[] }
  | { kind: 'body'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'path'; name: string; raw: string }
  | { kind: 'query'; name: string; values: string[] }
  | { kind: 'rawQuery'; text: string }
  | { kind: 'header'; name: string; value: string };

/** Where a body's fields are: top-level properties and the properties of object-valued ones. */
function fieldsOf(schema: SchemaNode): { path: string[]; schema: SchemaNode }[] {
  const out: { path: string[]; schema: SchemaNode }[] = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    out.push({ path: [name], schema: prop });
    const objects = [prop, ...(prop.anyOf ?? [])];
    for (const o of objects) {
      for (const [sub, subSchema] of Object.entries(o.properties ?? {}))
        out.push({ path: [name, sub], schema: subSchema });
      if (o.items?.properties) {
        for (const [sub, subSchema] of Object.entries(o.items.properties)) {
          out.push({ path: [name, '0', sub], schema: subSchema });
        }
      }
    }
  }
  return out;
}

/** Valid HTTP header text (fetch refuses CR, LF and NUL), with latin-1 bytes. */
const headerText = fc.oneof(
  fc.string({ unit: chars(0x20, 0x7e), maxLength: 60 }),
  fc.string({ unit: fc.oneof(chars(0x21, 0x7e), chars(0x80, 0xff), fc.constant('\t')), maxLength: 30 }),
  fc.constantFrom(129, 4_000).map((n) => 'k'.repeat(n)),
);

const CONTENT_TYPES = [
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset="',
  'application/json;;;',
  'application/json; =',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/json, text/plain',
  'multipart/form-data; boundary=x',
  'text/plain',
  '*/*',
  '',
];
const CONTENT_ENCODINGS = [
  'gzip',
  'deflate',
  'br',
  'zstd',
  'compress',
  'identity',
  'IDENTITY',
  'gzip, gzip',
  'identity, br',
  '',
];
const IF_NONE_MATCH = ['*', 'W/"x"', '"', '"a", *', ',,,', 'W/', '"'.repeat(300)];

/** Malformed percent-encoding, sent in the path as is. */
const badPercent = fc.oneof(
  fc.constantFrom('%', '%zz', '%ff%fe', '%E0%A4%A', 'a%', '%%', '%u0041', '%00', '%C0%AF', '%ED%A0%80'),
  fc
    .tuple(
      fc.string({ unit: chars(0x61, 0x7a), maxLength: 8 }),
      fc.string({ unit: fc.constantFrom('%', 'f', 'g', '0', 'z'), minLength: 1, maxLength: 6 }),
    )
    .map(([a, b]) => `${a}%${b}`),
);

/** Query values: hostile strings and numbers, as text. */
const queryValue = fc.oneof(
  hostileString.filter((s) => s.length <= 4000),
  hostileNumber.map((n) => (n instanceof RawJson ? n.text : String(n))),
);

/**
 * Hostile requests for one operation: one to three mutations of a valid request, drawn from its body schema, its
 * parameters and the headers every request may carry.
 */
export function mutationsOf(op: Operation): fc.Arbitrary<Mutation[]> {
  const options: fc.Arbitrary<Mutation>[] = [];
  if (op.body) {
    const fields = fieldsOf(op.body.schema);
    if (fields.length) {
      const field = fc.constantFrom(...fields);
      options.push(
        field.chain((f) => {
          return orEdges(hostileValue, edgesOf(f.schema)).map(
            (v): Mutation => ({ kind: 'set', path: f.path, value: v }),
          );
        }),
        field.map((f): Mutation => ({ kind: 'delete', path: f.path })),
        fc.tuple(field, deepJson).map(([f, v]): Mutation => ({ kind: 'set', path: f.path, value: v })),
      );
    }
    options.push(
      fc
        .tuple(
          hostileString.filter((k) => k.length < 200),
          hostileValue,
        )
        .map(([k, v]): Mutation => ({ kind: 'set', path: [k], value: v })),
      orEdges(hostileValue, edgesOf(op.body.schema)).map((v): Mutation => ({ kind: 'body', value: v })),
      fc
        .oneof(
          fc.constantFrom(
            '{"a":',
            '{"a":1}}',
            "{'a':1}",
            'NaN',
            '\u0000',
            '',
            ' ',
            '{"a":1,}',
            '[1,]',
            '"\\ud800"',
            '{"__proto__":{"x":1}}',
          ),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.constantFrom(1_048_577, 1_200_000).map((n) => `"${'a'.repeat(n)}"`),
        )
        .map((text): Mutation => ({ kind: 'text', text })),
      fc
        .oneof(fc.constantFrom(...CONTENT_TYPES), headerText)
        .map((value): Mutation => ({ kind: 'header', name: 'content-type', value })),
      fc
        .oneof(fc.constantFrom(...CONTENT_ENCODINGS), headerText)
        .map((value): Mutation => ({ kind: 'header', name: 'content-encoding', value })),
    );
  } else {
    options.push(
      fc
        .oneof(fc.constantFrom(...CONTENT_TYPES), headerText)
        .map((value): Mutation => ({ kind: 'header', name: 'content-type', value })),
      fc
        .oneof(fc.constantFrom(...CONTENT_ENCODINGS), headerText)
        .map((value): Mutation => ({ kind: 'header', name: 'content-encoding', value })),
    );
  }
  for (const p of op.parameters) {
    if (p.in === 'path') {
      options.push(
        fc
          .oneof(
            badPercent,
            orEdges(
              hostileString.filter((s) => s.length <= 2000),
              edgesOf(p.schema).map(String),
            ).map(encodeText),
          )
          .map((raw): Mutation => ({ kind: 'path', name: p.name, raw })),
      );
    } else if (p.in === 'query') {
      let values = orEdges(
        queryValue,
        edgesOf(p.schema).map((v) => (v instanceof RawJson ? v.text : String(v))),
      );
      // A valid `wait` would long-poll: only values the contract refuses.
      if (p.name === 'wait')
        values = values.filter((v) => !/^\s*\+?\d+(\.0*)?\s*$/.test(v) || Number(v) === 0);
      options.push(
        fc
          .array(values, { minLength: 1, maxLength: 2 })
          .map((vs): Mutation => ({ kind: 'query', name: p.name, values: vs })),
      );
    } else if (p.in === 'header') {
      const extra = p.name.toLowerCase() === 'if-none-match' ? IF_NONE_MATCH : [''];
      options.push(
        fc
          .oneof(headerText, fc.constantFrom(...extra))
          .map((value): Mutation => ({ kind: 'header', name: p.name.toLowerCase(), value })),
      );
    }
  }
  options.push(
    fc
      .oneof(
        badPercent,
        fc.constantFrom('limit=%zz', 'a[b]=1', 'limit[]=1', '&&&', '=', '%', 'cursor=%ff%fe'),
      )
      .map((text): Mutation => ({ kind: 'rawQuery', text })),
    fc
      .oneof(headerText, fc.constantFrom('', ' '))
      .map((value): Mutation => ({ kind: 'header', name: 'x-request-id', value })),
  );
  return fc.array(fc.oneof(...options), { minLength: 1, maxLength: 3 });
}
