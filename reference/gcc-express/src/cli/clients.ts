import type { Client } from '@wrktalk/sdk-gcc';
import type { Command } from 'commander';
import { type CommandContext, remoteApi } from './context';
import { fields, json, labelsText, table, timeText } from './format';
import { clientIdArg } from './parse';
import { LIMIT_OPTION, listAll } from './releases';
import { type RemoteFlags, withRemoteOptions } from './remote';

/** `clients list|get` (admin token); `clients create` stays in cli.ts, where it began. */
export function registerClientQueries(clients: Command, ctx: CommandContext): void {
  withRemoteOptions(
    clients
      .command('list')
      .description('List clients, by id, optionally those matching a label selector.')
      .option('--selector <selector>', 'a label selector, e.g. tier=premium,region in (eu,us)')
      .option(...LIMIT_OPTION)
      .option('--json', 'print the clients as a JSON array'),
  ).action(async (o: RemoteFlags & { selector?: string; limit?: number; json?: boolean }) => {
    const items = await remoteApi(ctx, o, (api) =>
      listAll(o.limit, (cursor, limit) =>
        api.clients.list({ ...(o.selector !== undefined && { selector: o.selector }), cursor, limit }),
      ),
    );
    if (o.json) return ctx.stdout(json(items));
    ctx.stdout(
      table(
        ['ID', 'NAME', 'KIND', 'LABELS', 'VERSIONS', 'LAST SEEN'],
        items.map((c) => [
          c.id,
          c.name,
          c.target_kind,
          labelsText(c.labels),
          labelsText(c.current_versions),
          timeText(c.last_seen_at),
        ]),
      ),
    );
  });

  withRemoteOptions(
    clients
      .command('get')
      .description('Show one client.')
      .argument('<client-id>', 'the client id', clientIdArg)
      .option('--json', 'print the client as JSON'),
  ).action(async (id: string, o: RemoteFlags & { json?: boolean }) => {
    const c = await remoteApi(ctx, o, (api) => api.clients.get(id));
    ctx.stdout(o.json ? json(c) : describeClient(c));
  });
}

function describeClient(c: Client): string {
  const windows = c.maintenance_windows.map((w) => `${w.days.join(',')} ${w.start}-${w.end}`).join('; ');
  const auto = c.auto_approve.all
    ? 'every update'
    : c.auto_approve.components.length > 0
      ? c.auto_approve.components.join(', ')
      : 'no';
  return fields([
    ['ID', c.id],
    ['Name', c.name],
    ['Target', c.argocd_instance ? `${c.target_kind} (${c.argocd_instance})` : c.target_kind],
    ['Labels', labelsText(c.labels)],
    ['Versions', labelsText(c.current_versions)],
    ['Time zone', c.timezone],
    ['Maintenance', windows || 'any time'],
    ['Auto-approve', auto],
    ['Agent', c.agent_version ? `${c.agent_version}, last seen ${timeText(c.last_seen_at)}` : 'never seen'],
    ['Created', timeText(c.created_at)],
  ]);
}
