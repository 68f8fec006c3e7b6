import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, createFakeExecutor, deployedImage, silentLogger } from '@wrktalk/sdk-agent';
import {
  createGccClient,
  type GccClient,
  generateSigningKeyPair,
  isGccHttpError,
  trustedKeysOf,
  verifyUpdateSignature,
} from '@wrktalk/sdk-gcc';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGccOptionsError } from '../../src/index';
import { pgliteFactory, type TestDatabase } from '../helpers/databases';
import { ADMIN, CI, type RunningGcc, startGcc } from '../helpers/servers';

let CLIENT = 'acme-prod';
let n = 0;
const DIGEST = `sha256:${'ab12'.repeat(16)}`;

async function problemOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (error) {
    if (isGccHttpError(error))
      return { status: error.status, code: error.code, detail: error.problem?.detail };
    throw error;
  }
  throw new Error('expected a problem');
}

// One PGlite for the file (opening and migrating one takes seconds); each test runs its own GCC on it, with its own
// client and versions, the rollout worker ticked by hand.
describe('signed updates (issue 12 item 4) against gcc-core on PGlite over real HTTP', {
  timeout: 60_000,
}, () => {
  let t: TestDatabase;
  let srv: RunningGcc | undefined;
  beforeAll(async () => {
    t = await pgliteFactory();
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
  });
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  async function start(options: Parameters<typeof startGcc>[1]) {
    CLIENT = `acme-${++n}`;
    srv = await startGcc(t.db, { worker: false, ...options });
    const admin = srv.client(ADMIN);
    await admin.clients.create({ id: CLIENT, name: 'Acme', target_kind: 'kubernetes' });
    const agentToken = (await admin.clients.createToken(CLIENT, { role: 'agent' })).token;
    return { srv, admin, ci: srv.client(CI), agent: srv.client(agentToken), agentToken };
  }

  async function queue(
    s: { srv: RunningGcc; admin: GccClient; ci: GccClient },
    version: string,
    digest?: string,
  ) {
    const release = await s.ci.releases.create({
      component: 'backend',
      version,
      image_url: `registry.wrktalk.com/wrktalk/backend:${version}`,
      ...(digest && { image_digest: digest }),
    });
    await s.admin.deployments.create({
      release_id: release.id,
      targets: { client_ids: [CLIENT] },
      approval: { required: false },
    });
    await s.srv.gcc.worker.tick();
    return release;
  }

  it('signs each offer with the configured key; the published key verifies it, for this client only', async () => {
    const current = generateSigningKeyPair();
    const previous = generateSigningKeyPair();
    const s = await start({
      signing: { privateKey: current.privateKeyPem, previousPublicKeys: [previous.publicKeyPem] },
    });
    // Unauthenticated, on the well-known path.
    const anonymous = createGccClient({ baseUrl: s.srv.url, token: 'none', retry: false });
    const published = await anonymous.health.signingKeys();
    expect(published.keys).toEqual([
      { key_id: current.keyId, alg: 'Ed25519', public_key: current.publicKeyPem, current: true },
      { key_id: previous.keyId, alg: 'Ed25519', public_key: previous.publicKeyPem, current: false },
    ]);
    const raw = await fetch(`${s.srv.url}/.well-known/wrktalk-signing-keys`);
    expect(raw.status).toBe(200);

    await queue(s, 'v20');
    const offer = await s.agent.agent.getUpdates(CLIENT);
    if (offer.notModified || !offer.body.update) throw new Error('expected an update');
    const update = offer.body.update;
    expect(update.signature).toMatchObject({
      alg: 'Ed25519',
      key_id: current.keyId,
      expires_at: update.lease_expires_at,
    });
    const pinned = trustedKeysOf(published.keys.filter((k) => k.current).map((k) => k.public_key));
    const now = new Date();
    expect(verifyUpdateSignature(update, { clientId: CLIENT, trustedKeys: pinned, now })).toEqual({
      ok: true,
      keyId: current.keyId,
    });
    // The same bytes for another client, or with a field changed, do not verify.
    expect(verifyUpdateSignature(update, { clientId: 'other-prod', trustedKeys: pinned, now }).ok).toBe(
      false,
    );
    expect(
      verifyUpdateSignature(
        { ...update, image_url: 'evil.example.com/backend:v20' },
        {
          clientId: CLIENT,
          trustedKeys: pinned,
          now,
        },
      ).ok,
    ).toBe(false);
    // The cached answer (304 on the same ETag) is the signed one; an in_progress report renews the lease and re-signs.
    const again = await s.agent.agent.getUpdates(CLIENT, { etag: offer.etag });
    expect(again.notModified).toBe(true);
    await s.agent.agent.reportStatus(CLIENT, { task_id: update.task_id, attempt: 1, status: 'in_progress' });
    const renewed = await s.agent.agent.getUpdates(CLIENT);
    if (renewed.notModified || !renewed.body.update) throw new Error('expected the update again');
    expect(renewed.body.update.signature?.expires_at).toBe(renewed.body.update.lease_expires_at);
    expect(
      verifyUpdateSignature(renewed.body.update, { clientId: CLIENT, trustedKeys: pinned, now: new Date() })
        .ok,
    ).toBe(true);
  });

  it('without a signing key offers are unsigned and the key list is empty', async () => {
    const s = await start({});
    expect((await s.admin.health.signingKeys()).keys).toEqual([]);
    await queue(s, 'v21');
    const offer = await s.agent.agent.getUpdates(CLIENT);
    if (offer.notModified || !offer.body.update) throw new Error('expected an update');
    expect(offer.body.update.signature).toBeUndefined();
    expect(offer.body.update.image_digest).toBeNull();
  });

  it('refuses bad signing options, listing each problem', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const attempt = startGcc(t.db, {
      worker: false,
      signing: { privateKey: rsa, keyId: '', previousPublicKeys: ['not a key'] },
      allowedRegistries: ['https://registry.wrktalk.com'],
    });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isGccOptionsError(error)).toBe(true);
    const problems = (error as { problems: string[] }).problems.join('\n');
    expect(problems).toMatch(/signing\.privateKey: the signing key is a rsa key, not Ed25519/);
    expect(problems).toMatch(/signing\.keyId:/);
    expect(problems).toMatch(/signing\.previousPublicKeys\[0\]:/);
    expect(problems).toMatch(/allowedRegistries\[0\]: must be a registry host/);
  });

  it('refuses a release from a registry that is not allowed (422 registry_not_allowed), accepts an allowed one', async () => {
    const s = await start({ allowedRegistries: ['registry.wrktalk.com/wrktalk', 'localhost:5000'] });
    const evil = await problemOf(
      s.ci.releases.create({
        component: 'backend',
        version: 'v30',
        image_url: 'evil.example.com/backend:v30',
      }),
    );
    expect(evil).toMatchObject({ status: 422, code: 'registry_not_allowed' });
    expect(evil.detail).toContain('evil.example.com');
    // Docker Hub (no registry component), a sibling path and a look-alike host are not allowed either.
    for (const image_url of [
      'backend:v30',
      'wrktalk/backend:v30',
      'registry.wrktalk.com/wrktalkx/backend:v30',
      'registry.wrktalk.com.evil.example.com/wrktalk/backend:v30',
    ]) {
      const p = await problemOf(s.ci.releases.create({ component: 'backend', version: 'v30', image_url }));
      expect(p, image_url).toMatchObject({ status: 422, code: 'registry_not_allowed' });
    }
    const ok = await s.ci.releases.create({
      component: 'backend',
      version: 'v30',
      image_url: 'registry.wrktalk.com/wrktalk/backend:v30',
    });
    expect(ok.image_url).toBe('registry.wrktalk.com/wrktalk/backend:v30');
    const local = await s.ci.releases.create({
      component: 'media',
      version: 'v1',
      image_url: 'localhost:5000/media:v1',
    });
    expect(local.component).toBe('media');
    // 201 on the wire.
    const r = await fetch(`${s.srv.url}/api/v1/releases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CI}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        component: 'ct',
        version: 'v3',
        image_url: 'registry.wrktalk.com/wrktalk/ct:v3',
      }),
    });
    expect(r.status).toBe(201);
  });

  it('validates image_digest: 400 for a malformed one, 422 when it contradicts image_url', async () => {
    const s = await start({});
    const malformed = await problemOf(
      s.ci.releases.create({
        component: 'backend',
        version: 'v1',
        image_url: 'registry.wrktalk.com/backend:v1',
        image_digest: 'sha256:XYZ',
      }),
    );
    expect(malformed).toMatchObject({ status: 400, code: 'validation_failed' });
    const other = `sha256:${'cd34'.repeat(16)}`;
    const contradicts = await problemOf(
      s.ci.releases.create({
        component: 'backend',
        version: 'v1',
        image_url: `registry.wrktalk.com/backend:v1@${other}`,
        image_digest: DIGEST,
      }),
    );
    expect(contradicts).toMatchObject({ status: 422, code: 'invalid_image_reference' });
    expect(contradicts.detail).toContain(other);
  });

  it('carries the digest from the release through the signed offer to the executor (repo@sha256:…)', async () => {
    const keys = generateSigningKeyPair();
    const s = await start({ signing: { privateKey: keys.privateKeyPem } });
    const release = await queue(s, 'v22', DIGEST);
    expect(release.image_digest).toBe(DIGEST);
    expect((await s.ci.releases.get(release.id)).image_digest).toBe(DIGEST);
    // Same release again (idempotent) only with the same digest.
    const conflict = await problemOf(
      s.ci.releases.create({
        component: 'backend',
        version: 'v22',
        image_url: 'registry.wrktalk.com/wrktalk/backend:v22',
        image_digest: `sha256:${'ef56'.repeat(16)}`,
      }),
    );
    expect(conflict).toMatchObject({ status: 409, code: 'release_conflict' });

    const dir = await mkdtemp(join(tmpdir(), 'wrktalk-signing-'));
    try {
      const executor = createFakeExecutor();
      const agentToken = (await s.admin.clients.createToken(CLIENT, { role: 'agent' })).token;
      const agent = createAgent({
        gcc: { baseUrl: s.srv.url, token: agentToken },
        clientId: CLIENT,
        executor,
        stateFile: join(dir, 'state.json'),
        trustedKeys: [keys.publicKeyPem],
        pollWaitSeconds: 0,
        logger: silentLogger,
      });
      expect((await agent.runOnce()).outcome).toBe('succeeded');
      const applied = executor.callsOf('apply');
      expect(applied).toHaveLength(1);
      const ins = applied[0]!.instruction!;
      expect(ins.imageDigest).toBe(DIGEST);
      expect(deployedImage(ins)).toBe(`registry.wrktalk.com/wrktalk/backend@${DIGEST}`);
      const history = await s.admin.clients.get(CLIENT);
      expect(history.current_versions.backend).toBe('v22');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
