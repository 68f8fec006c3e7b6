import { describe, expect, it } from 'vitest';
import { createFakeGcc } from '../../src/testing';

const base = 'http://fake/api/v1';
const headers = { authorization: 'Bearer admin-token', 'content-type': 'application/json' };

describe('createFakeGcc: what a careless or hostile client can send', () => {
  const fake = createFakeGcc();
  const send = (path: string, init: RequestInit) => fake.fetch(`${base}${path}`, init);

  it.each([
    ['malformed JSON', { method: 'POST', headers, body: '{"id":' }, 400, 'malformed_json'],
    [
      'a wrong content type',
      { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: '{}' },
      415,
      'unsupported_media_type',
    ],
    [
      'an unknown field',
      { method: 'POST', headers, body: JSON.stringify({ id: 'a', name: 'a', target_kind: 'docker', x: 1 }) },
      400,
      'validation_failed',
    ],
    [
      'a wrong type',
      { method: 'POST', headers, body: JSON.stringify({ id: 'a', name: 7, target_kind: 'docker' }) },
      400,
      'validation_failed',
    ],
    [
      'an id that is not a DNS label',
      { method: 'POST', headers, body: JSON.stringify({ id: 'A_B', name: 'a', target_kind: 'docker' }) },
      400,
      'validation_failed',
    ],
    [
      'argocd without an instance',
      { method: 'POST', headers, body: JSON.stringify({ id: 'a', name: 'a', target_kind: 'argocd' }) },
      400,
      'validation_failed',
    ],
    [
      'an oversized body',
      {
        method: 'POST',
        headers,
        body: JSON.stringify({ id: 'a', name: 'x'.repeat(2_000_000), target_kind: 'docker' }),
      },
      413,
      'payload_too_large',
    ],
  ])('answers %s with problem+json and changes nothing', async (_name, init, status, code) => {
    const r = await send('/clients', init as RequestInit);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(await r.json()).toMatchObject({ status, code, type: `https://wrktalk.com/problems/${code}` });
    expect(fake.state.clients.size).toBe(0);
  });

  it('answers a bad limit or cursor with validation_failed', async () => {
    for (const q of ['limit=0', 'limit=abc', 'cursor=%%%']) {
      const r = await send(`/clients?${q}`, { headers });
      expect([r.status, (await r.json()).code]).toEqual([400, 'validation_failed']);
    }
  });

  it('answers an unknown path with not_found problem+json', async () => {
    const r = await send('/nothing-here', { headers });
    expect([r.status, r.headers.get('content-type')]).toEqual([404, 'application/problem+json']);
  });
});

