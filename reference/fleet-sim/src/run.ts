import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGcc, type Database, type Gcc, migrate, openDatabase } from '@wrktalk/gcc-core';
import {
  type DeploymentStatus,
  FINISHED_TASK_STATUSES,
  isTaskStatusIn,
  matchesSelector,
  parseSelector,
  TASK_STATUSES,
  type TaskStatus,
} from '@wrktalk/rollout-planner';
import {
  createGccClient,
  type Deployment,
  type GccClient,
  isGccHttpError,
  paginate,
  type Release,
  type Task,
  type Update,
  type UpdatesResponse,
} from '@wrktalk/sdk-gcc';
import pino from 'pino';
import { seededRandom, seedFor } from '../../../examples/demo/src/random';
import { consoleBundle, type DemoServer, serveGcc } from '../../../examples/demo/src/server';
import { countsLine, countTasks, stageRows } from '../../../examples/demo/src/summary';
import { randomToken } from '../../gcc-express/src/index';
import {
  type Approval,
  applyFails,
  buildFleet,
  describeFleet,
  isOnline,
  pollDelayMs,
  type SimClient,
} from './fleet';
import { SimHttp } from './http';
import type { Sample, SimEnd, SimReport } from './report';
import { membersOf, type Scenario } from './scenario';

/** Where the simulated fleet's GCC is. */
export type SimGcc =
  /** A GCC in this process on embedded PGlite in a temporary directory (the default). */
  | { mode: 'embedded' }
  /** A GCC in this process on a new database of this PostgreSQL server (dropped at the end unless `keep`). */
  | { mode: 'postgres'; databaseUrl: string; keep?: boolean }
  /** A running GCC: clients are registered through its API with the admin token; CI's token registers releases. */
  | { mode: 'url'; url: string; adminToken: string; ciToken: string };

/** Options of {@link runSimulation}. */
export interface SimRunOptions {
  /** @default { mode: 'embedded' } */
  gcc?: SimGcc;
  /** The scenario's file, for the report. */
  scenarioFile?: string | null;
  /** Called with a line of progress now and then (registration, baseline, every few seconds of the rollout). */
  onProgress?: (line: string) => void;
  /** Aborting stops the simulation; it then rejects. */
  signal?: AbortSignal;
}

const ENDS: readonly DeploymentStatus[] = ['completed', 'failed', 'aborted', 'rolled_back', 'paused'];
const ADMIN = { role: 'admin' as const, name: 'wrktalk-sim' };
const AGENT_VERSION = 'wrktalk-sim/1';
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** A pool of `n` workers over `items`. */
async function eachLimit<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function allTasks(gcc: GccClient, deploymentId: string): Promise<Task[]> {
  const out: Task[] = [];
  for await (const t of paginate((cursor) =>
    gcc.deployments.listTasks(deploymentId, { limit: 500, ...(cursor && { cursor }) }),
  ))
    out.push(t);
  return out;
}

/**
 * Runs a scenario: a GCC (in this process, or a URL), the scenario's fleet registered with an agent and an approver
 * token each, the clients' previous versions installed through the GCC (`baseline: install`), CI's release, the
 * admin's deployment, the approvers answering as the scenario says, and every online client's agent polling with
 * jitter over HTTP, applying what it is offered (instantly or slowly, failing where a rule says) and reporting as
 * `@wrktalk/sdk-agent` does. Samples the tasks' statuses until the rollout ends (or the time limit) and returns the
 * report.
 */
