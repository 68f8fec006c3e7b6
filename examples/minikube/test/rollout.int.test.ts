/**
 * Step 7 of the guide without a cluster: the script regions that talk to the GCC (register the clients, serve,
 * publish, deploy, answer the approvals with curl, watch, list the tasks) run verbatim, taken from demo.sh and
 * lib.sh (sourced as the scripts source it), against a real `wrktalk-gcc serve` (PGlite in a temp dir, on a free
 * port). Scripted agents speaking HTTP through @wrktalk/sdk-gcc stand in for the agents in the cluster, and a shell
 * function reading their state stands in for `show_version` (the only cluster command in those regions). The checks
 * are the outcomes the guide promises.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGccClient, type GccClient } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRegions } from './guide';
import { has, MINIKUBE_DIR } from './helpers';

const CLIENTS = ['acme', 'globex', 'initech', 'umbrella'] as const;
/** Short stage waits so the test runs in seconds; the guide's default is 30. */
const STAGE_WAIT = 3;
/** The images `up.sh` builds into minikube; any other tag cannot be pulled. */
const IMAGES_IN_MINIKUBE = new Set(['v1', 'v2']);

const regions = allRegions();
function region(file: string, name: string): string {
  const r = regions.find((x) => x.file === file && x.name === name);
  if (!r) throw new Error(`no region ${file}#${name}`);
  return r.text;
}

