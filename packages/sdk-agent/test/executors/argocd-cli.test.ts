import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createArgoCdCliExecutor } from '../../src/executors';
import { INJECTION_ATTEMPTS, testContext, testInstruction, testSetInstruction } from '../fakes/context';
import { type FakeClis, installFakeClis, writeArgoLogin } from '../fakes/fake-cli';

const APP = 'wrktalk-acme';
let clis: FakeClis;

beforeEach(async () => {
  clis = await installFakeClis(
    {
      apps: {
        [APP]: {
          parameters: [
            { name: 'backend.image.tag', value: '2.3.0', forceString: true },
            { name: 'media.image.tag', value: '1.0.0', forceString: true },
          ],
          sync: 'Synced',
          health: 'Healthy',
        },
      },
      badTags: ['6.6.6'],
    },
    ['argocd'],
  );
});
afterEach(() => clis.cleanup());

const executor = (extra: Parameters<typeof createArgoCdCliExecutor>[0] = {}) =>
  createArgoCdCliExecutor({
    env: clis.env,
    server: 'argocd.acme.internal:443',
    authToken: 'secret-token',
    pollIntervalMs: 10,
    ...extra,
  });

// Against fake servers / fake CLIs spawned on PATH: generous per-test timeouts for a busy machine.
describe('argocd-cli executor', { timeout: 60_000 }, () => {
  it('sets, syncs and waits with the exact command lines', async () => {
    const exec = executor({ grpcWeb: true });
    const ctx = testContext();
    const instruction = testInstruction();
    expect(await exec.current(instruction, ctx)).toMatchObject({ version: '2.3.0' });
    await exec.apply(instruction, ctx);
    expect(await exec.verify(instruction, ctx)).toEqual({ healthy: true, message: 'Synced and Healthy' });
    const calls = await clis.calls('argocd');
    expect(calls.map((c) => c.argv)).toEqual([
      ['app', 'get', APP, '-o', 'json', '--grpc-web'],
      ['app', 'get', APP, '-o', 'json', '--grpc-web'],
      ['app', 'set', APP, '--helm-set-string', 'backend.image.tag=2.4.0', '--grpc-web'],
      ['app', 'sync', APP, '--grpc-web'],
      ['app', 'wait', APP, '--health', '--sync', '--timeout', '30', '--grpc-web'],
      ['app', 'get', APP, '-o', 'json', '--grpc-web'],
    ]);
    expect(calls.every((c) => c.env.ARGOCD_SERVER === 'argocd.acme.internal:443')).toBe(true);
    expect(calls.every((c) => c.env.ARGOCD_AUTH_TOKEN === 'secret-token')).toBe(true);
    const state = await clis.state();
    expect(state.apps[APP]?.parameters).toContainEqual({
      name: 'backend.image.tag',
      value: '2.4.0',
      forceString: true,
    });
    expect(state.apps[APP]?.parameters).toContainEqual({
      name: 'media.image.tag',
      value: '1.0.0',
      forceString: true,
    });
  });

  it('omits --grpc-web by default and uses a configured key mapping', async () => {
    const exec = executor({ helmKeys: { backend: 'server.image.tag' } });
    await exec.apply(testInstruction(), testContext());
    const calls = await clis.calls('argocd');
    expect(calls.some((c) => c.argv.includes('--grpc-web'))).toBe(false);
    expect(calls[1]?.argv).toEqual(['app', 'set', APP, '--helm-set-string', 'server.image.tag=2.4.0']);
  });

  it('is a no-op when the tag is already set and synced', async () => {
    const exec = executor();
    await exec.apply(testInstruction({ version: '2.3.0' }), testContext());
    expect((await clis.calls('argocd')).map((c) => c.argv[1])).toEqual(['get']);
  });

  it('reports Degraded as unhealthy', async () => {
    const exec = executor();
    const ctx = testContext();
    const instruction = testInstruction({ version: '6.6.6' });
    await expect(exec.apply(instruction, ctx)).rejects.toMatchObject({ code: 'command_failed' });
    const result = await exec.verify(instruction, ctx);
    expect(result.healthy).toBe(false);
    expect(result.message).toMatch(/Degraded/);
  });

  it('treats "another operation is already in progress" as running and waits', async () => {
    await clis.setState((s) => {
      s.apps[APP]!.operationInProgress = true;
    });
    const exec = executor();
    const ctx = testContext();
    await exec.apply(testInstruction(), ctx);
    expect(ctx.lines.join('\n')).toMatch(/another operation is already in progress/);
    expect(await exec.verify(testInstruction(), ctx)).toMatchObject({ healthy: true });
    const argv = (await clis.calls('argocd')).map((c) => c.argv.slice(0, 4).join(' '));
    expect(argv).toEqual([
      `app get ${APP} -o`,
      `app set ${APP} --helm-set-string`,
      `app sync ${APP}`,
      `app wait ${APP} --operation`,
      `app sync ${APP}`,
      `app wait ${APP} --health`,
      `app get ${APP} -o`,
    ]);
  });

  it('maps a sync window to a retryable forbidden error', async () => {
    await clis.setState((s) => {
      s.syncWindow = true;
    });
    await expect(executor().apply(testInstruction(), testContext())).rejects.toMatchObject({
      code: 'forbidden',
      retryable: true,
    });
  });

  it('does not trust a stale Synced/Healthy from app wait', async () => {
    await clis.setState((s) => {
      s.staleWaits = 2;
    });
    const exec = executor();
    const ctx = testContext();
    await exec.apply(testInstruction(), ctx);
    expect(await exec.verify(testInstruction(), ctx)).toMatchObject({ healthy: true });
    const waits = (await clis.calls('argocd')).filter((c) => c.argv[1] === 'wait');
    expect(waits).toHaveLength(3);
    expect(ctx.lines.join('\n')).toMatch(/waiting for Argo CD to compare backend.image.tag=2.4.0/);
  });

  it('reverts to the previous version', async () => {
    const exec = executor();
    await exec.apply(testInstruction(), testContext());
    await exec.revert!(testInstruction(), testContext());
    const sets = (await clis.calls('argocd')).filter((c) => c.argv[1] === 'set');
    expect(sets.map((c) => c.argv[4])).toEqual(['backend.image.tag=2.4.0', 'backend.image.tag=2.3.0']);
  });

  it.each(INJECTION_ATTEMPTS)('refuses version %j before running anything', async (version) => {
    await expect(executor().apply(testInstruction({ version }), testContext())).rejects.toMatchObject({
      code: 'invalid_config',
    });
    expect(await clis.calls()).toEqual([]);
  });

  it('refuses an unknown component', async () => {
    await expect(executor().apply(testInstruction({ component: 'db' }), testContext())).rejects.toMatchObject(
      {
        code: 'invalid_config',
      },
    );
  });

  it('doctor finds the tool, credentials and application', async () => {
    const checks = await executor().doctor({ signal: AbortSignal.timeout(30_000), clientId: 'acme' });
    expect(checks.every((c) => c.ok)).toBe(true);
  });

  describe("doctor: the credentials are the CLI's own choice, judged by `app get`", () => {
    let home: string;
    beforeEach(async () => {
      home = await mkdtemp(join(tmpdir(), 'argocd-home-'));
      await clis.setState((s) => {
        s.argocdAuth = { tokens: ['login-token', 'secret-token'] };
      });
    });
    afterEach(() => rm(home, { recursive: true, force: true }));

    /** What `argocd login argocd.acme.internal` leaves in ~/.config/argocd/config. */
    const login = (token: string) => writeArgoLogin(home, token);
    const doctor = (env: Record<string, string> = {}) =>
      createArgoCdCliExecutor({ env: { ...clis.env, HOME: home, ...env }, pollIntervalMs: 10 }).doctor({
        signal: AbortSignal.timeout(30_000),
        clientId: 'acme',
      });

    it('an `argocd login` context without ARGOCD_SERVER / ARGOCD_AUTH_TOKEN is valid (it was ✗ before)', async () => {
      await login('login-token');
      expect(await doctor()).toEqual([
        { name: 'argocd binary', ok: true, detail: 'argocd: v3.5.1+fake' },
        {
          name: 'argocd credentials',
          ok: true,
          detail:
            "ARGOCD_SERVER unset, ARGOCD_AUTH_TOKEN unset: the server and token from the CLI's `argocd login` context",
        },
        { name: `application ${APP}`, ok: true, detail: 'readable' },
      ]);
    });

    it('ARGOCD_OPTS=--core is valid without any Argo CD credentials', async () => {
      const checks = await doctor({ ARGOCD_OPTS: '--core' });
      expect(checks.every((c) => c.ok)).toBe(true);
      expect(checks[1]?.detail).toMatch(/^ARGOCD_OPTS --core: /);
    });

    it('ARGOCD_AUTH_TOKEN with the server of the login context is valid', async () => {
      await login('expired-token');
      const checks = await createArgoCdCliExecutor({
        env: { ...clis.env, HOME: home },
        authToken: 'secret-token',
        pollIntervalMs: 10,
      }).doctor({ signal: AbortSignal.timeout(30_000), clientId: 'acme' });
      expect(checks.map((c) => c.ok)).toEqual([true, true, true]);
      expect(checks[1]?.detail).toBe(
        "ARGOCD_SERVER unset, ARGOCD_AUTH_TOKEN set: the server from the CLI's `argocd login` context",
      );
    });

    it('no server anywhere, or a token Argo CD refuses: ✗ credentials with the ways to fix it', async () => {
      const none = await doctor();
      expect(none[1]).toEqual({
        name: 'argocd credentials',
        ok: false,
        code: 'forbidden',
        detail: expect.stringMatching(
          /^ARGOCD_SERVER unset, ARGOCD_AUTH_TOKEN unset: .*: the CLI is not logged in to Argo CD: set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN .*, run `argocd login` as the agent user \(HOME\), or set ARGOCD_OPTS=--core$/,
        ),
      });
      expect(none[2]).toMatchObject({
        ok: false,
        detail: expect.stringContaining('server address unspecified'),
      });
      await login('revoked-token');
      const refused = await doctor();
      expect(refused[1]).toMatchObject({ ok: false, code: 'forbidden' });
      expect(refused[2]).toMatchObject({ ok: false, detail: expect.stringContaining('Unauthenticated') });
    });

    it('an application Argo CD does not have is the application line, not the credentials', async () => {
      await login('login-token');
      const checks = await createArgoCdCliExecutor({
        env: { ...clis.env, HOME: home },
        appName: 'wrktalk-{clientId}-missing',
        pollIntervalMs: 10,
      }).doctor({ signal: AbortSignal.timeout(30_000), clientId: 'acme' });
      expect(checks.map((c) => c.ok)).toEqual([true, true, false]);
      expect(checks[2]).toMatchObject({ code: 'not_found' });
    });
  });

  it('doctor reports tool_missing', async () => {
    const exec = executor({ binary: '/nonexistent/argocd' });
    const checks = await exec.doctor({ signal: AbortSignal.timeout(30_000), clientId: 'acme' });
    expect(checks).toEqual([expect.objectContaining({ ok: false, code: 'tool_missing' })]);
  });

  it('rejects bad options at construction, all at once', () => {
    expect(() =>
      createArgoCdCliExecutor({ helmKeys: { backend: 'a=b' }, commandTimeoutMs: 0, appName: 'Bad Name' }),
    ).toThrow(/helmKeys.backend.*appName.*commandTimeoutMs/);
  });
});

