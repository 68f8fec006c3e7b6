import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGcc, type Gcc, migrate, openDatabase } from '@wrktalk/gcc-core';
import { type DeploymentStatus, FINISHED_TASK_STATUSES, isTaskStatusIn } from '@wrktalk/rollout-planner';
import {
  type Agent,
  createAgent,
  createFakeExecutor,
  type FakeExecutor,
  silentLogger,
} from '@wrktalk/sdk-agent';
import {
  createGccClient,
  type Deployment,
  type GccClient,
  isGccHttpError,
  paginate,
  type Task,
  type WireStrategy,
} from '@wrktalk/sdk-gcc';
import { Listr, type ListrRendererValue } from 'listr2';
import pino, { type Logger } from 'pino';
import { lockDataDir } from '../../../reference/gcc-express/src/data-dir-lock';
import { randomToken } from '../../../reference/gcc-express/src/index';
import { DemoTimeoutError } from './errors';
import { buildFleet, COMPONENT, type FleetClient, VERSIONS } from './fleet';
import { type CompiledDemoOptions, compileDemoOptions, type DemoOptions } from './options';
import { seededRandom, seedFor } from './random';
import { SCENARIOS } from './scenarios';
import { consoleBundle, type DemoServer, serveGcc } from './server';
import { countsLine, countTasks, type StageRow, stageRows } from './summary';

/** How the demo shows progress: listr2's live renderer, plain lines (CI, pipes), or nothing (`--json`, tests). */
export type ProgressMode = 'live' | 'plain' | 'silent';

/** One client in the result. */
export interface ClientResult {
  id: string;
  labels: Record<string, string>;
  target_kind: FleetClient['targetKind'];
  behaviour: FleetClient['behaviour'];
  /** The version it ran before the release (its own previous version). */
  previous_version: string | null;
  /** Status of its task in the rollout (`null`: not targeted). */
  task_status: Task['status'] | null;
  /** Stage its task was placed in. */
  stage: number | null;
  rejected_reason: string | null;
  /** What the GCC last heard from its agent (`current_versions`). */
  gcc_version: string | null;
  /** What its (fake) target runs at the end; `null` for the offline client. */
  running_version: string | null;
}

/** What the demo ends with, computed from the GCC's API (and the fake targets' state). */
export interface DemoResult {
  scenario: CompiledDemoOptions['scenario'];
  url: string;
  release: { component: string; version: string };
  selector: string;
  strategy: Deployment['strategy'];
  deployment: { id: string; status: DeploymentStatus; status_reason: string | null };
  rollback: { id: string; status: DeploymentStatus; status_reason: string | null } | null;
  /** Clients whose approvers approved (the offline one included). */
  approved: number;
  stages: StageRow[];
  rollback_stages: StageRow[];
  /** Rollback tasks: each client and the version it was returned to. */
  rollback_tasks: { client_id: string; version: string; status: Task['status'] }[];
  clients: ClientResult[];
  duration_ms: number;
}

/** A running demo: its result, and the server that keeps serving the pages until {@link RunningDemo.stop}. */
export interface RunningDemo {
  result: DemoResult;
  url: string;
  adminToken: string;
  /** Approver tokens by client id (to sign in on `/ct/<id>`). */
  approverTokens: Map<string, string>;
  /** Stops agents, worker, server and database, and removes the data directory. Idempotent. */
  stop(): Promise<void>;
}

const SELECTOR = 'env=prod';
/** Show every line of a task's output (one per stage), and keep it once the task is done. */
const OUTPUT = { outputBar: Number.POSITIVE_INFINITY, persistentOutput: true } as const;
/** Where the demo stops watching a deployment (each is an end, or needs a person). */
const ENDS = [
  'completed',
  'failed',
  'aborted',
  'rolled_back',
  'paused',
] as const satisfies readonly DeploymentStatus[];
const isEnd = (s: DeploymentStatus) => (ENDS as readonly DeploymentStatus[]).includes(s);

async function allTasks(gcc: GccClient, deploymentId: string): Promise<Task[]> {
  const out: Task[] = [];
  for await (const t of paginate((cursor) =>
    gcc.deployments.listTasks(deploymentId, { limit: 500, ...(cursor && { cursor }) }),
  ))
    out.push(t);
  return out;
}