/** Runs a bash script in `cwd`; resolves with its exit code and output (stdin closed, so `nohup … &` detaches). */
function bash(script: string, cwd: string, env: Record<string, string>, timeoutMs = 120_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('bash', ['-c', script], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Received {
  clientId: string;
  deploymentId: string;
  type: string;
  version: string;
  at: number;
}

/**
 * One scripted agent per client, as the reference agent behaves with the argocd-k8s executor: poll, report
 * `in_progress`, then `success` when the image exists in minikube, or `failed` with the agent's verification
 * message after reverting locally to the previous version (REVERT_ON_FAILED_VERIFY=true). The version a client
 * "runs" is written to `.work/fake-cluster/<client>`, where the test's `show_version` reads it.
 *
 * A real sync and verification take tens of seconds, far longer than the approval loop; so that the scripted
 * agents are not unrealistically fast, each reports its outcome only once no task of its deployment waits for
 * approval any more (or after 15 s).
 */
function startAgents(baseUrl: string, work: string, admin: GccClient) {
  const received: Received[] = [];
  let stopped = false;
  const cluster = join(work, '.work/fake-cluster');
  mkdirSync(cluster, { recursive: true });
  for (const c of CLIENTS) writeFileSync(join(cluster, c), 'v1'); // what up.sh leaves running
  const loops = CLIENTS.map(async (clientId) => {
    const token = readFileSync(join(work, `.work/tokens/${clientId}.agent`), 'utf8').trim();
    const api: GccClient = createGccClient({ baseUrl, token, retry: false });
    const done = new Set<string>();
    while (!stopped) {
      const u = await api.agent.getUpdates(clientId, { waitSeconds: 1 });
      const update = u.notModified ? undefined : u.body.update;
      if (!update || done.has(`${update.task_id}/${update.attempt}`)) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      done.add(`${update.task_id}/${update.attempt}`);
      received.push({
        clientId,
        deploymentId: update.deployment_id,
        type: update.type,
        version: update.version,
        at: Date.now(),
      });
      const base = { task_id: update.task_id, attempt: update.attempt, agent_version: 'fake' };
      const app = `wrktalk-${clientId}`;
      await api.agent.reportStatus(clientId, {
        ...base,
        status: 'in_progress',
        message: `Applying ${update.component} ${update.version}`,
      });
      const logs = [
        `applying ${update.component} ${update.version} with argocd-k8s`,
        `${app}: set backend.image.tag=${update.version} (forceString)`,
        `${app}: sync started`,
      ];
      for (let end = Date.now() + 15_000; Date.now() < end; ) {
        const d = await admin.deployments.get(update.deployment_id);
        if (d.task_counts.pending_approval === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (IMAGES_IN_MINIKUBE.has(update.version)) {
        writeFileSync(join(cluster, clientId), update.version);
        await api.agent.reportStatus(clientId, {
          ...base,
          status: 'success',
          message: 'Synced and Healthy',
          logs: [...logs, 'verify: healthy: Synced and Healthy'],
        });
      } else {
        const degraded = 'Degraded: Deployment "wrktalk-backend" exceeded its progress deadline';
        await api.agent.reportStatus(clientId, {
          ...base,
          status: 'failed',
          message: `Verification failed: ${degraded}; reverted to ${update.previous_version}`,
          logs: [...logs, `verify: NOT healthy: ${degraded}`],
        });
      }
    }
  });
  return {
    received,
    async stop() {
      stopped = true;
      await Promise.allSettled(loops);
    },
  };
}

/** `HH:MM:SS STATUS stages: S1 S2 …` lines of watch_deployment. */
function watchLines(out: string) {
  return [...out.matchAll(/^\d\d:\d\d:\d\d (\S+) stages: (.*)$/gm)].map((m) => ({
    status: m[1]!,
    stages: m[2]!.split(' '),
  }));
}

const hasCurl = has('curl');
if (!hasCurl) {
  it.skip('step 7 against a real GCC skipped: curl is not installed (the guide calls the GCC with curl)');
}

describe.skipIf(!hasCurl)('step 7, the GCC side, against a real wrktalk-gcc serve', () => {
  const work = mkdtempSync(join(tmpdir(), 'wrktalk-step7-'));
  let env: Record<string, string>;
  let admin: GccClient;
  let agents: ReturnType<typeof startAgents> | undefined;
  let setup: Awaited<ReturnType<typeof bash>>;
  let good: Awaited<ReturnType<typeof bash>>;
  let goodDeployment = '';

  /**
   * lib.sh as the scripts source it (it holds the rollout helpers); show_version reads the scripted agents' state
   * instead of the cluster.
   */
  const prelude = `set -euo pipefail
. "${MINIKUBE_DIR}lib.sh"
show_version() { cat ".work/fake-cluster/$1"; }
`;

  beforeAll(async () => {
    const port = await freePort();
    env = { GCC_PORT: String(port), STAGE_WAIT: String(STAGE_WAIT), LOG_LEVEL: 'info' };
    setup = await bash(
      `${prelude}${region('demo.sh', 'gcc-serve')}\n${region('demo.sh', 'gcc-register')}\n`,
      work,
      env,
    );
    if (setup.code !== 0) throw new Error(`7a failed (${setup.code}):\n${setup.stdout}\n${setup.stderr}`);
    const baseUrl = `http://127.0.0.1:${port}`;
    admin = createGccClient({
      baseUrl,
      token: readFileSync(join(work, '.work/tokens/admin'), 'utf8').trim(),
      retry: false,
    });
    agents = startAgents(baseUrl, work, admin);
  }, 120_000);

  afterAll(async () => {
    await agents?.stop();
    // Only the GCC this test started, by the pid the guide's own block wrote.
    let pid: number | undefined;
    try {
      pid = Number(readFileSync(join(work, '.work/gcc.pid'), 'utf8').trim());
    } catch {
      pid = undefined;
    }
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 100; i++) {
          process.kill(pid, 0);
          await new Promise((r) => setTimeout(r, 100));
        }
      } catch {
        // gone
      }
    }
    rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it('7a: registers the clients with labels and tokens, and the GCC lists them', async () => {
    expect(JSON.parse(setup.stdout.split('\n')[0]!)).toMatchObject({ status: 'ok' });
    expect(setup.stdout.trim().split('\n').slice(1)).toEqual([...CLIENTS]);
    for (const c of CLIENTS) {
      for (const role of ['agent', 'approver'])
        expect(readFileSync(join(work, `.work/tokens/${c}.${role}`), 'utf8')).toMatch(/^\S{16,}\n$/);
    }
    const clients = await admin.clients.list({ limit: 100 });
    const labels = Object.fromEntries(clients.items.map((c) => [c.id, c.labels]));
    expect(labels).toEqual({
      acme: { demo: 'true', canary: 'true' },
      globex: { demo: 'true' },
      initech: { demo: 'true' },
      umbrella: { demo: 'true' },
    });
    for (const c of clients.items)
      expect(c).toMatchObject({ target_kind: 'argocd', argocd_instance: 'minikube' });
  });

  it('7b: v2 goes canary -> batch -> batch with the waits; the client that rejects is never updated', async () => {
    good = await bash(
      `${prelude}${region('demo.sh', 'rollout-good')}\necho "$DEPLOYMENT" > .work/test-deployment\n`,
      work,
      env,
    );
    expect(good.code, `${good.stdout}\n${good.stderr}`).toBe(0);
    if (process.env.SHOW_STEP7) console.log(good.stdout);
    goodDeployment = readFileSync(join(work, '.work/test-deployment'), 'utf8').trim();
    const out = good.stdout;
    expect(out).toMatch(/^release rel-\S+ \(v2\) -> deployment dpl-\S+$/m);
    for (const c of ['acme', 'globex', 'initech']) expect(out).toContain(`\n${c}: approved\n`);
    expect(out).toContain('\numbrella: rejected\n');

    const watched = watchLines(out);
    expect(watched.at(-1)).toEqual({ status: 'completed', stages: ['succeeded', 'succeeded', 'succeeded'] });
    expect(watched.length).toBeGreaterThan(1); // it was seen moving, not only finished
    expect(watched[0]!.status).toBe('running');

    expect(out).toMatch(/^acme update success v2 Synced and Healthy$/m);
    expect(out).toMatch(/^globex update success v2 Synced and Healthy$/m);
    expect(out).toMatch(/^initech update success v2 Synced and Healthy$/m);
    expect(out).toMatch(/^umbrella update rejected v2 $/m);
    expect(out).toMatch(/^acme: v2\nglobex: v2\ninitech: v2\numbrella: v1$/m);

    // The canary first, then one client, then the rest, each after the stage wait.
    const got = agents!.received.filter((r) => r.deploymentId === goodDeployment);
    expect(got.map((r) => r.clientId)).toEqual(['acme', 'globex', 'initech']);
    const d = await admin.deployments.get(goodDeployment);
    expect(d.stages.map((s) => [s.kind, s.capacity, s.status])).toEqual([
      ['canary', 1, 'succeeded'],
      ['batch', 1, 'succeeded'],
      ['batch', 1, 'succeeded'], // the rejected task is not part of any stage
    ]);
    for (const i of [1, 2]) {
      const gap = Date.parse(d.stages[i]!.started_at!) - Date.parse(d.stages[i - 1]!.finished_at!);
      expect(gap).toBeGreaterThanOrEqual(STAGE_WAIT * 1000 - 50);
    }
    expect(d.task_counts).toMatchObject({ success: 3, rejected: 1 });
    expect((await admin.clients.get('umbrella')).current_versions.backend).toBeUndefined();
    expect((await admin.clients.get('acme')).current_versions.backend).toBe('v2');
  }, 120_000);

  it('7b: the broken v404 fails in the canary and is rolled back to each client its own previous version', async () => {
    expect(goodDeployment).not.toBe('');
    const broken = await bash(
      `${prelude}${region('demo.sh', 'rollout-broken')}\necho "$DEPLOYMENT" > .work/test-deployment\n`,
      work,
      env,
    );
    expect(broken.code, `${broken.stdout}\n${broken.stderr}`).toBe(0);
    if (process.env.SHOW_STEP7) console.log(broken.stdout);
    const deployment = readFileSync(join(work, '.work/test-deployment'), 'utf8').trim();
    const out = broken.stdout;
    for (const c of CLIENTS) expect(out).toContain(`\n${c}: approved\n`);

    const watched = watchLines(out);
    expect(watched.at(-1)!.status).toBe('rolled_back');
    expect(watched.at(-1)!.stages[0]).toBe('failed');

    expect(out).toMatch(
      /^acme update rolled_back v404 Verification failed: Degraded: Deployment "wrktalk-backend" exceeded its progress deadline; reverted to v2$/m,
    );
    for (const c of ['globex', 'initech', 'umbrella'])
      expect(out).toMatch(new RegExp(`^${c} update cancelled v404 $`, 'm'));
    const rollback = /^automatic rollback: (dpl-\S+)$/m.exec(out)?.[1];
    expect(rollback).toBeDefined();
    expect(out).toMatch(/^acme rollback success v2 Synced and Healthy$/m);
    expect(out).toMatch(/^acme: v2\nglobex: v2\ninitech: v2\numbrella: v1$/m);

    // Only the canary client got the broken version, and then its rollback to v2; nobody else was touched.
    const got = agents!.received.filter((r) => r.deploymentId === deployment || r.deploymentId === rollback);
    expect(got.map((r) => [r.clientId, r.type, r.version])).toEqual([
      ['acme', 'update', 'v404'],
      ['acme', 'rollback', 'v2'],
    ]);
    expect(agents!.received.some((r) => r.clientId === 'umbrella')).toBe(false);
    const rb = await admin.deployments.get(rollback!);
    expect(rb).toMatchObject({ type: 'rollback', rollback_of: deployment, status: 'completed' });
    for (const c of ['acme', 'globex', 'initech'])
      expect((await admin.clients.get(c)).current_versions.backend).toBe('v2');
  }, 120_000);
});
