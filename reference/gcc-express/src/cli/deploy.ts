import type { Deployment, DeploymentCreate, DeploymentPreview } from '@wrktalk/sdk-gcc';
import { type Command, Option } from 'commander';
import { UsageError } from '../cli';
import { type CommandContext, remoteApi } from './context';
import { componentsText, countsText, json, table } from './format';
import { clientListArg, readObjectFile, releaseListArg, textArg, timeArg, versionPairArg } from './parse';
import { type RemoteFlags, withRemoteOptions } from './remote';

/** The flags of `deploy`. */
export interface DeployFlags extends RemoteFlags {
  release?: string[];
  version?: Record<string, string>;
  clients?: string[];
  selector?: string;
  strategy?: string;
  approvalPolicy?: string;
  /** `false` with `--no-approval`. */
  approval?: boolean;
  startAt?: string;
  description?: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * The `POST /api/v1/deployments` body the flags describe. Flag combinations are checked here; the strategy and
 * approval objects are sent as written, for the GCC to validate (it answers every problem at once).
 */
export async function deploymentBodyOf(o: DeployFlags): Promise<DeploymentCreate> {
  const what = (o.release !== undefined ? 1 : 0) + (o.version !== undefined ? 1 : 0);
  if (what !== 1) {
    throw new UsageError(
      what === 0
        ? 'say what to deploy: --release <id> (repeat it for a release set) or --version component=version (repeatable).'
        : 'give --release or --version, not both.',
    );
  }
  if (o.clients === undefined && o.selector === undefined) {
    throw new UsageError('say which clients: --clients a,b and/or --selector key=value.');
  }
  const approvalFile =
    o.approvalPolicy !== undefined ? await readObjectFile('--approval-policy', o.approvalPolicy) : undefined;
  const release =
    o.release === undefined
      ? { versions: o.version! }
      : o.release.length === 1
        ? { release_id: o.release[0]! }
        : { release_ids: o.release };
  return {
    ...release,
    targets: {
      ...(o.clients !== undefined && { client_ids: o.clients }),
      ...(o.selector !== undefined && { selector: o.selector }),
    },
    ...(o.strategy !== undefined && { strategy: await readObjectFile('--strategy', o.strategy) }),
    ...(approvalFile !== undefined && { approval: approvalFile }),
    ...(o.approval === false && { approval: { required: false } }),
    ...(o.startAt !== undefined && { requested_start_time: o.startAt }),
    ...(o.description !== undefined && { description: o.description }),
  } as DeploymentCreate;
}

/** `deploy`: create a deployment (or preview one with `--dry-run`). */
export function registerDeploy(program: Command, ctx: CommandContext): void {
  withRemoteOptions(
    program
      .command('deploy')
      .description(
        'Deploy a release (or a release set) to clients: create a deployment and print its id and stages. ' +
          'With --dry-run, print what it would do (matched clients, planned stages, auto-approvals) and create nothing.',
      )
      .option(
        '--release <id>',
        'a release id; repeat it to deploy a release set (one per component)',
        releaseListArg,
      )
      .option(
        '--version <component=version>',
        'a registered release by version; repeatable (a set)',
        versionPairArg,
      )
      .option('--clients <ids>', 'target clients, comma separated (repeatable)', clientListArg)
      .option('--selector <selector>', 'target the clients matching this label selector, e.g. tier=premium')
      .option('--strategy <file>', "the rollout strategy: a JSON or YAML file with the API's Strategy object")
      .option(
        '--approval-policy <file>',
        "the approval policy: a JSON or YAML file with the API's ApprovalPolicy object",
      )
      .addOption(
        new Option('--no-approval', 'clients need not approve (approval.required: false)').conflicts(
          'approvalPolicy',
        ),
      )
      .option('--start-at <time>', 'queue nothing before this RFC 3339 time', timeArg)
      .option('--description <text>', 'why (shown with the deployment)', textArg(1000))
      .option('--dry-run', 'preview: validate and plan, create nothing')
      .option('--json', 'print the deployment (or the preview) as JSON'),
  ).action(async (o: DeployFlags) => {
    const body = await deploymentBodyOf(o);
    if (o.dryRun) {
      const preview = await remoteApi(ctx, o, (api) => api.deployments.preview(body));
      ctx.stdout(o.json ? json(preview) : describePreview(preview));
      return;
    }
    const d = await remoteApi(ctx, o, (api) => api.deployments.create(body));
    ctx.stdout(o.json ? json(d) : describeCreated(d));
  });
}

function describePreview(p: DeploymentPreview): string {
  const sample = p.sample.map((c) => c.id).join(', ');
  const more = p.matched > p.sample.length ? `, … (${p.matched - p.sample.length} more)` : '';
  return (
    `Dry run: nothing was created.\n` +
    `Clients:        ${p.matched} matched: ${sample}${more}\n` +
    `Approval:       ${p.approval.required ? 'required' : 'not required'}; ${p.auto_approved} of ${p.matched} approved at once\n` +
    `Planned stages (if every client approves):\n` +
    table(
      ['STAGE', 'KIND', 'CLIENTS', 'WAIT AFTER'],
      p.stages.map((s) => [
        `${s.index + 1}/${p.stages.length}`,
        s.kind,
        String(s.size),
        `${s.wait_seconds}s`,
      ]),
    )
  );
}

/** What `deploy` prints: the id, what goes where, the stages. */
export function describeCreated(d: Deployment): string {
  const total = Object.values(d.task_counts).reduce((a, b) => a + b, 0);
  return (
    `Created deployment ${d.id}: ${componentsText(d)} to ${total} client(s), status ${d.status}.\n` +
    stagesTable(d) +
    `Follow it: wrktalk-gcc deployments watch ${d.id}\n`
  );
}

/** The stages of a deployment as a table (planned size, status, tasks by status). */
export function stagesTable(d: Deployment): string {
  if (d.stages.length === 0) return 'No stages planned yet (they are planned as clients approve).\n';
  return table(
    ['STAGE', 'KIND', 'CLIENTS', 'STATUS', 'TASKS'],
    d.stages.map((s) => [
      `${s.index + 1}/${d.stages.length}`,
      s.kind,
      String(s.capacity),
      s.reason ? `${s.status} (${s.reason})` : s.status,
      countsText(s.task_counts),
    ]),
  );
}
