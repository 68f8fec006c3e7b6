import { parseSelector } from '@wrktalk/rollout-planner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOperations, fillPath, type Operation, type SchemaNode } from './spec';
import {
  type Answer,
  type CallInit,
  type ConformanceTarget,
  call,
  expectProblem,
  type Fixture,
  pathValues,
  seed,
  type TargetRef,
  validBody,
} from './target';

/** Strings that must never reach a shell, a `helm --set`, a path or SQL. */
export const INJECTIONS: Record<string, string> = {
  'helm --set smuggling': 'v1,image.repository=evil',
  'shell substitution': '$(reboot)',
  'path traversal': '../../x',
  newline: 'a\nb',
  'SQL injection': "'; DROP TABLE clients;--",
  unicode: 'ünïcødé-版本-🚀',
  'NUL byte': 'a\u0000b',
  'space and flag': 'v1 --set x=y',
};

const BODY_LIMIT_BREAKER = 1_200_000;

interface Case {
  name: string;
  request: (t: ConformanceTarget, f: Fixture) => CallInit;
  /** Checks the answer; the default expects a 400 `validation_failed`. */
  expect?: (a: Answer) => void;
}

const validationFailed = (a: Answer) => expectProblem(a, 400, 'validation_failed');

/** What a selector that no client matches, or that does not parse, must give. */
function selectorOutcome(selector: string, onValid: (a: Answer) => void): (a: Answer) => void {
  if (selector.length > 1024) return (a) => expectProblem(a, 400, ['validation_failed', 'invalid_selector']);
  return parseSelector(selector).ok ? onValid : (a) => expectProblem(a, 400, 'invalid_selector');
}

function wrongTypeOf(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'not-a-number';
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return 'not-an-array';
  if (value && typeof value === 'object') return 'not-an-object';
  return { unexpected: true };
}

/** Whether a string schema constrains its value (pattern, enum, format), so injection strings are bad input. */
function constrained(s: SchemaNode | undefined): boolean {
  if (!s) return false;
  if (s.pattern || s.enum || s.format === 'date-time') return true;
  if (!s.anyOf) return false;
  return s.anyOf.every((x) => x.type === 'null' || constrained(x));
}

function tokenOf(op: Operation, t: ConformanceTarget, f: Fixture): string {
  return op.roles.includes('admin') ? t.adminToken : f.tokens.agentA;
}

