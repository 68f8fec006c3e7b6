import { DEPLOYMENT_STATUSES, TASK_STATUSES } from '@wrktalk/rollout-planner';
import type { Deployment, DeploymentStatus, RollbackRequest, Task, TaskStatus } from '@wrktalk/sdk-gcc';
import { type Command, Option } from 'commander';
import { UsageError } from '../cli';
import { type CommandContext, remoteApi } from './context';
import { stagesTable } from './deploy';
import { componentsText, countsText, fields, json, table, timeText, totalOf } from './format';
import { clientIdArg, clientListArg, countArg, durationArg, idArg, intervalArg, textArg } from './parse';
import { LIMIT_OPTION, listAll } from './releases';
import { type RemoteFlags, withRemoteOptions } from './remote';
import { untilInterrupted, watchDeployment } from './watch';

/** Default poll interval of `deployments watch`. */
export const WATCH_INTERVAL = '2s';

const deploymentId = idArg('dpl', 'deployment');

/** `deployments list|get|tasks|watch|pause|resume|abort|rollback`. */
export function registerDeployments(program: Command, ctx: CommandContext): void {
  const deployments = program
    .command('deployments')
    .alias('deployment')
    .description('Deployments (rollouts and rollbacks): list, inspect, follow and steer them; admin token.');

  withRemoteOptions(
    deployments
      .command('list')
      .description('List deployments, newest first.')
      .addOption(
        new Option('--status <status>', 'only deployments in this status').choices([...DEPLOYMENT_STATUSES]),
      )
      .option(...LIMIT_OPTION)
      .option('--json', 'print the deployments as a JSON array'),
  ).action(async (o: RemoteFlags & { status?: DeploymentStatus; limit?: number; json?: boolean }) => {
    const items = await remoteApi(ctx, o, (api) =>
      listAll(o.limit, (cursor, limit) =>
        api.deployments.list({ ...(o.status && { status: o.status }), cursor, limit }),
      ),
    );
    if (o.json) return ctx.stdout(json(items));
    ctx.stdout(
      table(
        ['ID', 'TYPE', 'RELEASE', 'STATUS', 'SUCCEEDED', 'CREATED'],
        items.map((d) => [
          d.id,
          d.type,
          componentsText(d),
          d.status,
          `${d.task_counts.success}/${totalOf(d.task_counts)}`,
          timeText(d.created_at),
        ]),
      ),
    );
  });

  withRemoteOptions(
    deployments
      .command('get')
      .description('Show a deployment: status, stages and task counts.')
      .argument('<deployment-id>', 'dpl-…', deploymentId)
      .option('--json', 'print the deployment as JSON'),
  ).action(async (id: string, o: RemoteFlags & { json?: boolean }) => {
    const d = await remoteApi(ctx, o, (api) => api.deployments.get(id));
    ctx.stdout(o.json ? json(d) : describeDeployment(d));
  });

  withRemoteOptions(
    deployments
      .command('tasks')
      .description("List a deployment's tasks (one per client), by client id.")
      .argument('<deployment-id>', 'dpl-…', deploymentId)
      .addOption(new Option('--status <status>', 'only tasks in this status').choices([...TASK_STATUSES]))
      .option('--client <id>', "only this client's task", clientIdArg)
      .option('--stage <n>', 'only tasks of this stage (1 is the first)', countArg(1000))
      .option(...LIMIT_OPTION)
      .option('--json', 'print the tasks as a JSON array'),
  ).action(
    async (
      id: string,
      o: RemoteFlags & {
        status?: TaskStatus;
        client?: string;
        stage?: number;
        limit?: number;
        json?: boolean;
      },
    ) => {
      const items = await remoteApi(ctx, o, (api) =>
        listAll(o.limit, (cursor, limit) =>
          api.deployments.listTasks(id, {
            ...(o.status && { status: o.status }),
            ...(o.client && { client_id: o.client }),
            ...(o.stage !== undefined && { stage: o.stage - 1 }),
            cursor,
            limit,
          }),
        ),
      );
      if (o.json) return ctx.stdout(json(items));
      ctx.stdout(tasksTable(items));
    },
  );

  withRemoteOptions(
    deployments
      .command('watch')
      .description(
        'Follow a deployment until it ends: per-stage progress (tasks by status) redrawn on a terminal, a line ' +
          'per change otherwise. Exit 0 when it completes; 1 when it failed, was aborted or rolled back (or on ' +
          '--timeout); 130 when stopped with Ctrl-C (the deployment goes on).',
      )
      .argument('<deployment-id>', 'dpl-…', deploymentId)
      .option(
        '--interval <duration>',
        'time between polls, e.g. 500ms, 2s',
        intervalArg,
        intervalArg(WATCH_INTERVAL),
      )
      .option('--timeout <duration>', 'give up (exit 1) after this long, e.g. 30m', durationArg)
      .option('--json', 'print the deployment as one JSON object per line at every change (NDJSON)'),
  ).action(async (id: string, o: RemoteFlags & { interval: number; timeout?: number; json?: boolean }) => {
    const code = await remoteApi(ctx, o, (api) =>
      untilInterrupted(ctx.interrupt, (signal) =>
        watchDeployment(api, id, {
          intervalMs: o.interval,
          timeoutMs: o.timeout,
          mode: o.json ? 'json' : ctx.tty ? 'tty' : 'log',
          signal,
          stdout: ctx.stdout,
          stderr: ctx.stderr,
        }),
      ),
    );
    ctx.setExitCode(code);
  });

  const verbs = {
    pause: ['Pause a running deployment: nothing new is released; tasks in progress finish.', 'Paused'],
    resume: ['Resume a paused deployment.', 'Resumed'],
    abort: [
      'Abort a deployment: tasks not started are cancelled, tasks in progress finish, nothing is rolled back.',
      'Aborted',
    ],
  } as const;
  for (const [verb, [description, done]] of Object.entries(verbs) as [
    keyof typeof verbs,
    (typeof verbs)[keyof typeof verbs],
  ][]) {
    withRemoteOptions(
      deployments
        .command(verb)
        .description(description)
        .argument('<deployment-id>', 'dpl-…', deploymentId)
        .option('--json', 'print the deployment as JSON'),
    ).action(async (id: string, o: RemoteFlags & { json?: boolean }) => {
      const d = await remoteApi(ctx, o, (api) => api.deployments[verb](id));
      ctx.stdout(o.json ? json(d) : `${done} deployment ${d.id}: now ${d.status}.\n`);
    });
  }

  withRemoteOptions(
    deployments
      .command('rollback')
      .description(
        'Roll a deployment back: a rollback deployment returns each client of the scope to its own previous ' +
          'version. Scope: failed_stage, deployment, or the clients given with --clients (default: the ' +
          "deployment's strategy.rollback.scope).",
      )
      .argument('<deployment-id>', 'dpl-…', deploymentId)
      .addOption(
        new Option('--scope <scope>', 'which clients go back').choices([
          'failed_stage',
          'deployment',
          'clients',
        ]),
      )
      .option('--clients <ids>', 'these clients (comma separated; implies --scope clients)', clientListArg)
      .option('--reason <text>', 'why (recorded in the audit log)', textArg(1000))
      .option('--json', 'print the rollback deployment as JSON'),
  ).action(
    async (
      id: string,
      o: RemoteFlags & {
        scope?: RollbackRequest['scope'];
        clients?: string[];
        reason?: string;
        json?: boolean;
      },
    ) => {
      if (o.clients !== undefined && o.scope !== undefined && o.scope !== 'clients') {
        throw new UsageError(`--clients goes with --scope clients, not --scope ${o.scope}.`);
      }
      if (o.scope === 'clients' && o.clients === undefined) {
        throw new UsageError('--scope clients needs --clients a,b.');
      }
      const body: RollbackRequest = {
        ...(o.clients !== undefined
          ? { scope: 'clients', client_ids: o.clients }
          : o.scope && { scope: o.scope }),
        ...(o.reason !== undefined && { reason: o.reason }),
      };
      const rb = await remoteApi(ctx, o, (api) => api.deployments.rollback(id, body));
      ctx.stdout(
        o.json
          ? json(rb)
          : `Started rollback ${rb.id} of ${id} (scope ${rb.rollback_scope ?? '-'}, ` +
              `${totalOf(rb.task_counts)} client(s)).\nFollow it: wrktalk-gcc deployments watch ${rb.id}\n`,
      );
    },
  );
}

