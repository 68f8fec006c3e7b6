import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggableUrl } from '../../src/http/log-url';
import { ADMIN, type AgentGcc, type Front, startAgentGcc } from '../helpers/servers';

/**
 * Issue 18: the access log wrote the full URL, so a credential a client put in the query (`?access_token=…`) landed
 * in the logs. Now every query value is `[redacted]` except those of the contract's safe parameters (wait, limit,
 * cursor, status, stage); the names stay.
 */
describe('loggableUrl', () => {
  it('keeps the path and the names, and the values of the safe parameters only', () => {
    expect(loggableUrl('/api/v1/releases')).toBe('/api/v1/releases');
    expect(loggableUrl('/api/v1/releases?')).toBe('/api/v1/releases?');
    expect(loggableUrl('/x?wait=30&access_token=wrk_abc&limit=5&cursor=c1&status=active&stage=2')).toBe(
      '/x?wait=30&access_token=[redacted]&limit=5&cursor=c1&status=active&stage=2',
    );
    expect(loggableUrl('/x?token=a=b&selector=tier%3Dgold&empty=')).toBe(
      '/x?token=[redacted]&selector=[redacted]&empty=[redacted]',
    );
    // A name that may itself be the secret (long, or not name-like) is redacted too, with or without a value.
    const secret = `wrk_${'A'.repeat(43)}`;
    expect(loggableUrl(`/x?${secret}`)).toBe('/x?[redacted]');
    expect(loggableUrl(`/x?${secret}=1&debug`)).toBe('/x?[redacted]=[redacted]&debug');
    expect(loggableUrl('/x?a%20b=1')).toBe('/x?[redacted]=[redacted]');
  });
});

for (const front of ['express', 'node'] as Front[]) {
  describe(`the access log (${front} front)`, () => {
    let g: AgentGcc;
    const clientId = `logged-${front}`;
    beforeAll(async () => {
      g = await startAgentGcc(clientId, front);
    });
    afterAll(async () => {
      await g?.close();
    });

    /** The access log line of the request answered with `res`. */
    async function lineOf(res: Response): Promise<Record<string, unknown>> {
      const id = res.headers.get('x-request-id');
      for (let i = 0; i < 200; i++) {
        const line = g.lines.find((l) => (l.req as { id?: string } | undefined)?.id === id);
        if (line) return line;
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error(`no access log line for request ${id}`);
    }

    it('never holds a query value that may be a credential, on any route', async () => {
      const secret = 'wrk_query_secret_0123456789';
      const requests: [string, string | undefined, number][] = [
        [`/api/v1/clients/${clientId}/updates?wait=0&access_token=${secret}`, g.token, 200], // agent poll
        [`/api/v1/clients/${clientId}/updates?access_token=${secret}`, undefined, 401],
        [`/api/v1/releases?limit=5&access_token=${secret}`, ADMIN, 200],
        [`/api/v1/releases?limit=0&access_token=${secret}`, ADMIN, 400],
        [`/api/v1/nowhere?access_token=${secret}`, ADMIN, 404],
      ];
      for (const [path, token, status] of requests) {
        const res = await fetch(`${g.srv.url}${path}`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
        await res.arrayBuffer();
        expect(res.status, path).toBe(status);
        const line = await lineOf(res);
        expect((line.req as { url: string }).url, path).toBe(
          path.replace(`access_token=${secret}`, 'access_token=[redacted]'),
        );
      }
      for (const line of g.lines) expect(JSON.stringify(line)).not.toContain(secret);
    });
  });
}
