import { createPrivateKey } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { generateSigningKeyPair, type SignableUpdate, signUpdate } from '@wrktalk/sdk-gcc';
import { describe, expect, it } from 'vitest';
import { createFakeExecutor } from '../../src/executors';
import { type AgentOptions, createAgent } from '../../src/runtime';
import {
  agentFixtures,
  agentOptions,
  CLIENT,
  type GccFixture,
  record,
  startProxy,
  type TempDir,
} from '../runtime/helpers';

const current = generateSigningKeyPair();
const previous = generateSigningKeyPair();
const stranger = generateSigningKeyPair();
const signer = (k: ReturnType<typeof generateSigningKeyPair>) => ({
  privateKey: createPrivateKey(k.privateKeyPem),
  keyId: k.keyId,
});

type Update = SignableUpdate & { lease_expires_at: string; signature?: unknown };

let gcc: GccFixture;
let tmp: TempDir;
agentFixtures((g, t) => {
  gcc = g;
  tmp = t;
});

/** A proxy in front of the fake GCC that rewrites each offered update (the fake does not sign). */
async function offering(rewrite: (u: Update) => Update | undefined) {
  return startProxy(gcc.server.url, {
    rewrite: ({ path }, body) => {
      const b = body as { update?: Update };
      if (path.includes('/updates') && b.update) {
        const u = rewrite(b.update);
        if (u) b.update = u;
        else delete b.update;
      }
      return b;
    },
  });
}

/**
 * Changes fields after signing the way an attacker must to get past validation: at the top level and in the first
 * component of `components`, which repeats them.
 */
const tamper = (u: Update, patch: Partial<Update>): Update => ({
  ...u,
  ...patch,
  ...(u.components?.length
    ? { components: [{ ...u.components[0]!, ...patch }, ...u.components.slice(1)] }
    : {}),
});

/** The offer as a release set: its component, then media and ct at the same version (signed v2 by `signed`). */
const asSet = (u: Update): Update => ({
  ...u,
  components: [
    {
      component: u.component,
      version: u.version,
      image_url: u.image_url,
      image_digest: u.image_digest ?? null,
      previous_version: u.previous_version,
      helm_parameter: u.helm_parameter,
    },
    ...['media', 'ct'].map((component) => ({
      component,
      version: u.version,
      image_url: u.image_url.replace(`/${u.component}:`, `/${component}:`),
      image_digest: null,
      previous_version: u.previous_version,
      helm_parameter: `${component}.image.tag`,
    })),
  ],
});

const signed = (u: Update, key = current, over: { clientId?: string; expiresAt?: string } = {}) => ({
  ...u,
  signature: signUpdate(over.clientId ?? CLIENT, u, signer(key), over.expiresAt ?? u.lease_expires_at),
});

function agentFor(url: string, over: Partial<AgentOptions> = {}) {
  const executor = createFakeExecutor({ initial: { backend: 'v1' } });
  const agent = createAgent(
    agentOptions(gcc, tmp, executor, {
      gcc: { baseUrl: url, token: gcc.agentToken },
      trustedKeys: [current.publicKeyPem],
      ...over,
    }),
  );
  return { agent, executor, errors: record(agent, 'error') };
}

