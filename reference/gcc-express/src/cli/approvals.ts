import { userInfo } from 'node:os';
import type { PendingApproval, Task } from '@wrktalk/sdk-gcc';
import type { Command } from 'commander';
import { type CommandContext, remoteApi } from './context';
import { json, table, timeText } from './format';
import { clientIdArg, idArg, textArg, timeArg } from './parse';
import { LIMIT_OPTION, listAll } from './releases';
import { type RemoteFlags, withRemoteOptions } from './remote';

const taskId = idArg('tsk', 'task');

/** Who decides, when `--by` is not given: the local user name (the API records it with the decision). */
function defaultActor(): string {
  try {
    return userInfo().username || 'wrktalk-gcc';
  } catch {
    return 'wrktalk-gcc';
  }
}

/** `approvals list|approve|reject`: a client's decisions, with its approver token (or an admin token). */
export function registerApprovals(program: Command, ctx: CommandContext): void {
  const approvals = program
    .command('approvals')
    .alias('approval')
    .description("A client's pending updates and its decisions; approver token of that client (or admin).");

  withRemoteOptions(
    approvals
      .command('list')
      .description('List the updates waiting for the client to approve or reject.')
      .requiredOption('--client <id>', 'the client', clientIdArg)
      .option(...LIMIT_OPTION)
      .option('--json', 'print the pending approvals as a JSON array'),
  ).action(async (o: RemoteFlags & { client: string; limit?: number; json?: boolean }) => {
    const items = await remoteApi(ctx, o, (api) =>
      listAll(o.limit, (cursor, limit) => api.approvals.listPending(o.client, { cursor, limit })),
    );
    if (o.json) return ctx.stdout(json(items));
    ctx.stdout(pendingTable(items));
  });

  withRemoteOptions(
    approvals
      .command('approve')
      .description('Approve an update for the client, optionally not before a time.')
      .argument('<task-id>', 'tsk-… (from `approvals list`)', taskId)
      .requiredOption('--client <id>', 'the client', clientIdArg)
      .option('--by <name>', 'who approves, e.g. an e-mail (default: the local user name)', textArg(256))
      .option('--start-at <time>', 'do not start before this RFC 3339 time', timeArg)
      .option('--json', 'print the task as JSON'),
  ).action(
    async (
      id: string,
      o: RemoteFlags & { client: string; by?: string; startAt?: string; json?: boolean },
    ) => {
      const t = await remoteApi(ctx, o, (api) =>
        api.approvals.approve(o.client, id, {
          approved_by: o.by ?? defaultActor(),
          ...(o.startAt !== undefined && { requested_start_time: o.startAt }),
        }),
      );
      ctx.stdout(o.json ? json(t) : decided(t, 'Approved'));
    },
  );

  withRemoteOptions(
    approvals
      .command('reject')
      .description('Reject an update for the client; its agent will never run it.')
      .argument('<task-id>', 'tsk-… (from `approvals list`)', taskId)
      .requiredOption('--client <id>', 'the client', clientIdArg)
      .requiredOption('--reason <text>', 'why (shown to the admins)', textArg(1000))
      .option('--by <name>', 'who rejects, e.g. an e-mail (default: the local user name)', textArg(256))
      .option('--json', 'print the task as JSON'),
  ).action(
    async (id: string, o: RemoteFlags & { client: string; reason: string; by?: string; json?: boolean }) => {
      const t = await remoteApi(ctx, o, (api) =>
        api.approvals.reject(o.client, id, { rejected_by: o.by ?? defaultActor(), reason: o.reason }),
      );
      ctx.stdout(o.json ? json(t) : decided(t, 'Rejected'));
    },
  );
}

function decided(t: Task, verb: string): string {
  const start = t.requested_start_time ? `, not before ${timeText(t.requested_start_time)}` : '';
  return `${verb} ${t.id} (${t.components.map((c) => `${c.component} ${c.version}`).join(' + ')}) for ${t.client_id}: now ${t.status}${start}.\n`;
}

function pendingTable(items: PendingApproval[]): string {
  return table(
    ['TASK', 'DEPLOYMENT', 'UPDATE', 'REQUESTED', 'DEADLINE'],
    items.map((p) => [
      p.task_id,
      p.deployment_id,
      p.components.map((c) => `${c.component} ${c.previous_version ?? '?'} → ${c.version}`).join(', '),
      timeText(p.requested_at),
      p.deadline ? `${timeText(p.deadline)} (then ${p.on_deadline.replace('_', '-')})` : '-',
    ]),
  );
}