function casesOf(op: Operation): Case[] {
  const cases: Case[] = [];
  const base = (t: ConformanceTarget, f: Fixture, extra: Partial<CallInit> = {}): CallInit => ({
    method: op.method,
    path: fillPath(op.path, pathValues(f)),
    token: tokenOf(op, t, f),
    ...(op.body ? { body: validBody(op, f), contentType: op.body.contentTypes[0] } : {}),
    ...extra,
  });
  const withBody =
    (body: unknown, extra: Partial<CallInit> = {}) =>
    (t: ConformanceTarget, f: Fixture) =>
      base(t, f, { body, ...extra });
  const mutate =
    (fn: (b: Record<string, unknown>, f: Fixture) => void) => (t: ConformanceTarget, f: Fixture) => {
      const b = validBody(op, f) as Record<string, unknown>;
      fn(b, f);
      return base(t, f, { body: b });
    };

  // ---- body ------------------------------------------------------------------------------------------------------
  if (op.body) {
    const schema = op.body.schema;
    const malformed = [
      '{"a":',
      "{'single': 'quotes'}",
      '{"component": backend}',
      'NaN',
      '{"a":1}}',
      '\u0000',
    ];
    for (const text of malformed) {
      cases.push({
        name: `malformed JSON ${JSON.stringify(text)}`,
        request: withBody(text),
        expect: (a) => expectProblem(a, 400, 'malformed_json'),
      });
    }
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      cases.push({
        name: `content type ${type}`,
        request: (t, f) => base(t, f, { body: JSON.stringify(validBody(op, f)), contentType: type }),
        expect: (a) => expectProblem(a, 415, 'unsupported_media_type'),
      });
    }
    cases.push({
      name: `a body over 1 MB (${BODY_LIMIT_BREAKER} bytes)`,
      request: withBody(JSON.stringify({ padding: 'a'.repeat(BODY_LIMIT_BREAKER) })),
      expect: (a) => expectProblem(a, 413, 'payload_too_large'),
    });
    for (const [what, value] of [
      ['an array', []],
      ['a string', 'text'],
      ['a number', 42],
      ['null', null],
      ['true', true],
    ] as const) {
      cases.push({ name: `body is ${what}`, request: withBody(JSON.stringify(value)) });
    }
    cases.push({
      name: 'body is 5,000 nested arrays',
      request: withBody(`${'['.repeat(5000)}${']'.repeat(5000)}`),
    });
    cases.push({ name: 'unknown field', request: mutate((b) => Object.assign(b, { unexpected_field: 1 })) });
    cases.push({
      name: 'unknown field __proto__ (prototype pollution)',
      request: (t, f) => {
        const s = JSON.stringify(validBody(op, f));
        const raw =
          s === '{}' ? '{"__proto__":{"polluted":true}}' : `{"__proto__":{"polluted":true},${s.slice(1)}`;
        return base(t, f, { body: raw });
      },
      expect: (a) => {
        validationFailed(a);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    });
    for (const field of schema.required ?? []) {
      cases.push({
        name: `missing required ${field}`,
        request: mutate((b) => {
          delete b[field];
        }),
      });
    }
    const example = (op.body.example ?? {}) as Record<string, unknown>;
    for (const [field, value] of Object.entries(example)) {
      const prop = schema.properties?.[field];
      cases.push({
        name: `wrong type for ${field}`,
        request: mutate((b) => {
          b[field] = wrongTypeOf(b[field]);
        }),
      });
      if (typeof value === 'string') {
        cases.push({
          name: `a 300 kB string in ${field}`,
          request: mutate((b) => {
            b[field] = 'x'.repeat(300_000);
          }),
        });
      }
      if (value && typeof value === 'object' && !Array.isArray(value) && field !== 'metadata') {
        for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
          if (subValue === null) continue;
          cases.push({
            name: `wrong type for ${field}.${sub}`,
            request: mutate((b) => {
              const o = b[field] as Record<string, unknown>;
              o[sub] = wrongTypeOf(o[sub]);
            }),
          });
        }
      }
      if (!prop) continue;
      // Injection strings in every constrained string field, label, id list and selector.
      for (const [label, bad] of Object.entries(INJECTIONS)) {
        if (typeof value === 'string' && constrained(prop)) {
          cases.push({
            name: `${label} in ${field}`,
            request: mutate((b) => {
              b[field] = bad;
            }),
          });
        }
        if (Array.isArray(value) && typeof value[0] === 'string' && constrained(prop.items)) {
          cases.push({
            name: `${label} in ${field}[0]`,
            request: mutate((b) => {
              b[field] = [bad];
            }),
          });
        }
        if (field === 'labels') {
          cases.push({
            name: `${label} as a label value`,
            request: mutate((b) => {
              b.labels = { tier: bad };
            }),
          });
          cases.push({
            name: `${label} as a label key`,
            request: mutate((b) => {
              b.labels = { [bad]: 'x' };
            }),
          });
        }
      }
    }
    if (op.operationId === 'createDeployment') {
      for (const [label, bad] of Object.entries({ ...INJECTIONS, 'a 2 kB selector': 'a'.repeat(2048) })) {
        cases.push({
          name: `${label} in targets.selector`,
          request: mutate((b) => {
            b.targets = { selector: bad };
          }),
          expect: selectorOutcome(bad, (a) => expectProblem(a, 422, 'no_targets')),
        });
        cases.push({
          name: `${label} in targets.client_ids[0]`,
          request: mutate((b) => {
            b.targets = { client_ids: [bad] };
          }),
        });
        if (!parseSelector(bad).ok) {
          cases.push({
            name: `${label} in strategy.canary_label`,
            request: mutate((b) => {
              b.strategy = { canary_label: bad };
            }),
            expect: (a) => expectProblem(a, 400, ['invalid_selector', 'validation_failed']),
          });
        }
      }
    }
    if (op.operationId === 'createDeployment') {
      // Strategies the planner cannot plan (issue 11): refused with every problem located, never created.
      const strategies: [string, unknown, string[]][] = [
        [
          'stages of 70% + 70%',
          {
            stages: [
              { kind: 'canary', percent: 70 },
              { kind: 'batch', percent: 70 },
            ],
          },
          ['/strategy/stages/0/percent', '/strategy/stages/1/percent'],
        ],
        [
          'wait_seconds: 9007199254740991',
          { stages: [{ kind: 'canary', count: 1, wait_seconds: 9007199254740991 }, { kind: 'batch' }] },
          ['/strategy/stages/0/wait_seconds'],
        ],
        ['lease_seconds: 2^31', { lease_seconds: 2 ** 31 }, ['/strategy/lease_seconds']],
        [
          'count and percent, a rest stage not last',
          { stages: [{ kind: 'batch' }, { kind: 'batch', count: 1, percent: 5 }] },
          ['/strategy/stages/0', '/strategy/stages/1'],
        ],
      ];
      for (const [label, strategy, paths] of strategies) {
        cases.push({
          name: `a strategy the planner cannot plan: ${label}`,
          request: mutate((b) => {
            b.strategy = strategy;
          }),
          expect: (a) => {
            expectProblem(a, 400, 'validation_failed');
            const errors = (a.json as { errors: { path: string }[] }).errors.map((e) => e.path);
            expect([...new Set(errors)].sort()).toEqual([...paths].sort());
          },
        });
      }
    }
    if (op.operationId === 'createDeployment') {
      // Release sets (issue 15): exactly one way to name what is deployed, and a set checked whole.
      const named = (b: Record<string, unknown>, what: Record<string, unknown>) => {
        delete b.release_id;
        Object.assign(b, what);
      };
      const sets: [string, (f: Fixture) => Record<string, unknown>, number, string, string[]][] = [
        [
          'release_id and release_ids both',
          (f) => ({ release_id: f.releaseId, release_ids: [f.releaseId] }),
          400,
          'validation_failed',
          [],
        ],
        ['nothing named', () => ({}), 400, 'validation_failed', []],
        [
          'release_ids with one release twice',
          (f) => ({ release_ids: [f.releaseId, f.releaseId] }),
          400,
          'validation_failed',
          [],
        ],
        ['an empty release_ids', () => ({ release_ids: [] }), 400, 'validation_failed', []],
        ['an empty versions', () => ({ versions: {} }), 400, 'validation_failed', []],
        [
          '17 releases',
          () => ({ release_ids: Array.from({ length: 17 }, (_, i) => `rel-x${i}`) }),
          400,
          'validation_failed',
          [],
        ],
        [
          'a set with a missing release',
          (f) => ({ release_ids: [f.releaseId, 'rel-does-not-exist'] }),
          422,
          'invalid_release_set',
          ['/release_ids/1'],
        ],
        [
          'a set with an unmanaged component and an unregistered version',
          () => ({ versions: { search: '1.0.0', media: '0.0.0-never-built' } }),
          422,
          'invalid_release_set',
          ['/versions/media', '/versions/search'],
        ],
      ];
      for (const [label, what, status, code, paths] of sets) {
        cases.push({
          name: `release set: ${label}`,
          request: mutate((b, f) => named(b, what(f))),
          expect: (a) => {
            expectProblem(a, status, code);
            if (paths.length) {
              const errors = (a.json as { errors: { path: string }[] }).errors.map((e) => e.path);
              expect(errors).toEqual(paths);
            }
          },
        });
      }
      for (const [label, bad] of Object.entries(INJECTIONS)) {
        cases.push({
          name: `${label} as a version in versions`,
          request: mutate((b) => named(b, { versions: { backend: bad } })),
        });
        cases.push({
          name: `${label} as a component in versions`,
          request: mutate((b) => named(b, { versions: { [bad]: '1.0.0' } })),
        });
      }
    }
    if (op.operationId === 'rollbackDeployment') {
      for (const [label, bad] of Object.entries(INJECTIONS)) {
        cases.push({
          name: `${label} in client_ids[0]`,
          request: mutate((b) => Object.assign(b, { scope: 'clients', client_ids: [bad] })),
        });
      }
    }
  }

  // ---- path ------------------------------------------------------------------------------------------------------
  for (const p of op.parameters.filter((x) => x.in === 'path')) {
    for (const [label, bad] of Object.entries({ ...INJECTIONS, 'a 5 kB id': 'a'.repeat(5000) })) {
      cases.push({
        name: `${label} in path ${p.name}`,
        request: (t, f) => base(t, f, { path: fillPath(op.path, { ...pathValues(f), [p.name]: bad }) }),
        // A client-scoped token may learn nothing about other ids: 404 is as right as 400 for it.
        expect: op.roles.includes('admin')
          ? validationFailed
          : (a) => expectProblem(a, [400, 404], ['validation_failed', 'not_found']),
      });
    }
  }

  // ---- query -----------------------------------------------------------------------------------------------------
  for (const p of op.parameters.filter((x) => x.in === 'query')) {
    const s = p.schema;
    const q = (value: string) => (t: ConformanceTarget, f: Fixture) =>
      base(t, f, { query: { [p.name]: value } });
    if (s.type === 'integer') {
      const values = ['abc', '1.5', '-1', '1e3', '0x10', ''];
      if (typeof s.minimum === 'number' && s.minimum > 0) values.push(String(s.minimum - 1));
      if (typeof s.maximum === 'number') values.push(String(s.maximum + 1));
      for (const v of values) cases.push({ name: `query ${p.name}=${JSON.stringify(v)}`, request: q(v) });
    } else if (p.name === 'selector') {
      for (const [label, bad] of Object.entries({ ...INJECTIONS, 'a 2 kB selector': 'a'.repeat(2048) })) {
        cases.push({
          name: `${label} in query selector`,
          request: q(bad),
          expect: selectorOutcome(bad, (a) => {
            expect(a.status, a.text.slice(0, 300)).toBe(200);
            expect((a.json as { items: unknown[] }).items).toEqual([]);
          }),
        });
      }
    } else {
      if (constrained(s)) {
        for (const [label, bad] of Object.entries(INJECTIONS)) {
          cases.push({ name: `${label} in query ${p.name}`, request: q(bad) });
        }
      }
      if (typeof s.maxLength === 'number') {
        cases.push({
          name: `query ${p.name} longer than ${s.maxLength}`,
          request: q('a'.repeat(s.maxLength + 1)),
        });
      }
      if (p.name === 'cursor') {
        for (const bad of ['not-a-cursor!!', 'eyJvZmZzZXQiOi0xfQ', "' OR 1=1 --"]) {
          cases.push({ name: `query cursor ${JSON.stringify(bad)}`, request: q(bad) });
        }
      }
    }
    // (A cursor is only valid when the server issued it, so a repeated one proves nothing.)
    if (p.name !== 'cursor')
      cases.push({
        name: `query ${p.name} given twice`,
        request: (t, f) => {
          const init = base(t, f);
          const v = s.type === 'integer' ? '1' : s.enum ? String(s.enum[0]) : 'a';
          return {
            ...init,
            path: `${init.path}?${p.name}=${encodeURIComponent(v)}&${p.name}=${encodeURIComponent(v)}`,
          };
        },
      });
  }

  // ---- headers ---------------------------------------------------------------------------------------------------
  for (const p of op.parameters.filter((x) => x.in === 'header')) {
    if (typeof p.schema.maxLength === 'number') {
      cases.push({
        name: `header ${p.name} longer than ${p.schema.maxLength}`,
        request: (t, f) => base(t, f, { headers: { [p.name]: 'k'.repeat(p.schema.maxLength! + 1) } }),
      });
    }
  }
  return cases;
}