describe('the agent verifies offers against pinned keys', { timeout: 60_000 }, () => {
  it('runs a validly signed offer', async () => {
    const proxy = await offering((u) => signed(u));
    try {
      const { agent, executor } = agentFor(proxy.url);
      const taskId = await gcc.queueUpdate('backend', 'v2');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
      expect(executor.callsOf('apply')).toHaveLength(1);
      expect((await gcc.task(taskId)).status).toBe('success');
    } finally {
      await proxy.close();
    }
  });

  it.each<[string, (u: Update) => Update, RegExp]>([
    ['an unsigned offer', (u) => u, /^signature_invalid: unsigned offer/],
    [
      'a tampered offer (image_url changed after signing)',
      (u) => tamper(signed(u), { image_url: 'registry.wrktalk.com/mirror/backend:v2' }),
      /^signature_invalid: signature \(key_id .*\) does not verify for client acme-prod/,
    ],
    [
      'a tampered offer (previous_version changed after signing)',
      (u) => tamper(signed(u), { previous_version: 'v0' }),
      /^signature_invalid: signature .* does not verify/,
    ],
    [
      'an expired offer',
      (u) => signed(u, current, { expiresAt: new Date(Date.now() - 3600_000).toISOString() }),
      /^signature_invalid: signature expired at /,
    ],
    [
      "another client's offer",
      (u) => signed(u, current, { clientId: 'other-prod' }),
      /^signature_invalid: signature .* does not verify for client acme-prod/,
    ],
    [
      "a signature reused from another task's offer",
      (u) => ({ ...u, signature: signed({ ...u, task_id: 'tsk-another' }).signature }),
      /^signature_invalid: signature .* does not verify/,
    ],
    [
      'an offer signed with a key that is not pinned',
      (u) => signed(u, stranger),
      /^signature_invalid: signature .* does not verify/,
    ],
  ])(
    'refuses %s: executor never called, reported failed with signature_invalid',
    async (_n, rewrite, reason) => {
      const proxy = await offering(rewrite);
      try {
        const { agent, executor, errors } = agentFor(proxy.url);
        const taskId = await gcc.queueUpdate('backend', 'v2');
        expect(await agent.runOnce()).toMatchObject({ outcome: 'rejected', taskId });
        expect(executor.calls).toEqual([]);
        const task = await gcc.task(taskId);
        expect(task.status).toBe('failed');
        expect(task.last_message).toMatch(reason);
        expect(task.last_message).toContain('nothing was applied');
        expect(errors).toMatchObject([{ phase: 'signature', taskId }]);
        // Offered again: still never applied.
        expect((await agent.runOnce()).outcome).not.toBe('succeeded');
        expect(executor.calls).toEqual([]);
      } finally {
        await proxy.close();
      }
    },
  );

  it('refuses a replayed offer of an attempt it already finished, even with a valid signature', async () => {
    let captured: Update | undefined;
    let replay = false;
    const proxy = await startProxy(gcc.server.url, {
      rewrite: ({ path }, body) => {
        const b = body as { available: boolean; update?: Update };
        if (!path.includes('/updates')) return b;
        if (b.update) {
          b.update = signed(b.update);
          captured ??= b.update;
          return b;
        }
        // The replay: the first task's signed offer, captured on the wire, served again (signature still valid).
        return replay && captured ? { ...b, available: true, update: captured } : b;
      },
    });
    try {
      const { agent, executor, errors } = agentFor(proxy.url);
      const first = await gcc.queueUpdate('backend', 'v2');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId: first });
      const second = await gcc.queueUpdate('media', 'v7');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId: second });
      expect(executor.callsOf('apply')).toHaveLength(2);
      replay = true;
      expect(await agent.runOnce()).toMatchObject({ outcome: 'duplicate', taskId: first });
      expect(executor.callsOf('apply')).toHaveLength(2);
      const refusal = errors.find((e) => e.phase === 'signature');
      expect(refusal).toMatchObject({ taskId: first });
      expect(String((refusal?.error as Error | undefined)?.message)).toMatch(
        /^signature_invalid: replayed offer: task tsk-\S+ attempt 1 was already finished by this agent/,
      );
      // Reported failed: the GCC, which holds the attempt's success, refuses the late report (409) and keeps it.
      expect(proxy.requests.filter((r) => r.method === 'POST' && r.status === 409)).toHaveLength(1);
      expect((await gcc.task(first)).status).toBe('success');
    } finally {
      await proxy.close();
    }
  });

  it('rotation: accepts an offer signed with the previous key while both are pinned, refuses it once dropped', async () => {
    const proxy = await offering((u) => signed(u, previous));
    try {
      const both = agentFor(proxy.url, { trustedKeys: [current.publicKeyPem, previous.publicKeyPem] });
      const a = await gcc.queueUpdate('backend', 'v2');
      expect(await both.agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId: a });
      // A fresh agent: no state file from the first one.
      await rm(tmp.file, { force: true });
      const newOnly = agentFor(proxy.url, { trustedKeys: [current.publicKeyPem] });
      const b = await gcc.queueUpdate('media', 'v8');
      expect(await newOnly.agent.runOnce()).toMatchObject({ outcome: 'rejected', taskId: b });
      expect(newOnly.executor.calls).toEqual([]);
      expect((await gcc.task(b)).last_message).toMatch(/^signature_invalid: /);
    } finally {
      await proxy.close();
    }
  });

  it('one setting may hold both PEM blocks (what GCC_SIGNING_PUBLIC_KEY carries during a rotation)', async () => {
    const proxy = await offering((u) => signed(u, previous));
    try {
      const { agent } = agentFor(proxy.url, {
        trustedKeys: [`${current.publicKeyPem}\n${previous.publicKeyPem}`],
      });
      const a = await gcc.queueUpdate('backend', 'v2');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId: a });
    } finally {
      await proxy.close();
    }
  });

  it('without pinned keys an unsigned offer runs as before', async () => {
    const { agent, executor } = agentFor(gcc.server.url, { trustedKeys: [] });
    const taskId = await gcc.queueUpdate('backend', 'v2');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect(executor.callsOf('apply')).toHaveLength(1);
  });

  it('runs a release set signed with v2 (wrktalk-update/v2) as one apply of all three components', async () => {
    const proxy = await offering((u) => signed(asSet(u)));
    try {
      const { agent, executor } = agentFor(proxy.url);
      const taskId = await gcc.queueUpdate('backend', 'v2');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
      expect(executor.callsOf('apply')).toHaveLength(1);
      expect(executor.callsOf('apply')[0]?.instruction?.components.map((c) => c.component)).toEqual([
        'backend',
        'media',
        'ct',
      ]);
      expect([...executor.running]).toEqual([
        ['backend', 'v2'],
        ['media', 'v2'],
        ['ct', 'v2'],
      ]);
    } finally {
      await proxy.close();
    }
  });

  it.each<[string, (u: Update) => Update]>([
    [
      "one component's version and image changed after signing",
      (u) => {
        const s = signed(asSet(u));
        const components = s.components!.map((c) =>
          c.component === 'media'
            ? { ...c, version: 'v666', image_url: 'registry.wrktalk.com/media:v666' }
            : c,
        );
        return { ...s, components };
      },
    ],
    [
      "one component's previous version changed after signing",
      (u) => {
        const s = signed(asSet(u));
        return {
          ...s,
          components: s.components!.map((c) => (c.component === 'ct' ? { ...c, previous_version: 'v0' } : c)),
        };
      },
    ],
    [
      'a component dropped after signing',
      (u) => {
        const s = signed(asSet(u));
        return { ...s, components: s.components!.slice(0, 2) };
      },
    ],
    [
      'a set carrying a single-component (v1) signature',
      (u) => ({ ...asSet(u), signature: signed(u).signature }),
    ],
  ])('refuses a release set with %s: signature_invalid, nothing applied', async (_n, rewrite) => {
    const proxy = await offering(rewrite);
    try {
      const { agent, executor } = agentFor(proxy.url);
      const taskId = await gcc.queueUpdate('backend', 'v2');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'rejected', taskId });
      expect(executor.calls).toEqual([]);
      expect((await gcc.task(taskId)).last_message).toMatch(
        /^signature_invalid: signature .* does not verify/,
      );
    } finally {
      await proxy.close();
    }
  });

  it('refuses unusable trustedKeys at creation', () => {
    expect(() => agentFor(gcc.server.url, { trustedKeys: ['not a key'] })).toThrow(
      /trustedKeys\[0\]: the public key is not an Ed25519 public key/,
    );
  });
});