describe('argocd-cli executor: a release set', { timeout: 60_000 }, () => {
  const SET_APP = 'wrktalk-acme';
  const at = (version: string) =>
    ['backend', 'media', 'ct'].map((c) => ({ name: `${c}.image.tag`, value: version, forceString: true }));
  beforeEach(async () => {
    await clis.setState((s) => {
      s.apps[SET_APP] = { parameters: at('4.9.0'), sync: 'Synced', health: 'Healthy' };
      s.badTags = ['6.6.6'];
    });
  });

  it('runs ONE app set with every --helm-set-string, ONE sync, and verifies all three', async () => {
    const exec = executor({
      helmKeys: { backend: 'backend.image.tag', media: 'media.image.tag', ct: 'ct.image.tag' },
    });
    const ctx = testContext();
    const set = testSetInstruction('5.0.0', '4.9.0');
    expect(await exec.current(set, ctx)).toEqual({
      version: '4.9.0',
      versions: { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' },
      settled: true,
      detail: `${SET_APP} backend.image.tag, media.image.tag, ct.image.tag (Synced/Healthy)`,
    });
    await exec.apply(set, ctx);
    expect(await exec.verify(set, ctx)).toEqual({ healthy: true, message: 'Synced and Healthy' });
    const argv = (await clis.calls('argocd')).map((c) => c.argv);
    expect(argv.filter((a) => a[1] === 'set')).toEqual([
      [
        'app',
        'set',
        SET_APP,
        '--helm-set-string',
        'backend.image.tag=5.0.0',
        '--helm-set-string',
        'media.image.tag=5.0.0',
        '--helm-set-string',
        'ct.image.tag=5.0.0',
      ],
    ]);
    expect(argv.filter((a) => a[1] === 'sync')).toEqual([['app', 'sync', SET_APP]]);
    expect((await clis.state()).apps[SET_APP]?.parameters).toEqual(at('5.0.0'));
    expect(await exec.current(set, ctx)).toMatchObject({
      versions: { backend: '5.0.0', media: '5.0.0', ct: '5.0.0' },
    });
  });

  it("the agent's own helm key mapping wins over each component's helmParameter", async () => {
    await clis.setState((s) => {
      s.apps[SET_APP]!.parameters.push({ name: 'mediaserver.tag', value: '4.9.0', forceString: true });
    });
    const exec = executor({
      helmKeys: { backend: 'backend.image.tag', media: 'mediaserver.tag', ct: 'ct.image.tag' },
    });
    await exec.apply(testSetInstruction('5.0.0'), testContext());
    const sets = (await clis.calls('argocd')).filter((c) => c.argv[1] === 'set');
    expect(sets.map((c) => c.argv.filter((a) => a.includes('=')))).toEqual([
      ['backend.image.tag=5.0.0', 'mediaserver.tag=5.0.0', 'ct.image.tag=5.0.0'],
    ]);
  });

  it('media Degraded: verify names media, revert sets all three back in ONE app set and ONE sync', async () => {
    const exec = executor();
    const ctx = testContext();
    const set = testSetInstruction('5.0.0', '4.9.0', {
      components: testSetInstruction('5.0.0', '4.9.0').components.map((c) =>
        c.component === 'media'
          ? { ...c, version: '6.6.6', imageUrl: 'registry.wrktalk.com/wrktalk/media:6.6.6' }
          : c,
      ),
    });
    await expect(exec.apply(set, ctx)).rejects.toMatchObject({ code: 'command_failed' });
    const verdict = await exec.verify(set, ctx);
    expect(verdict).toEqual({
      healthy: false,
      message: 'media: Degraded: Deployment "wrktalk-media" exceeded its progress deadline',
    });
    const before = (await clis.calls('argocd')).length;
    await exec.revert!(set, ctx);
    const revert = (await clis.calls('argocd')).slice(before).map((c) => c.argv);
    expect(revert.filter((a) => a[1] === 'set')).toEqual([
      [
        'app',
        'set',
        SET_APP,
        '--helm-set-string',
        'backend.image.tag=4.9.0',
        '--helm-set-string',
        'media.image.tag=4.9.0',
        '--helm-set-string',
        'ct.image.tag=4.9.0',
      ],
    ]);
    expect(revert.filter((a) => a[1] === 'sync')).toHaveLength(1);
    const app = (await clis.state()).apps[SET_APP]!;
    expect(app.parameters).toEqual(at('4.9.0'));
    expect(app.health).toBe('Healthy');
  });

  it('refuses the whole set before running anything when one version is unsafe', async () => {
    const set = testSetInstruction('5.0.0');
    set.components[2] = { ...set.components[2]!, version: '$(reboot)' };
    await expect(executor().apply(set, testContext())).rejects.toMatchObject({ code: 'invalid_config' });
    expect(await clis.calls()).toEqual([]);
  });
});
