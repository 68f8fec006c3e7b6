import { type Database, openDatabase } from '@wrktalk/gcc-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Snapshot, snapshot } from '../conformance/bad-input';
import { apiOperations, type Operation, openApiOperations } from '../conformance/spec';
import {
  type Answer,
  type CallInit,
  type ConformanceTarget,
  call,
  expectWellFormed,
  type Fixture,
  pathValues,
  seed,
  validBody,
} from '../conformance/target';
import { type CoreTarget, startCoreTarget } from '../helpers/core-target';
import { encodeText, type Mutation, mutationsOf, RawJson, toJsonText } from './hostile';
import { checkResponse } from './responses';

/**
 * Property-based hostile input (issue 12, item 2) for every operation of openapi/gcc.yaml, over real HTTP against
 * gcc-core on PGlite served by the reference app. A fixed seed and a bounded number of runs: the same requests on
 * every CI run. For every answer: never a 5xx, every error a problem+json with a contract code, every body valid
 * against the response schema the contract declares for that status, and nothing changed by a refused request.
 */
const SEED = 20_251_212;
const RUNS = 20;
/**
 * Time for all the properties together, shared out over the operations still to run: a slow machine runs fewer
 * cases (interrupted runs are not failures) rather than timing out.
 */
const BUDGET_MS = 20_000;

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function setAt(target: Record<string, unknown>, path: string[], value: unknown, remove: boolean): unknown {
  if (path.length === 1) {
    if (remove) delete target[path[0]!];
    // A key like `__proto__` must become an own field, as JSON.parse would make it.
    else
      Object.defineProperty(target, path[0]!, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return target;
  }
  const [head, ...rest] = path as [string, ...string[]];
  let child = target[head];
  if (child === null || typeof child !== 'object' || child instanceof RawJson) {
    if (remove) return target;
    child = /^\d+$/.test(rest[0]!) ? [] : {};
    target[head] = child;
  }
  setAt(child as Record<string, unknown>, rest, value, remove);
  return target;
}

function requestOf(op: Operation, mutations: Mutation[], t: ConformanceTarget, f: Fixture): CallInit {
  const values: Record<string, string> = {
    ...Object.fromEntries(Object.entries(pathValues(f)).map(([k, v]) => [k, encodeURIComponent(v)])),
    token_id: 'tok-00000000',
  };
  let body: unknown = op.body ? validBody(op, f) : undefined;
  let text: string | undefined;
  const headers: Record<string, string> = {};
  const query: [string, string][] = [];
  let rawQuery = '';
  for (const m of mutations) {
    switch (m.kind) {
      case 'set':
      case 'delete':
        if (body === null || typeof body !== 'object' || body instanceof RawJson) body = {};
        setAt(
          body as Record<string, unknown>,
          m.path,
          m.kind === 'set' ? m.value : undefined,
          m.kind === 'delete',
        );
        text = undefined;
        break;
      case 'body':
        body = m.value;
        text = undefined;
        break;
      case 'text':
        text = m.text;
        break;
      case 'path':
        values[m.name] = m.raw;
        break;
      case 'query':
        for (const v of m.values) query.push([m.name, v]);
        break;
      case 'rawQuery':
        rawQuery = m.text;
        break;
      case 'header':
        headers[m.name] = m.value;
        break;
    }
  }
  // The path goes out byte for byte (a malformed `%` stays malformed).
  let path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name]!);
  const qs = [...query.map(([k, v]) => `${encodeText(k)}=${encodeText(v)}`), rawQuery]
    .filter(Boolean)
    .join('&');
  if (qs) path += `?${qs}`;
  const token = op.roles.includes('admin') ? t.adminToken : f.tokens.agentA;
  const sent = text ?? (body === undefined ? undefined : toJsonText(body));
  return {
    method: op.method,
    path,
    token,
    ...(sent !== undefined && { body: sent, contentType: op.body?.contentTypes[0] ?? 'application/json' }),
    headers,
  };
}

function describeRequest(init: CallInit): string {
  const body = typeof init.body === 'string' ? init.body : '';
  return `${init.method} ${init.path.slice(0, 300)} headers=${JSON.stringify(init.headers).slice(0, 300)} body(${body.length})=${body.slice(0, 300)}`;
}

describe('fuzz: hostile requests to every operation (gcc-core on PGlite)', { timeout: 60_000 }, () => {
  let db: Database;
  let core: CoreTarget;
  let f: Fixture;
  let current: Snapshot;
  let budgetStart = 0;

  beforeAll(async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    core = await startCoreTarget(db);
    f = await seed(core.target);
    current = await snapshot(core.target, f);
    budgetStart = Date.now();
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    await db?.close();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  const ops = [...apiOperations(), ...openApiOperations()];
  ops.forEach((op, index) => {
    it(`${op.operationId} (${op.method} ${op.path})`, async () => {
      const t = core.target;
      await fc.assert(
        fc.asyncProperty(mutationsOf(op), async (mutations) => {
          const init = requestOf(op, mutations, t, f);
          const where = describeRequest(init);
          let a: Answer;
          try {
            a = await call(t, init);
          } catch (error) {
            throw new Error(`${where}: ${(error as Error).message}`);
          }
          expect(a.status, `never a 5xx: ${where}`).toBeLessThan(500);
          expectWellFormed(a);
          const type = a.headers.get('content-type') ?? '';
          // A text answer (the contract as YAML) is checked as the string it is.
          const body = type === '' || /json/i.test(type) ? a.json : a.text;
          const check = checkResponse(op, a.status, type, body);
          expect(check.declared, `status ${a.status} is not declared for ${op.operationId}: ${where}`).toBe(
            true,
          );
          expect(check.errors, `${a.status} ${a.text.slice(0, 300)} for ${where}`).toBeUndefined();
          if (MUTATING.has(op.method)) {
            const after = await snapshot(t, f);
            if (a.status >= 400)
              expect(after, `a refused request changed something: ${where}`).toEqual(current);
            current = after;
          }
        }),
        {
          seed: SEED,
          numRuns: RUNS,
          // No shrinking over HTTP: the first counterexample is reported as generated.
          endOnFailure: true,
          interruptAfterTimeLimit: Math.max(
            300,
            (BUDGET_MS - (Date.now() - budgetStart)) / (ops.length - index),
          ),
        },
      );
      if (!MUTATING.has(op.method)) {
        // Reads change nothing, refused or not (`last_seen_at` of a poll is masked).
        const after = await snapshot(t, f);
        expect(after, `${op.operationId} changed something`).toEqual(current);
        current = after;
      }
    });
  });
});