describe('createFakeGcc: parameters and headers, checked like the real service', () => {
  const fake = createFakeGcc();
  const send = (path: string, init: RequestInit = {}) =>
    fake.fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init.headers ?? {}) } });
  /** Status, code and the distinct `errors[].path`s of a problem answer. */
  const problem = async (r: Response) => {
    const b = (await r.json()) as { code: string; errors?: { path: string }[] };
    return [r.status, b.code, [...new Set(b.errors?.map((e) => e.path))]];
  };

  it.each([
    ['a path id that is not a ClientId', '/clients/..%2F..%2Fx', '/path/client_id'],
    ['a 5 kB path id', `/clients/${'a'.repeat(5000)}`, '/path/client_id'],
    ['a path id with a NUL byte', '/deployments/a%00b', '/path/deployment_id'],
    ['a path id with a newline', '/releases/a%0Ab', '/path/release_id'],
    ['limit in hex', '/clients?limit=0x10', '/query/limit'],
    ['limit 0', '/clients?limit=0', '/query/limit'],
    ['limit given twice', '/clients?limit=1&limit=1', '/query/limit'],
    ['an empty selector', '/clients?selector=', '/query/selector'],
    ['a 2 kB selector', `/clients?selector=${'a'.repeat(2048)}`, '/query/selector'],
    ['an unknown component', '/releases?component=%24(reboot)', '/query/component'],
    ['an unknown deployment status', '/deployments?status=bogus', '/query/status'],
    ['a bad client_id filter', '/audit?client_id=..%2F..%2Fx', '/query/client_id'],
    ['a bad deployment_id filter', '/audit?deployment_id=a%0Ab', '/query/deployment_id'],
    ['an actor over 256 characters', `/audit?actor=${'a'.repeat(257)}`, '/query/actor'],
  ])('answers %s with validation_failed located in the request', async (_name, path, where) => {
    expect(await problem(await send(path))).toEqual([400, 'validation_failed', [where]]);
  });

  it('checks the path before telling a client-scoped token the client is not its own', async () => {
    const token = fake.issueToken('acme', 'agent');
    const auth = { authorization: `Bearer ${token}` };
    expect(await problem(await send('/clients/Not_An_Id/updates', { headers: auth }))).toEqual([
      400,
      'validation_failed',
      ['/path/client_id'],
    ]);
    expect((await send('/clients/other/updates', { headers: auth })).status).toBe(404);
  });

  it('checks wait, If-None-Match and Idempotency-Key', async () => {
    await send('/clients', {
      method: 'POST',
      body: JSON.stringify({ id: 'acme', name: 'Acme', target_kind: 'docker' }),
    });
    const agent = { authorization: `Bearer ${fake.issueToken('acme', 'agent')}` };
    for (const q of ['wait=', 'wait=0x10', 'wait=61', 'wait=1&wait=1']) {
      expect(await problem(await send(`/clients/acme/updates?${q}`, { headers: agent }))).toEqual([
        400,
        'validation_failed',
        ['/query/wait'],
      ]);
    }
    const etag = { ...agent, 'if-none-match': `"${'e'.repeat(300)}"` };
    expect(await problem(await send('/clients/acme/updates', { headers: etag }))).toEqual([
      400,
      'validation_failed',
      ['/header/If-None-Match'],
    ]);
    const r = await send('/clients', {
      method: 'POST',
      headers: { 'idempotency-key': 'k'.repeat(129) },
      body: JSON.stringify({ id: 'other', name: 'Other', target_kind: 'docker' }),
    });
    expect(await problem(r)).toEqual([400, 'validation_failed', ['/header/Idempotency-Key']]);
    expect(fake.state.clients.has('other')).toBe(false);
  });

  it('parses strategy.canary_label and targets.selector as selectors', async () => {
    const release = await send('/releases', {
      method: 'POST',
      body: JSON.stringify({
        component: 'backend',
        version: '1.0.0',
        image_url: 'registry.example.com/wrktalk/backend:1.0.0',
      }),
    });
    const { id: release_id } = (await release.json()) as { id: string };
    const create = (extra: Record<string, unknown>) =>
      send('/deployments', {
        method: 'POST',
        body: JSON.stringify({ release_id, targets: { client_ids: ['acme'] }, ...extra }),
      });
    expect(await problem(await create({ strategy: { canary_label: 'tier in (' } }))).toEqual([
      400,
      'invalid_selector',
      ['/strategy/canary_label'],
    ]);
    expect(await problem(await create({ targets: { selector: 'a,,b' } }))).toEqual([
      400,
      'invalid_selector',
      ['/targets/selector'],
    ]);
    expect(
      await problem(await create({ strategy: { stages: [{ kind: 'canary', count: 1, percent: 5 }] } })),
    ).toEqual([400, 'validation_failed', ['/strategy/stages/0']]);
    expect(fake.state.deployments.size).toBe(0);
  });

  it('takes a rollback without a body', async () => {
    const release = await send('/releases', {
      method: 'POST',
      body: JSON.stringify({
        component: 'backend',
        version: '2.0.0',
        image_url: 'registry.example.com/wrktalk/backend:2.0.0',
      }),
    });
    const { id: release_id } = (await release.json()) as { id: string };
    const created = await send('/deployments', {
      method: 'POST',
      body: JSON.stringify({ release_id, targets: { client_ids: ['acme'] } }),
    });
    const { id } = (await created.json()) as { id: string };
    const r = await fake.fetch(`${base}/deployments/${id}/rollback`, {
      method: 'POST',
      headers: { authorization: headers.authorization },
    });
    expect(r.status).toBe(201);
  });
});