function describeDeployment(d: Deployment): string {
  return (
    fields([
      ['ID', d.id],
      ['Type', d.rollback_of ? `${d.type} of ${d.rollback_of}` : d.type],
      ['Release', componentsText(d)],
      ['Status', d.status_reason ? `${d.status} (${d.status_reason})` : d.status],
      ...(d.rolled_back_by ? [['Rolled back by', d.rolled_back_by] as const] : []),
      ...(d.rollback_scope ? [['Rollback scope', d.rollback_scope] as const] : []),
      ['Approval', d.approval.required ? 'required' : 'not required'],
      ['Created', `${timeText(d.created_at)} by ${d.created_by}`],
      ['Started', timeText(d.started_at)],
      ['Finished', timeText(d.finished_at)],
      ['Description', d.description ?? '-'],
      ['Tasks', countsText(d.task_counts)],
    ]) + stagesTable(d)
  );
}

function tasksTable(tasks: Task[]): string {
  return table(
    ['TASK', 'CLIENT', 'STAGE', 'STATUS', 'ATTEMPT', 'VERSION', 'MESSAGE'],
    tasks.map((t) => [
      t.id,
      t.client_id,
      t.stage === null ? '-' : String(t.stage + 1),
      t.status,
      String(t.attempt),
      t.components.map((c) => `${c.component} ${c.previous_version ?? '?'} → ${c.version}`).join(', '),
      (t.last_message ?? t.rejected_reason ?? '').replace(/\s+/g, ' ').slice(0, 80),
    ]),
  );
}
