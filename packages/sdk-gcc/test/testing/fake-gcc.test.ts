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