export async function runSimulation(scenario: Scenario, options: SimRunOptions = {}): Promise<SimReport> {
  const gccWhere: SimGcc = options.gcc ?? { mode: 'embedded' };
  const progress = options.onProgress ?? (() => undefined);
  const signal = options.signal;
  const startedAt = new Date();
  const t0 = performance.now();
  const fleet = buildFleet(scenario);
  // Against a running GCC, ids get a run tag: a second run must not collide with the first's clients.
  if (gccWhere.mode === 'url') {
    const tag = randomBytes(3).toString('hex');
    for (const c of fleet)
      c.id = c.id.replace(scenario.clients.id_prefix, `${scenario.clients.id_prefix}${tag}-`);
  }
  const selector = parseSelector(scenario.deployment.selector);
  if (!selector.ok) throw new Error(`deployment.selector: ${selector.problems[0]?.message}`);
  const targets = fleet.filter((c) => matchesSelector(c.labels, selector.requirements));
  const component = scenario.release.component;
  // Every component the scenario deploys, in its order (one for a single release), and the version of each.
  const members = membersOf(scenario.release);
  const releaseVersions: Record<string, string> = Object.fromEntries(
    members.map((m) => [m.component, m.version]),
  );
  const spelled = members.map((m) => `${m.component} ${m.version}`).join(', ');
  const closers: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };

  try {
    // 1. The GCC.
    let baseUrl: string;
    let adminToken: string;
    let ciToken: string;
    let gcc: Gcc | undefined;
    let database: Database | undefined;
    if (gccWhere.mode === 'url') {
      baseUrl = gccWhere.url.replace(/\/+$/, '');
      adminToken = gccWhere.adminToken;
      ciToken = gccWhere.ciToken;
    } else {
      adminToken = randomToken();
      ciToken = randomToken();
      if (gccWhere.mode === 'embedded') {
        const dir = await mkdtemp(join(tmpdir(), 'wrktalk-sim-'));
        closers.push(() => rm(dir, { recursive: true, force: true }));
        database = await openDatabase({ dataDir: join(dir, 'pgdata') });
      } else {
        const name = `wrktalk_sim_${scenario.name.replace(/-/g, '_')}_${randomBytes(3).toString('hex')}`;
        const server = await openDatabase({ url: gccWhere.databaseUrl, poolSize: 1 });
        await server.query(`CREATE DATABASE ${name}`);
        await server.close();
        const url = new URL(gccWhere.databaseUrl);
        url.pathname = `/${name}`;
        if (!gccWhere.keep)
          closers.push(async () => {
            const s = await openDatabase({ url: gccWhere.databaseUrl, poolSize: 1 });
            await s.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            await s.close();
          });
        else progress(`database ${url.toString()} is kept`);
        database = await openDatabase({ url: url.toString(), poolSize: 20 });
      }
      const db = database;
      closers.push(() => db.close());
      await migrate(db);
      gcc = await createGcc({
        database: db,
        adminToken,
        ciToken,
        logger: pino({ level: process.env.WRKTALK_SIM_LOG_LEVEL ?? 'silent' }, pino.destination(2)),
        orchestration: 'worker',
        worker: { pollIntervalMs: 500 },
        ...(gccWhere.mode === 'embedded' && { runNotifier: false }),
      });
      const g = gcc;
      closers.push(() => g.close());
      const served: DemoServer = await serveGcc(g, pino({ level: 'silent' }), {
        host: '127.0.0.1',
        port: 0,
        bundle: await consoleBundle(),
      });
      closers.push(() => served.close());
      baseUrl = served.url;
    }
    progress(`GCC: ${gccWhere.mode} on ${baseUrl}`);
    const admin = createGccClient({ baseUrl, token: adminToken });
    const ci = createGccClient({ baseUrl, token: ciToken });
    const http = new SimHttp(baseUrl, scenario.agents.connections);
    closers.push(async () => http.close());

    // 2. Register the fleet: an agent and an approver token per client.
    const agentTokens = new Map<string, string>();
    const approverTokens = new Map<string, string>();
    const tRegister = performance.now();
    const input = (c: SimClient) => ({
      id: c.id,
      name: c.name,
      labels: c.labels,
      target_kind: c.targetKind,
      ...(c.argocdInstance && { argocd_instance: c.argocdInstance }),
    });
    if (gcc) {
      // In this process: the GCC's own services, 500 clients per transaction (what the API does per client).
      const g = gcc;
      const db = database!;
      for (let i = 0; i < fleet.length; i += 500) {
        await db.transaction(async (tx) => {
          for (const c of fleet.slice(i, i + 500)) {
            await g.services.clients.create(ADMIN, input(c), tx);
            agentTokens.set(
              c.id,
              (await g.services.tokens.issue(ADMIN, { role: 'agent', clientId: c.id }, tx)).token,
            );
            approverTokens.set(
              c.id,
              (await g.services.tokens.issue(ADMIN, { role: 'approver', clientId: c.id }, tx)).token,
            );
          }
        });
        if (signal?.aborted) throw new Error('stopped');
        if ((i / 500) % 20 === 19) progress(`registered ${i + 500} of ${fleet.length} clients`);
      }
    } else {
      await eachLimit(fleet, 16, async (c) => {
        await admin.clients.create(input(c));
        agentTokens.set(c.id, (await admin.clients.createToken(c.id, { role: 'agent' })).token);
        approverTokens.set(c.id, (await admin.clients.createToken(c.id, { role: 'approver' })).token);
      });
    }
    const registerMs = performance.now() - tRegister;
    const f = describeFleet(fleet);
    progress(
      `registered ${fleet.length} clients in ${(registerMs / 1000).toFixed(1)} s: ${Object.entries(f.targets)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')} on ${f.argocdInstances} Argo CD instances; ${f.offline} offline`,
    );

    // 3. The simulated agents.
    let stopped = false;
    closers.push(async () => {
      stopped = true;
    });
    let rolloutStart: number | null = null;
    const releaseVersion = scenario.release.version;
    // What each client runs, per component, as its agent knows it (a failed apply reverts locally: unchanged).
    const running = new Map<string, Record<string, string>>(
      fleet.map((c) => [c.id, { ...c.previousVersions }]),
    );
    const atMs = () => (rolloutStart === null ? -1 : performance.now() - rolloutStart);
    // Tasks whose apply a simulated agent reported failed (the report shows what the GCC kept of each).
    const failedTaskIds = new Set<string>();
    const timers = new Set<NodeJS.Timeout>();
    closers.push(async () => {
      for (const t of timers) clearTimeout(t);
    });
    const later = (ms: number, fn: () => void) => {
      if (stopped) return;
      const t = setTimeout(() => {
        timers.delete(t);
        if (!stopped) fn();
      }, ms);
      timers.add(t);
    };
    const agentFor = (c: SimClient) => {
      const random = seededRandom(seedFor(scenario.seed, c.id));
      const token = agentTokens.get(c.id)!;
      const done = new Set<string>();
      let etag: string | undefined;
      const poll = async (): Promise<void> => {
        if (!isOnline(c, atMs())) return later(pollDelayMs(scenario.agents, random()), poll);
        try {
          const r = await http.call('GET', `/api/v1/clients/${c.id}/updates`, token, { etag });
          if (r.status === 200) {
            etag = r.etag;
            const body = r.body as UpdatesResponse;
            if (body.available && body.update) {
              const key = `${body.update.task_id}#${body.update.attempt}`;
              if (!done.has(key)) return void apply(body.update, key);
            }
          }
        } catch {
          // The GCC is unreachable: try again at the next interval, as the agent's backoff does.
        }
        later(pollDelayMs(scenario.agents, random()), poll);
      };
      const report = (
        u: NonNullable<UpdatesResponse['update']>,
        status: 'in_progress' | 'success' | 'failed',
        message: string,
      ) =>
        http.call('POST', `/api/v1/clients/${c.id}/status`, token, {
          body: { task_id: u.task_id, attempt: u.attempt, status, message, agent_version: AGENT_VERSION },
        });
      const stageOf = async (taskId: string): Promise<number | null> => {
        const r = await http.call('GET', `/api/v1/clients/${c.id}/tasks?limit=20`, adminToken);
        const items = (r.body as { items?: Task[] } | undefined)?.items ?? [];
        return items.find((t) => t.id === taskId)?.stage ?? null;
      };
      const apply = async (u: NonNullable<UpdatesResponse['update']>, key: string) => {
        // The whole offer, as the agent applies it: every component of a set as one change.
        const set: Update['components'] = u.components?.length
          ? u.components
          : [
              {
                component: u.component,
                version: u.version,
                image_url: u.image_url,
                image_digest: u.image_digest ?? null,
                previous_version: u.previous_version,
                helm_parameter: u.helm_parameter,
              },
            ];
        const spell = set.map((x) => `${x.component} ${x.version}`).join(', ');
        try {
          await report(u, 'in_progress', `Applying ${spell}.`);
          await sleep(c.applyMs);
          if (stopped) return;
          // Gone dark mid-apply: no report; the lease runs out and the GCC times the attempt out.
          if (!isOnline(c, atMs())) return later(pollDelayMs(scenario.agents, random()), poll);
          const isRelease =
            u.type === 'update' && set.every((x) => releaseVersions[x.component] === x.version);
          const stage =
            isRelease && Object.keys(c.stageFailRates).length > 0 ? await stageOf(u.task_id) : null;
          const fails = isRelease && applyFails(c, stage, random());
          // A set fails as a whole: the agent returns every component to its previous version locally and says
          // which one never became healthy.
          const failing = set.find((x) => x.component === c.failComponent) ?? set[0]!;
          const r = await report(
            u,
            fails ? 'failed' : 'success',
            fails
              ? set.length > 1
                ? `${failing.component} ${failing.version} did not become healthy (simulated); reverted ${set.map((x) => `${x.component} to ${x.previous_version ?? 'its previous version'}`).join(', ')} locally.`
                : `${u.component} ${u.version} did not become healthy (simulated).`
              : `${spell} ${set.length > 1 ? 'are' : 'is'} healthy.`,
          );
          done.add(key);
          if (fails && r.status === 200) failedTaskIds.add(u.task_id);
          if (!fails && r.status === 200) {
            const now = running.get(c.id)!;
            for (const x of set) now[x.component] = x.version;
          }
          etag = undefined;
        } catch {
          // A lost report: the next poll offers the same attempt again (or the lease runs out).
        }
        later(50, poll);
      };
      return poll;
    };
    for (const c of fleet) {
      if (c.offline) continue;
      const poll = agentFor(c);
      const first = seededRandom(seedFor(scenario.seed, `${c.id}#first-poll`))();
      later(Math.round(first * scenario.agents.poll_interval_seconds * 1000), poll);
    }

    // Waits for a deployment to end, sampling it (and its rollback) for the chart.
    const samples: Sample[] = [];
    // Clients that go dark and come back: while one may still return, overdue tasks are not the end.
    const lastReturnMs = Math.max(0, ...fleet.map((c) => (c.offline ? 0 : (c.offlineUntilMs ?? 0))));
    const limitMs = scenario.limits.duration_seconds * 1000;
    const watch = async (
      id: string,
      o: { sample: boolean; label: string },
    ): Promise<{ deployment: Deployment; rollback: Deployment | null; end: SimEnd }> => {
      let rollback: Deployment | null = null;
      let lastLine = '';
      let lastShown = 0;
      const since = o.sample && rolloutStart !== null ? rolloutStart : performance.now();
      for (;;) {
        const d = await admin.deployments.get(id);
        const t = performance.now() - since;
        if (o.sample)
          samples.push({ t_ms: Math.round(t), deployment: 'update', counts: { ...d.task_counts } });
        if (d.status === 'rolling_back' || d.status === 'rolled_back') {
          if (!rollback) {
            const page = await admin.deployments.list({ limit: 100 });
            rollback = page.items.find((x) => x.rollback_of === id) ?? null;
          } else rollback = await admin.deployments.get(rollback.id);
          if (rollback && o.sample)
            samples.push({
              t_ms: Math.round(t),
              deployment: 'rollback',
              counts: { ...rollback.task_counts },
            });
        }
        const active = d.stages.findIndex(
          (s) => s.status === 'running' || s.status === 'holding' || s.status === 'waiting',
        );
        const line = `${o.label} ${d.status}${active >= 0 ? ` (stage ${active + 1}/${d.stages.length})` : ''}: ${countsLine(d.task_counts)}${rollback ? ` | rollback ${rollback.status}: ${countsLine(rollback.task_counts)}` : ''}`;
        if (line !== lastLine && performance.now() - lastShown > 2000) {
          progress(`[${(t / 1000).toFixed(0).padStart(4)} s] ${line}`);
          lastLine = line;
          lastShown = performance.now();
        }
        const stagesDone =
          d.stages.length > 0 && d.stages.every((s) => s.status === 'succeeded' || s.status === 'failed');
        const open = TASK_STATUSES.filter(
          (s) => !isTaskStatusIn(FINISHED_TASK_STATUSES, s) && s !== 'overdue',
        );
        const onlyOffline = open.every((s) => d.task_counts[s] === 0);
        if (
          ENDS.includes(d.status) &&
          (d.status !== 'rolled_back' || !rollback || ENDS.includes(rollback.status))
        )
          return { deployment: d, rollback, end: 'ended' };
        const returning = o.sample && t < lastReturnMs + 2 * scenario.agents.poll_interval_seconds * 1000;
        if (d.status === 'running' && stagesDone && onlyOffline && !returning)
          return { deployment: d, rollback, end: 'only_offline_left' };
        if (signal?.aborted) throw new Error('stopped');
        if (t > limitMs) return { deployment: d, rollback, end: 'time_limit' };
        await sleep(scenario.limits.sample_seconds * 1000, signal);
      }
    };

    const releaseOf = async (component: string, version: string): Promise<Release> => {
      try {
        return await ci.releases.create({
          component,
          version,
          image_url: `registry.wrktalk.com/wrktalk/${component}:${version}`,
        });
      } catch (error) {
        // Against a running GCC the release may exist already (a second run): take it.
        if (!isGccHttpError(error) || error.status !== 409) throw error;
        for await (const r of paginate((cursor) =>
          admin.releases.list({ component, limit: 100, ...(cursor && { cursor }) }),
        ))
          if (r.version === version) return r;
        throw error;
      }
    };

    /** What a deployment of `versions` (component → version, in the release's order) names: one release or a set. */
    const whatOf = async (versions: Record<string, string>) => {
      const rels: Release[] = [];
      for (const m of members) rels.push(await releaseOf(m.component, versions[m.component]!));
      return rels.length === 1 ? { release_id: rels[0]!.id } : { release_ids: rels.map((r) => r.id) };
    };

    // 4. The baseline: each client's previous versions installed through the GCC, so the GCC knows them (for a set,
    // one deployment per distinct previous set, so every client gets its whole previous set in one task).
    const tBaseline = performance.now();
    if (scenario.baseline === 'install') {
      const byVersion = new Map<string, string[]>();
      for (const c of fleet) {
        if (c.offline) continue;
        const key = JSON.stringify(members.map((m) => c.previousVersions[m.component]));
        byVersion.set(key, [...(byVersion.get(key) ?? []), c.id]);
      }
      const ids: string[] = [];
      for (const [key, clients] of byVersion) {
        const versions = JSON.parse(key) as string[];
        const what = await whatOf(Object.fromEntries(members.map((m, i) => [m.component, versions[i]!])));
        for (let i = 0; i < clients.length; i += 10_000) {
          const d = await admin.deployments.create({
            ...what,
            targets: { client_ids: clients.slice(i, i + 10_000) },
            approval: { required: false },
            strategy: {
              stages: [{ kind: 'batch', percent: 100 }],
              stage_fill_seconds: 0,
              max_attempts: 3,
              on_failure: 'pause',
            },
          });
          ids.push(d.id);
        }
      }
      for (const id of ids) {
        const { deployment, end } = await watch(id, { sample: false, label: 'baseline' });
        if (deployment.status !== 'completed' && end !== 'only_offline_left')
          throw new Error(
            `installing the previous versions ended ${deployment.status} (${end}): ${deployment.status_reason ?? ''}`,
          );
      }
      progress(`previous versions installed in ${((performance.now() - tBaseline) / 1000).toFixed(1)} s`);
    }
    const baselineMs = performance.now() - tBaseline;

    // 5. CI's release and the admin's deployment.
    const what = await whatOf(releaseVersions);
    const a = scenario.deployment.approval;
    rolloutStart = performance.now();
    const created = await admin.deployments.create({
      ...what,
      targets: { selector: scenario.deployment.selector },
      approval: {
        required: a.required,
        ...(a.deadline_seconds !== undefined && {
          deadline: new Date(Date.now() + a.deadline_seconds * 1000).toISOString(),
          on_deadline: a.on_deadline,
        }),
      },
      strategy: scenario.deployment.strategy,
    });
    progress(
      `deployment ${created.id}: ${spelled} to ${scenario.deployment.selector} (${targets.length} clients)`,
    );

    // 6. The approvers.
    if (a.required) {
      for (const c of targets) {
        if (c.approval === 'never') continue;
        const token = approverTokens.get(c.id)!;
        later(c.approvalDelayMs, () => {
          void (async () => {
            const pending = await http.call('GET', `/api/v1/clients/${c.id}/pending-approvals`, token);
            const item = (
              (pending.body as { items?: { task_id: string; deployment_id: string }[] })?.items ?? []
            ).find((p) => p.deployment_id === created.id);
            if (!item) return; // too late (expired), or auto-approved
            const base = `/api/v1/clients/${c.id}/pending-approvals/${item.task_id}`;
            if (c.approval === 'reject')
              await http.call('POST', `${base}/reject`, token, {
                body: { rejected_by: `admin@${c.id}.example`, reason: c.rejectReason ?? 'Not now.' },
              });
            else
              await http.call('POST', `${base}/approve`, token, {
                body: { approved_by: `admin@${c.id}.example` },
              });
          })().catch(() => undefined);
        });
      }
    }

    // 7. The rollout, sampled until it ends.
    const { deployment, rollback, end } = await watch(created.id, { sample: true, label: 'rollout' });
    const rolloutMs = performance.now() - rolloutStart;
    const [tasks, rbTasks] = await Promise.all([
      allTasks(admin, deployment.id),
      rollback ? allTasks(admin, rollback.id) : Promise.resolve([]),
    ]);
    const now = new Date();
    const byClient = new Map(tasks.map((t) => [t.client_id, t.status]));
    const fleetById = new Map(fleet.map((c) => [c.id, c]));
    const outcomes: SimReport['outcomes'] = { approve: {}, reject: {}, never: {}, late: {} };
    for (const c of fleet) {
      const status: TaskStatus | 'none' = byClient.get(c.id) ?? 'none';
      const o = outcomes[c.approval as Approval];
      o[status] = (o[status] ?? 0) + 1;
    }
    const counts = countTasks(rbTasks);
    return {
      scenario: {
        name: scenario.name,
        description: scenario.description,
        seed: scenario.seed,
        file: options.scenarioFile ?? null,
      },
      gcc: { mode: gccWhere.mode, url: baseUrl },
      started_at: startedAt.toISOString(),
      fleet: {
        clients: fleet.length,
        targets: f.targets,
        argocd_instances: f.argocdInstances,
        approvals: f.approvals,
        offline: f.offline,
        going_offline: f.goingOffline,
        canaries: f.canaries,
      },
      release: {
        component,
        version: releaseVersion,
        set: scenario.release.set
          ? members.map((m) => ({ component: m.component, version: m.version }))
          : null,
      },
      selector: scenario.deployment.selector,
      strategy: deployment.strategy,
      deployment: { id: deployment.id, status: deployment.status, status_reason: deployment.status_reason },
      rollback: rollback
        ? { id: rollback.id, status: rollback.status, status_reason: rollback.status_reason }
        : null,
      end,
      stages: stageRows(deployment, tasks, now),
      rollback_stages: rollback ? stageRows(rollback, rbTasks, now) : [],
      rollback_tasks: rbTasks.map((t) => {
        const own = fleetById.get(t.client_id)?.previousVersions ?? {};
        const runs = running.get(t.client_id) ?? {};
        return {
          client_id: t.client_id,
          version: t.version,
          status: t.status,
          previous_version: own[component] ?? '',
          running_version: runs[component] ?? '',
          // Every component: what the rollback returned it to, the client's own previous set, and what it runs.
          versions: Object.fromEntries(t.components.map((x) => [x.component, x.version])),
          previous_versions: Object.fromEntries(members.map((m) => [m.component, own[m.component] ?? ''])),
          running_versions: Object.fromEntries(members.map((m) => [m.component, runs[m.component] ?? ''])),
        };
      }),
      outcomes,
      failures: tasks
        .filter((t) => failedTaskIds.has(t.id))
        .map((t) => ({
          client_id: t.client_id,
          stage: t.stage,
          status: t.status,
          message: t.last_message ?? '',
        })),
      updated: [...running.values()].filter((v) => members.every((m) => v[m.component] === m.version)).length,
      rolled_back: counts.success,
      samples,
      http: { requests: http.requests, errors: http.errors, by_status: { ...http.byStatus } },
      timings_ms: {
        register: Math.round(registerMs),
        baseline: Math.round(baselineMs),
        rollout: Math.round(rolloutMs),
        total: Math.round(performance.now() - t0),
      },
    };
  } finally {
    await stopAll();
  }
}