const describeStrategy = (s: WireStrategy) =>
  (s.stages ?? [])
    .map((st) => `${st.kind} ${st.count ?? (st.percent !== undefined ? `${st.percent}%` : 'rest')}`)
    .join(', ');

function stageLine(r: StageRow, tasksOfStage: Partial<Record<Task['status'], number>>): string {
  const name = `${r.deployment === 'rollback' ? 'rollback ' : ''}stage ${r.index + 1} ${r.kind}`.padEnd(22);
  return `${name} ${String(r.placed).padStart(3)}/${String(r.size).padEnd(3)} ${r.status.padEnd(9)} ${countsLine(tasksOfStage)}`;
}

/**
 * Runs the demo: a GCC on a fresh embedded PGlite served over HTTP, a simulated fleet with real agents (fake executor),
 * a release, a staged deployment with approvals, and (in `failing-canary`) the automatic rollback. Resolves once the
 * rollout has ended, with the GCC still serving; call `stop()` to end it.
 */
export async function runDemo(
  options: DemoOptions = {},
  run: {
    /** @default 'silent' */
    mode?: ProgressMode;
    /** Aborting stops everything (Ctrl-C); runDemo then rejects. */
    signal?: AbortSignal;
  } = {},
): Promise<RunningDemo> {
  const o = compileDemoOptions(options);
  const mode = run.mode ?? 'silent';
  const scenario = SCENARIOS[o.scenario];
  const started = Date.now();
  const fleet = buildFleet(o.clients);
  const adminToken = randomToken();
  const ciToken = randomToken();
  const logger: Logger = pino({ level: process.env.WRKTALK_DEMO_LOG_LEVEL ?? 'silent' }, pino.destination(2));

  // Everything opened is closed in reverse order by stop(), also after a failure half-way.
  const closers: (() => Promise<unknown>)[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    })();
    return stopping;
  };

  run.signal?.addEventListener('abort', () => void stop(), { once: true });
  const dir = await mkdtemp(join(tmpdir(), 'wrktalk-demo-'));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  let gcc: Gcc | undefined;
  let server: DemoServer | undefined;
  let admin: GccClient | undefined;
  const approverTokens = new Map<string, string>();
  const executors = new Map<string, FakeExecutor>();
  const agents: Agent[] = [];
  let deployment: Deployment | undefined;
  let rollback: Deployment | undefined;
  let approved = 0;

  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the demo step before this one did not finish');
    return v;
  };

  /**
   * Watches a deployment until it ends, showing one line per stage (only changed lines in plain mode). A rollout whose
   * stages have all finished and whose only open tasks are `overdue` (offline clients: the GCC keeps offering them
   * their update until they return) has ended for the demo too.
   */
  const watch = async (
    id: string,
    task: { output: string; title: string },
    title: (d: Deployment) => string,
  ) => {
    const gccClient = need(admin);
    const deadline = started + o.timeoutMs;
    let shown: string[] = [];
    for (;;) {
      const d = await gccClient.deployments.get(id);
      const tasks = await allTasks(gccClient, id);
      const rows = stageRows(d, tasks, new Date());
      const lines = rows.map((r) => stageLine(r, countTasks(tasks.filter((t) => t.stage === r.index))));
      const t = title(d);
      if (t !== task.title) task.title = t;
      if (mode === 'plain') {
        for (const [i, line] of lines.entries()) if (line !== shown[i]) task.output = line;
      } else if (lines.join('\n') !== shown.join('\n')) {
        task.output = lines.join('\n');
      }
      shown = lines;
      const stagesDone =
        rows.length > 0 && rows.every((r) => r.status === 'succeeded' || r.status === 'failed');
      const onlyOffline = tasks.every(
        (x) => isTaskStatusIn(FINISHED_TASK_STATUSES, x.status) || x.status === 'overdue',
      );
      if (
        isEnd(d.status) ||
        (d.status === 'rolling_back' && d.type === 'update') ||
        (stagesDone && onlyOffline)
      )
        return d;
      if (run.signal?.aborted) throw new Error('stopped');
      if (Date.now() > deadline)
        throw new DemoTimeoutError(`deployment ${id} to end (${d.status})`, o.timeoutMs);
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  const renderer: ListrRendererValue = mode === 'live' ? 'default' : mode === 'plain' ? 'simple' : 'silent';
  const strategy: WireStrategy = scenario.strategy;
  const listr = new Listr(
    [
      {
        title: 'Start the GCC on embedded PostgreSQL (PGlite)',
        rendererOptions: OUTPUT,
        task: async (_, task) => {
          // The data directory is this run's alone; locked all the same, as every opener of a PGlite directory
          // does, so that `wrktalk-gcc` pointed at it is refused instead of writing where the demo never looks.
          const lock = await lockDataDir(join(dir, 'pgdata'), { command: 'wrktalk-demo' });
          closers.push(() => lock.release());
          const [database, bundle] = await Promise.all([
            openDatabase({ dataDir: lock.dir }),
            consoleBundle(),
          ]);
          closers.push(() => database.close());
          await migrate(database);
          gcc = await createGcc({
            database,
            adminToken,
            ciToken,
            logger,
            orchestration: 'worker',
            worker: { pollIntervalMs: 500 },
            runNotifier: false,
          });
          const g = gcc;
          closers.push(() => g.close());
          server = await serveGcc(gcc, logger, {
            host: o.host,
            port: o.port,
            portFallback: o.portFallback,
            bundle,
          });
          const s = server;
          closers.push(() => s.close());
          await lock.announce({ url: s.url });
          admin = createGccClient({ baseUrl: server.url, token: adminToken });
          const busy = server.portFallback
            ? ` (port ${o.port} is in use${server.portHolder ? ` by ${server.portHolder}` : ''}; set PORT or --port to choose one)`
            : '';
          task.title = `GCC on ${server.url}${busy}, PGlite in a temporary directory`;
        },
      },
      {
        title: `Register ${fleet.length} clients (tier, region; Argo CD, Kubernetes, Docker) with agent and approver tokens`,
        rendererOptions: OUTPUT,
        task: async (_, task) => {
          const a = need(admin);
          const url = need(server).url;
          await mkdir(join(dir, 'agents'));
          for (const c of fleet) {
            await a.clients.create({
              id: c.id,
              name: c.name,
              labels: c.labels,
              target_kind: c.targetKind,
              ...(c.argocdInstance && { argocd_instance: c.argocdInstance }),
            });
            approverTokens.set(c.id, (await a.clients.createToken(c.id, { role: 'approver' })).token);
            if (c.behaviour === 'offline') continue; // its agent never starts
            const agentToken = (await a.clients.createToken(c.id, { role: 'agent' })).token;
            const random = seededRandom(seedFor(o.seed, c.id));
            const executor = createFakeExecutor({
              delayMs: Math.round(o.latencyMs * (0.5 + random())),
              // A share of first attempts of the new version fail (the retry succeeds): batches show failures.
              failApply: (ins) =>
                ins.version === VERSIONS.release && ins.attempt === 1 && random() < o.failureRate,
              // failing-canary: the new version comes up unhealthy on the first canary client.
              unhealthyVersions:
                scenario.failCanary && c.id === fleet.find((f) => f.labels.canary === 'true')?.id
                  ? [VERSIONS.release]
                  : [],
            });
            executors.set(c.id, executor);
            const agent = createAgent({
              gcc: { baseUrl: url, token: agentToken },
              clientId: c.id,
              executor,
              stateFile: join(dir, 'agents', `${c.id}.json`),
              components: [COMPONENT],
              pollWaitSeconds: 20,
              minPollIntervalMs: 200,
              backoff: { initialMs: 200, maxMs: 2000 },
              stopGraceMs: 2000,
              logger: silentLogger,
              random,
            });
            agents.push(agent);
          }
          for (const agent of agents) void agent.start().catch(() => undefined);
          closers.push(() => Promise.all(agents.map((agent) => agent.stop())));
          const kinds = countBy(fleet.map((c) => c.targetKind));
          const instances = new Set(fleet.map((c) => c.argocdInstance).filter(Boolean)).size;
          task.title = `Registered ${fleet.length} clients: ${kinds.argocd ?? 0} on ${instances} Argo CD instances, ${kinds.kubernetes ?? 0} Kubernetes, ${kinds.docker ?? 0} Docker; ${agents.length} agents polling`;
        },
      },
      {
        title: `Install the clients' current versions (${VERSIONS.oldBaseline} / ${VERSIONS.baseline}) through the GCC`,
        rendererOptions: OUTPUT,
        task: async (_, task) => {
          // The GCC knows a client's previous version from its deployment history, so the fleet's current versions
          // are installed the same way any version is: a release and a deployment, applied by the agents.
          const ci = createGccClient({ baseUrl: need(server).url, token: ciToken });
          const a = need(admin);
          const ids = await Promise.all(
            [VERSIONS.oldBaseline, VERSIONS.baseline].map(async (version) => {
              const release = await ci.releases.create({
                component: COMPONENT,
                version,
                image_url: `registry.wrktalk.com/wrktalk/${COMPONENT}:${version}`,
              });
              const d = await a.deployments.create({
                release_id: release.id,
                targets: { client_ids: fleet.filter((c) => c.baselineVersion === version).map((c) => c.id) },
                approval: { required: false },
                strategy: {
                  stages: [{ kind: 'batch', percent: 100 }],
                  stage_fill_seconds: 0,
                  max_attempts: 3,
                  on_failure: 'pause',
                },
              });
              return d.id;
            }),
          );
          for (const id of ids) {
            const d = await watch(id, task, () => task.title);
            if (d.status !== 'completed')
              throw new Error(`installing the baseline ended ${d.status}: ${d.status_reason}`);
          }
          task.title = `Clients run their current versions (${VERSIONS.oldBaseline} or ${VERSIONS.baseline}), recorded by the GCC`;
        },
      },
      {
        title: `CI registers release ${COMPONENT} ${VERSIONS.release}; the admin deploys it to ${SELECTOR}`,
        rendererOptions: OUTPUT,
        task: async (_, task) => {
          const ci = createGccClient({ baseUrl: need(server).url, token: ciToken });
          const release = await ci.releases.create({
            component: COMPONENT,
            version: VERSIONS.release,
            image_url: `registry.wrktalk.com/wrktalk/${COMPONENT}:${VERSIONS.release}`,
            metadata: { changelog: 'Faster message sync on reconnect.' },
          });
          // Silent approvers' tasks expire at the deadline (before the canary's soak ends), so later stages are
          // planned over the clients that approved.
          deployment = await need(admin).deployments.create({
            release_id: release.id,
            targets: { selector: SELECTOR },
            approval: {
              required: true,
              deadline: new Date(Date.now() + 2500).toISOString(),
              on_deadline: 'expire',
            },
            strategy,
          });
          task.title = `Release ${COMPONENT} ${VERSIONS.release} → deployment ${deployment.id} for ${SELECTOR} (${deployment.task_counts.pending_approval} clients; ${describeStrategy(strategy)})`;
        },
      },
      {
        title: 'Clients decide in their CT',
        rendererOptions: OUTPUT,
        task: async (_, task) => {
          const d = need(deployment);
          const url = need(server).url;
          const decided = { approved: 0, rejected: 0, silent: 0, late: 0 };
          const show = () => {
            task.output = `approved ${decided.approved} · rejected ${decided.rejected} · no answer ${decided.silent}${decided.late ? ` · too late ${decided.late}` : ''}`;
          };
          await Promise.all(
            fleet.map(async (c) => {
              if (c.behaviour === 'silent') {
                decided.silent++;
                return show();
              }
              const random = seededRandom(seedFor(o.seed + 1, c.id));
              // Canaries answer at once (so the canary stage is theirs), the offline client last, the rest within 1 s.
              const delay =
                c.labels.canary === 'true'
                  ? 0
                  : c.behaviour === 'offline'
                    ? 1200
                    : 100 + Math.round(random() * 900);
              await new Promise((r) => setTimeout(r, delay));
              const approver = createGccClient({ baseUrl: url, token: approverTokens.get(c.id) ?? '' });
              const pending = await approver.approvals.listPending(c.id);
              const p = pending.items.find((i) => i.deployment_id === d.id);
              if (!p) {
                decided.late++;
                return show();
              }
              try {
                if (c.behaviour === 'reject') {
                  await approver.approvals.reject(c.id, p.task_id, {
                    rejected_by: `admin@${c.id}.example`,
                    reason: c.rejectReason ?? 'Not now.',
                  });
                  decided.rejected++;
                } else {
                  await approver.approvals.approve(c.id, p.task_id, { approved_by: `admin@${c.id}.example` });
                  decided.approved++;
                }
              } catch (error) {
                // The deadline passed first: the task expired (409); anything else is a real error.
                if (!isGccHttpError(error) || error.status !== 409) throw error;
                decided.late++;
              }
              show();
            }),
          );
          approved = decided.approved;
          task.title = `Clients decided: ${decided.approved} approved (${fleet.filter((c) => c.behaviour === 'offline').length} of them offline), ${decided.rejected} rejected with a reason, ${decided.silent} never answered`;
        },
      },
      {
        title: 'Rollout',
        rendererOptions: OUTPUT,
        task: async (_, task) => {
          const d = await watch(
            need(deployment).id,
            task,
            (dep) => `Rollout ${dep.id}: ${dep.status} (${countsLine(dep.task_counts)})`,
          );
          deployment = d;
          const overdue = d.task_counts.overdue;
          task.title =
            d.status === 'running' && overdue > 0
              ? `Rollout ${d.id}: every stage finished (${countsLine(d.task_counts)}); it stays running for the ${overdue} offline client(s), whose update is offered until they return`
              : `Rollout ${d.id}: ${d.status}${d.status_reason ? ` (${d.status_reason})` : ''}`;
        },
      },
      {
        title: 'Automatic rollback',
        enabled: () => deployment?.status === 'rolling_back' || deployment?.status === 'rolled_back',
        rendererOptions: OUTPUT,
        task: async (_, task) => {
          const a = need(admin);
          const original = need(deployment);
          const deadline = started + o.timeoutMs;
          for (;;) {
            const page = await a.deployments.list({ limit: 100 });
            rollback = page.items.find((x) => x.rollback_of === original.id);
            if (rollback) break;
            if (Date.now() > deadline)
              throw new DemoTimeoutError(`the rollback of ${original.id}`, o.timeoutMs);
            await new Promise((r) => setTimeout(r, 300));
          }
          rollback = await watch(
            rollback.id,
            task,
            (dep) => `Automatic rollback ${dep.id}: ${dep.status} (${countsLine(dep.task_counts)})`,
          );
          // The original moves to rolled_back once its rollback has finished.
          for (;;) {
            deployment = await a.deployments.get(original.id);
            if (deployment.status !== 'rolling_back' || Date.now() > deadline) break;
            await new Promise((r) => setTimeout(r, 300));
          }
          task.title = `Automatic rollback ${rollback.id}: ${rollback.status}; ${original.id} is ${deployment.status}`;
        },
      },
    ],
    {
      renderer,
      exitOnError: true,
      // Ctrl-C is the caller's (it stops agents, worker, server and database, then exits 0).
      registerSignalListeners: false,
      rendererOptions: { collapseSubtasks: false },
    },
  );

  try {
    await listr.run();
    const a = need(admin);
    const d = need(deployment);
    const [tasks, rbTasks, clients] = await Promise.all([
      allTasks(a, d.id),
      rollback ? allTasks(a, rollback.id) : Promise.resolve([]),
      (async () => {
        const out = new Map<string, Record<string, string>>();
        for await (const c of paginate((cursor) => a.clients.list({ limit: 500, ...(cursor && { cursor }) })))
          out.set(c.id, c.current_versions);
        return out;
      })(),
    ]);
    const byClient = new Map(tasks.map((t) => [t.client_id, t]));
    const now = new Date();
    const result: DemoResult = {
      scenario: o.scenario,
      url: need(server).url,
      release: { component: COMPONENT, version: VERSIONS.release },
      selector: SELECTOR,
      strategy: d.strategy,
      deployment: { id: d.id, status: d.status, status_reason: d.status_reason },
      rollback: rollback
        ? { id: rollback.id, status: rollback.status, status_reason: rollback.status_reason }
        : null,
      approved,
      stages: stageRows(d, tasks, now),
      rollback_stages: rollback ? stageRows(rollback, rbTasks, now) : [],
      rollback_tasks: rbTasks.map((t) => ({ client_id: t.client_id, version: t.version, status: t.status })),
      clients: fleet.map((c) => {
        const t = byClient.get(c.id);
        return {
          id: c.id,
          labels: c.labels,
          target_kind: c.targetKind,
          behaviour: c.behaviour,
          previous_version: c.baselineVersion,
          task_status: t?.status ?? null,
          stage: t?.stage ?? null,
          rejected_reason: t?.rejected_reason ?? null,
          gcc_version: clients.get(c.id)?.[COMPONENT] ?? null,
          running_version: executors.get(c.id)?.running.get(COMPONENT) ?? null,
        };
      }),
      duration_ms: Date.now() - started,
    };
    return { result, url: result.url, adminToken, approverTokens, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
