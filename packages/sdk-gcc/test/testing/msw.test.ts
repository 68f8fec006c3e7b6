import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGccClient, isGccHttpError } from '../../src';
import { createFakeGcc } from '../../src/testing';

const fake = createFakeGcc({ adminToken: 'adm', ciToken: 'ci' });
const mswServer = setupServer(...fake.handlers);

beforeAll(() => mswServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mswServer.close());

describe('@wrktalk/sdk-gcc/testing with msw', () => {
  it('intercepts the global fetch for any origin and keeps state between calls', async () => {
    const gcc = createGccClient({ baseUrl: 'https://gcc.customer.example', token: 'adm', retry: false });
    await gcc.clients.create({
      id: 'adani-prod',
      name: 'Adani',
      target_kind: 'docker',
      labels: { tier: 'premium' },
    });
    const page = await gcc.clients.list({ selector: 'tier=premium' });
    expect(page.items.map((c) => c.id)).toEqual(['adani-prod']);
    expect(fake.state.clients.get('adani-prod')?.name).toBe('Adani');
  });

  it('answers errors as problem+json through msw too', async () => {
    const gcc = createGccClient({ baseUrl: 'https://gcc.customer.example', token: 'wrong', retry: false });
    const e = await gcc.releases.list().catch((x: unknown) => x);
    expect(isGccHttpError(e) && [e.status, e.code]).toEqual([401, 'unauthorized']);
  });

  it('works as an injected fetch without msw', async () => {
    const other = createFakeGcc();
    const gcc = createGccClient({ baseUrl: 'http://fake', token: 'ci-token', fetch: other.fetch });
    const r = await gcc.releases.create({
      component: 'ct',
      version: 'v1',
      image_url: 'registry.wrktalk.com/ct:v1',
    });
    expect(other.state.releases).toEqual([r]);
  });
});