export type Snapshot = Record<string, unknown>;

/** Every list the admin API offers about the fixture (`last_seen_at` masked: a refused poll is still a heartbeat). */
export async function snapshot(t: ConformanceTarget, f: Fixture): Promise<Snapshot> {
  const get = async (path: string, token = t.adminToken) => {
    const a = await call(t, {
      method: 'GET',
      path,
      token,
      query: path.includes('?') ? {} : { limit: '500' },
    });
    if (a.status !== 200) throw new Error(`snapshot ${path}: ${a.status} ${a.text.slice(0, 300)}`);
    // An agent's poll is a heartbeat even when refused: last_seen_at may move, nothing else.
    return JSON.parse(a.text.replace(/"last_seen_at":(?:null|"[^"]*")/g, '"last_seen_at":"*"')) as unknown;
  };
  const paths = [
    '/api/v1/releases',
    '/api/v1/clients',
    '/api/v1/deployments',
    `/api/v1/deployments/${f.deploymentId}/tasks`,
    `/api/v1/clients/${f.clientA}/pending-approvals`,
    `/api/v1/clients/${f.clientA}/auto-approve?`,
    `/api/v1/clients/${f.clientA}?`,
    `/api/v1/clients/${f.clientA}/settings?`,
    `/api/v1/clients/${f.clientA}/tasks`,
    '/api/v1/auto-approve-policies',
    '/api/v1/audit',
  ];
  const values = await Promise.all(paths.map((p) => get(p)));
  return Object.fromEntries(paths.map((p, i) => [p, values[i]]));
}

/**
 * The bad-input suite: for every operation of the contract with a body or parameters, wrong types, missing and
 * unknown fields, malformed JSON, wrong content types, bodies over 1 MB, huge strings and injection strings in
 * versions, labels, selectors and ids. Each must be a 4xx problem+json with a stable code, never a 5xx, and leave
 * every list the API offers exactly as it was.
 */
export function badInputSuite(getTarget: TargetRef): void {
  describe('bad input', () => {
    let f: Fixture;
    let before: Snapshot;
    beforeAll(async () => {
      f = await seed(getTarget());
      before = await snapshot(getTarget(), f);
    });
    afterAll(() => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    for (const op of apiOperations()) {
      const cases = casesOf(op);
      if (cases.length === 0) continue;
      describe(`${op.operationId} (${op.method} ${op.path})`, () => {
        for (const c of cases) {
          const name = `${op.operationId}: ${c.name}`;
          it(name, async () => {
            const t = getTarget();
            const a = await call(t, c.request(t, f));
            const after = await snapshot(t, f);
            const previous = before;
            before = after; // one change must not fail every later case
            expect(a.status, `never a 5xx: ${a.text.slice(0, 300)}`).toBeLessThan(500);
            (c.expect ?? validationFailed)(a);
            expect(after, 'nothing changed').toEqual(previous);
          });
        }
      });
    }
  });
}
