import { beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from './bad-input';
import {
  type Answer,
  type ConformanceTarget,
  call,
  expectProblem,
  type Fixture,
  seed,
  type TargetRef,
} from './target';

const whoami = (t: ConformanceTarget, token: string | undefined): Promise<Answer> =>
  call(t, { method: 'GET', path: '/api/v1/whoami', token });

/** A client token issued over the API (`createClientToken`): its id, secret and expiry. */
async function issue(
  t: ConformanceTarget,
  clientId: string,
  body: Record<string, unknown>,
): Promise<{ id: string; token: string; expires_at: string | null }> {
  const a = await call(t, {
    method: 'POST',
    path: `/api/v1/clients/${clientId}/tokens`,
    token: t.adminToken,
    body,
  });
  if (a.status !== 201) throw new Error(`issue a token: ${a.status} ${a.text.slice(0, 300)}`);
  return a.json as { id: string; token: string; expires_at: string | null };
}

const TOKEN_ID = /^tok-[A-Za-z0-9_-]{1,64}$/;

/**
 * `whoami`: every valid token learns exactly what it is (id, role, client or name, expiry), a revoked or expired one
 * is 401 like everywhere else, and asking changes nothing (no task picked up, nothing in any list). The authorization
 * matrix covers its 401s and that every role may call it.
 */
export function whoamiSuite(getTarget: TargetRef): void {
  describe('whoami', () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await seed(getTarget());
    });

    it('admin and ci: the role and name, no client', async () => {
      const t = getTarget();
      for (const [token, role] of [
        [t.adminToken, 'admin'],
        [t.ciToken, 'ci'],
      ] as const) {
        const a = await whoami(t, token);
        expect(a.status, a.text).toBe(200);
        const body = a.json as Record<string, unknown>;
        expect(Object.keys(body).sort()).toEqual(['client_id', 'expires_at', 'name', 'role', 'token_id']);
        expect(body).toMatchObject({ role, client_id: null });
        expect(body.name).toEqual(expect.any(String));
        // A configured secret has no id; a stored admin/CI token has its own.
        if (body.token_id !== null) expect(body.token_id).toMatch(TOKEN_ID);
      }
    });

    it('agent and approver: their own token id, role and client, no name; the expiry when there is one', async () => {
      const t = getTarget();
      const agent = await issue(t, f.clientA, { role: 'agent' });
      const approver = await issue(t, f.clientB, { role: 'approver', ttl_seconds: 3600 });
      expect(approver.expires_at).not.toBeNull();
      for (const [issued, role, clientId] of [
        [agent, 'agent', f.clientA],
        [approver, 'approver', f.clientB],
      ] as const) {
        const a = await whoami(t, issued.token);
        expect(a.status, a.text).toBe(200);
        expect(a.json).toEqual({
          token_id: issued.id,
          role,
          client_id: clientId,
          name: null,
          expires_at: issued.expires_at,
        });
      }
      // Tokens issued outside the API (the fixture's) answer the same way.
      for (const [token, role] of [
        [f.tokens.agentA, 'agent'],
        [f.tokens.approverA, 'approver'],
      ] as const) {
        const a = await whoami(t, token);
        expect(a.json).toMatchObject({ role, client_id: f.clientA, name: null, expires_at: null });
        expect((a.json as { token_id: string }).token_id).toMatch(TOKEN_ID);
      }
    });

    it('a revoked token is 401 unauthorized', async () => {
      const t = getTarget();
      const issued = await issue(t, f.clientA, { role: 'agent' });
      expect((await whoami(t, issued.token)).status).toBe(200);
      const revoked = await call(t, {
        method: 'DELETE',
        path: `/api/v1/clients/${f.clientA}/tokens/${issued.id}`,
        token: t.adminToken,
      });
      expect(revoked.status, revoked.text).toBe(204);
      expectProblem(await whoami(t, issued.token), 401, 'unauthorized');
    });

    it('DELETE /tokens/{id} (admin) revokes any issued token at once; again is 204; an unknown id is 404', async () => {
      const t = getTarget();
      const issued = await issue(t, f.clientA, { role: 'approver' });
      const byApprover = await call(t, {
        method: 'DELETE',
        path: `/api/v1/tokens/${issued.id}`,
        token: f.tokens.approverA,
      });
      expectProblem(byApprover, 403, 'forbidden');
      expect((await whoami(t, issued.token)).status).toBe(200);
      for (let i = 0; i < 2; i++) {
        const revoked = await call(t, {
          method: 'DELETE',
          path: `/api/v1/tokens/${issued.id}`,
          token: t.adminToken,
        });
        expect(revoked.status, revoked.text).toBe(204);
        expectProblem(await whoami(t, issued.token), 401, 'unauthorized');
      }
      const unknown = await call(t, {
        method: 'DELETE',
        path: '/api/v1/tokens/tok-does-not-exist',
        token: t.adminToken,
      });
      expectProblem(unknown, 404, 'not_found');
    });

    it('an expired token is 401 unauthorized (after answering while it was valid)', async () => {
      const t = getTarget();
      const issued = await issue(t, f.clientA, { role: 'approver', ttl_seconds: 1 });
      const before = await whoami(t, issued.token);
      // The answer may only come after the second has passed on a busy machine: then it is already refused.
      if (before.status === 200)
        expect((before.json as { expires_at: string }).expires_at).toBe(issued.expires_at);
      else expectProblem(before, 401, 'unauthorized');
      const wait = Date.parse(issued.expires_at!) - Date.now() + 50;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      expectProblem(await whoami(t, issued.token), 401, 'unauthorized');
    });

    it('changes nothing: an approved task stays where it is, no list moves, the agent is not seen', async () => {
      const t = getTarget();
      const approved = await call(t, {
        method: 'POST',
        path: `/api/v1/clients/${f.clientA}/pending-approvals/${f.taskA}/approve`,
        token: f.tokens.approverA,
        body: { approved_by: 'conformance' },
      });
      expect(approved.status, approved.text).toBe(200);
      const client = async () =>
        (await call(t, { method: 'GET', path: `/api/v1/clients/${f.clientA}`, token: t.adminToken })).json;
      const before = await snapshot(t, f);
      const clientBefore = await client();
      for (const token of [f.tokens.agentA, f.tokens.approverA, t.adminToken, t.ciToken]) {
        for (let i = 0; i < 3; i++) expect((await whoami(t, token)).status).toBe(200);
      }
      expect(await snapshot(t, f)).toEqual(before);
      // Unmasked: `last_seen_at` of client A did not move either (a poll would move it).
      expect(await client()).toEqual(clientBefore);
    });
  });
}
