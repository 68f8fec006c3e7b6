import { beforeAll, describe, expect, it } from 'vitest';
import { apiOperations, fillPath, type Operation, openApiOperations, ROLES } from './spec';
import {
  type Answer,
  call,
  expectProblem,
  expectWellFormed,
  type Fixture,
  pathValues,
  seed,
  type TargetRef,
  tokenFor,
  validBody,
} from './target';

function send(op: Operation, target: ReturnType<TargetRef>, f: Fixture, values: Record<string, string>) {
  return (init: { token?: string; authorization?: string }): Promise<Answer> =>
    call(target, {
      method: op.method,
      path: fillPath(op.path, values),
      ...init,
      ...(op.body
        ? { body: validBody(op, f, Math.floor(Math.random() * 1e9)), contentType: op.body.contentTypes[0] }
        : {}),
    });
}

/**
 * The authorization matrix of the contract, for every operation of `openapi/gcc.yaml` and its `x-required-roles`:
 * no or a bad token is 401, each wrong role is 403, a client-scoped token on another client's resources is 404
 * (indistinguishable from a client that does not exist), and the right role is neither 401 nor 403. Every refusal is
 * problem+json with its code; nothing is ever a 5xx.
 */
export function authorizationSuite(getTarget: TargetRef): void {
  describe('authorization matrix', () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await seed(getTarget());
    });

    it('covers every /api/v1 operation of the contract, each with x-required-roles', () => {
      const ops = apiOperations();
      expect(ops.length).toBeGreaterThanOrEqual(24);
      for (const op of ops) expect(op.roles.length, op.operationId).toBeGreaterThan(0);
    });

    for (const op of apiOperations()) {
      const label = `${op.operationId} (${op.method} ${op.path})`;
      describe(label, () => {
        it(`${op.operationId}: no token → 401 unauthorized`, async () => {
          const a = await send(op, getTarget(), f, pathValues(f))({});
          expectProblem(a, 401, 'unauthorized');
          expect(a.headers.get('www-authenticate') ?? '').toMatch(/^Bearer\b/i);
        });

        it(`${op.operationId}: unknown token → 401 unauthorized`, async () => {
          const a = await send(op, getTarget(), f, pathValues(f))({ token: `gcc_${'x'.repeat(43)}` });
          expectProblem(a, 401, 'unauthorized');
        });

        it(`${op.operationId}: not a bearer token → 401 unauthorized`, async () => {
          const t = getTarget();
          const a = await send(
            op,
            t,
            f,
            pathValues(f),
          )({ authorization: `Basic ${btoa(`admin:${t.adminToken}`)}` });
          expectProblem(a, 401, 'unauthorized');
        });

        for (const role of ROLES.filter((r) => !op.roles.includes(r))) {
          it(`${op.operationId}: role ${role} → 403 forbidden`, async () => {
            const t = getTarget();
            const a = await send(op, t, f, pathValues(f))({ token: tokenFor(role, t, f) });
            expectProblem(a, 403, 'forbidden');
          });
        }

        const scoped = op.roles.filter((r) => r === 'approver' || r === 'agent');
        if (op.path.includes('{client_id}')) {
          for (const role of scoped) {
            it(`${op.operationId}: ${role} of client A on client B → 404 not_found`, async () => {
              const t = getTarget();
              const a = await send(op, t, f, pathValues(f, 'B'))({ token: tokenFor(role, t, f) });
              expectProblem(a, 404, 'not_found');
            });
            it(`${op.operationId}: ${role} of client A on a client that does not exist → 404 not_found`, async () => {
              const t = getTarget();
              const values = { ...pathValues(f, 'B'), client_id: `${f.prefix}-nobody` };
              const a = await send(op, t, f, values)({ token: tokenFor(role, t, f) });
              expectProblem(a, 404, 'not_found');
            });
          }
        }

        for (const role of op.roles) {
          it(`${op.operationId}: role ${role} → allowed (not 401/403)`, async () => {
            const t = getTarget();
            const a = await send(op, t, f, pathValues(f))({ token: tokenFor(role, t, f) });
            expect([401, 403], `${a.status} ${a.text.slice(0, 300)}`).not.toContain(a.status);
            expectWellFormed(a);
          });
        }
      });
    }

    it('the contract itself needs no token (getOpenApiYaml, getOpenApiJson)', async () => {
      const t = getTarget();
      const open = openApiOperations();
      expect(open.map((o) => o.operationId).sort()).toEqual(['getOpenApiJson', 'getOpenApiYaml']);
      for (const op of open) {
        const a = await call(t, { method: op.method, path: op.path });
        expect(a.status, `${op.path}: ${a.text.slice(0, 200)}`).toBe(200);
        expect(a.text).toContain('getOpenApiYaml');
      }
    });

    it('healthz, readyz and metrics need no token', async () => {
      const t = getTarget();
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        const a = await call(t, { method: 'GET', path });
        expect(a.status, `${path}: ${a.text.slice(0, 200)}`).toBe(200);
      }
    });
  });
}
