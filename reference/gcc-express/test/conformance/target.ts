import { expect } from 'vitest';
import { type Operation, problemCodes } from './spec';

/** Any running implementation of `openapi/gcc.yaml` the suites can test. */
export interface ConformanceTarget {
  /** Origin of the server, e.g. `http://127.0.0.1:41234` (no `/api/v1`). */
  baseUrl: string;
  /** A token with the `admin` role. */
  adminToken: string;
  /** A token with the `ci` role. */
  ciToken: string;
  /** Issues a client-scoped token without going through the API. */
  issueToken(clientId: string, role: 'agent' | 'approver'): string | Promise<string>;
}

/** A target is only known once the test file's `beforeAll` has started it. */
export type TargetRef = () => ConformanceTarget;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body, or `undefined` when it is not JSON. */
  json: unknown;
}

export interface CallInit {
  method: string;
  path: string;
  token?: string | undefined;
  /** Raw `Authorization` header (overrides `token`). */
  authorization?: string;
  /** A string is sent as is; anything else is JSON-encoded. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export async function call(target: ConformanceTarget, init: CallInit): Promise<Answer> {
  const url = new URL(init.path, target.baseUrl);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  else if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] = init.contentType ?? 'application/json';
  } else if (init.contentType) headers['content-type'] = init.contentType;
  Object.assign(headers, init.headers);
  const res = await fetch(url, { method: init.method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const CODES = new Set(problemCodes());

/** Asserts an RFC 9457 answer with one of the given codes (and the status that goes with it). */
export function expectProblem(answer: Answer, status: number | number[], code: string | string[]): void {
  const statuses = Array.isArray(status) ? status : [status];
  const codes = Array.isArray(code) ? code : [code];
  const where = `${answer.status} ${answer.text.slice(0, 300)}`;
  expect(statuses, where).toContain(answer.status);
  expect(answer.headers.get('content-type') ?? '', where).toMatch(/^application\/problem\+json\b/);
  const p = answer.json as Record<string, unknown> | undefined;
  expect(p, where).toBeTypeOf('object');
  expect(codes, where).toContain(p?.code);
  expect(CODES.has(String(p?.code)), `code ${String(p?.code)} is not in the contract's ProblemCode`).toBe(
    true,
  );
  expect(p?.status, where).toBe(answer.status);
  expect(p?.type, where).toBe(`https://wrktalk.com/problems/${String(p?.code)}`);
  expect(p?.title, where).toBeTypeOf('string');
  if (p?.code === 'validation_failed') {
    // The contract: `errors[]` names each problem with a JSON pointer into the request and a message.
    const errors = p.errors as { path?: unknown; message?: unknown }[] | undefined;
    expect(Array.isArray(errors) && errors.length > 0, `validation_failed without errors[]: ${where}`).toBe(
      true,
    );
    for (const e of errors ?? []) {
      expect(String(e.path), where).toMatch(/^(?:\/(?:[^~/]|~[01])*)*$/);
      expect(e.message, where).toBeTypeOf('string');
    }
  }
}

/** Any answer: never a 5xx, and every error is problem+json with a contract code. */
export function expectWellFormed(answer: Answer): void {
  const where = `${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, where).toBeLessThan(500);
  if (answer.status >= 400) expectProblem(answer, answer.status, [...CODES]);
}

/** The world the suites act on: two clients, a release, a running deployment with a pending task each. */
export interface Fixture {
  prefix: string;
  clientA: string;
  clientB: string;
  releaseId: string;
  deploymentId: string;
  taskA: string;
  taskB: string;
  tokens: { agentA: string; approverA: string; agentB: string; approverB: string };
  /** Ids of a spare agent token of each client, for `revokeClientToken` (revoking them affects no other call). */
  spareTokenIds: { A: string; B: string };
}

const randomPrefix = () =>
  `cf${Math.random()
    .toString(36)
    .slice(2, 8)
    .replace(/[^a-z0-9]/g, 'x')}`;

async function ok(answer: Promise<Answer>, what: string, statuses = [200, 201]): Promise<Answer> {
  const a = await answer;
  if (!statuses.includes(a.status)) throw new Error(`${what}: ${a.status} ${a.text.slice(0, 500)}`);
  return a;
}

export async function seed(target: ConformanceTarget): Promise<Fixture> {
  const prefix = randomPrefix();
  const clientA = `${prefix}-a`;
  const clientB = `${prefix}-b`;
  const version = `${prefix}-v1`;
  const release = await ok(
    call(target, {
      method: 'POST',
      path: '/api/v1/releases',
      token: target.ciToken,
      body: { component: 'backend', version, image_url: `registry.example.com/wrktalk/backend:${version}` },
    }),
    'create release',
  );
  for (const id of [clientA, clientB]) {
    await ok(
      call(target, {
        method: 'POST',
        path: '/api/v1/clients',
        token: target.adminToken,
        body: { id, name: `Conformance ${id}`, target_kind: 'docker', labels: { suite: prefix } },
      }),
      `create client ${id}`,
    );
  }
  const releaseId = String((release.json as { id: string }).id);
  const deployment = await ok(
    call(target, {
      method: 'POST',
      path: '/api/v1/deployments',
      token: target.adminToken,
      body: { release_id: releaseId, targets: { client_ids: [clientA, clientB] } },
    }),
    'create deployment',
  );
  const deploymentId = String((deployment.json as { id: string }).id);
  const tasks = await ok(
    call(target, {
      method: 'GET',
      path: `/api/v1/deployments/${deploymentId}/tasks`,
      token: target.adminToken,
    }),
    'list tasks',
  );
  const spareToken = async (clientId: string) => {
    const issued = await ok(
      call(target, {
        method: 'POST',
        path: `/api/v1/clients/${clientId}/tokens`,
        token: target.adminToken,
        body: { role: 'agent' },
      }),
      `spare token of ${clientId}`,
    );
    return String((issued.json as { id: string }).id);
  };
  const items = (tasks.json as { items: { id: string; client_id: string; status: string }[] }).items;
  const taskOf = (c: string) => {
    const t = items.find((x) => x.client_id === c);
    if (!t) throw new Error(`no task for ${c} in ${tasks.text}`);
    return t.id;
  };
  return {
    prefix,
    clientA,
    clientB,
    releaseId,
    deploymentId,
    taskA: taskOf(clientA),
    taskB: taskOf(clientB),
    spareTokenIds: { A: await spareToken(clientA), B: await spareToken(clientB) },
    tokens: {
      agentA: await target.issueToken(clientA, 'agent'),
      approverA: await target.issueToken(clientA, 'approver'),
      agentB: await target.issueToken(clientB, 'agent'),
      approverB: await target.issueToken(clientB, 'approver'),
    },
  };
}

/** Path parameter values pointing at the fixture (client A's side). */
export function pathValues(f: Fixture, side: 'A' | 'B' = 'A'): Record<string, string> {
  return {
    client_id: side === 'A' ? f.clientA : f.clientB,
    task_id: side === 'A' ? f.taskA : f.taskB,
    deployment_id: f.deploymentId,
    release_id: f.releaseId,
    token_id: side === 'A' ? f.spareTokenIds.A : f.spareTokenIds.B,
    // No policy of this id exists: deleting it is a 404 that changes nothing.
    policy_id: `${f.prefix}-no-policy`,
  };
}

/**
 * A valid body for an operation: the spec's example with the fixture's ids, so that the only thing wrong with a
 * bad-input request is what the test broke.
 */
export function validBody(op: Operation, f: Fixture, n = 0): unknown {
  const example = structuredClone(op.body?.example ?? {}) as Record<string, unknown>;
  switch (op.operationId) {
    case 'createRelease': {
      const version = `${f.prefix}-x${n}`;
      return { ...example, version, image_url: `registry.example.com/wrktalk/backend:${version}` };
    }
    case 'createClient':
      return { ...example, id: `${f.prefix}-n${n}` };
    case 'createDeployment':
    case 'previewDeployment':
      return { ...example, release_id: f.releaseId, targets: { client_ids: [f.clientA] } };
    case 'createAutoApprovePolicy':
      // A policy no fixture client matches (they carry only a `suite` label), so it changes no other case.
      return { ...example, id: `${f.prefix}-p${n}`, label_selector: `suite=${f.prefix}-none` };
    case 'reportStatus':
      return { ...example, task_id: f.taskA, attempt: 1 };
    case 'rollbackDeployment':
      return { ...example, ...(example.client_ids ? { client_ids: [f.clientA] } : {}) };
    default:
      return example;
  }
}

/** The token of the given role that may act on client A. */
export function tokenFor(role: string, target: ConformanceTarget, f: Fixture): string {
  switch (role) {
    case 'admin':
      return target.adminToken;
    case 'ci':
      return target.ciToken;
    case 'approver':
      return f.tokens.approverA;
    case 'agent':
      return f.tokens.agentA;
    default:
      throw new Error(`unknown role ${role}`);
  }
}
