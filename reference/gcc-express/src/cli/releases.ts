import { type Page, paginate, type Release } from '@wrktalk/sdk-gcc';
import type { Command } from 'commander';
import { type CommandContext, remoteApi } from './context';
import { fields, json, table, timeText } from './format';
import { componentArg, countArg, idArg, keyValueArg, textArg } from './parse';
import { type RemoteFlags, withRemoteOptions } from './remote';

/** The API's largest page. */
export const PAGE_LIMIT = 500;

/**
 * Every item of a list, page by page, up to `limit` (all when undefined): the CLI lists what there is, as
 * `kubectl get` does, and `--limit` bounds it.
 */
export async function listAll<T>(
  limit: number | undefined,
  page: (cursor: string | undefined, limit: number) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  const size = Math.min(limit ?? PAGE_LIMIT, PAGE_LIMIT);
  for await (const item of paginate((cursor) => page(cursor, size))) {
    items.push(item);
    if (limit !== undefined && items.length >= limit) break;
  }
  return items;
}

/** `--limit <n>`: at most this many items. */
export const LIMIT_OPTION = [
  '--limit <n>',
  'list at most this many (default: all)',
  countArg(1_000_000),
] as const;

/** `releases list|get|register`. */
export function registerReleases(program: Command, ctx: CommandContext): void {
  const releases = program
    .command('releases')
    .alias('release')
    .description('Releases CI recorded (an image of a component at a version); admin or ci token.');

  withRemoteOptions(
    releases
      .command('list')
      .description('List releases, newest first.')
      .option('--component <name>', 'only this component', componentArg)
      .option(...LIMIT_OPTION)
      .option('--json', 'print the releases as a JSON array'),
  ).action(async (o: RemoteFlags & { component?: string; limit?: number; json?: boolean }) => {
    const items = await remoteApi(ctx, o, (api) =>
      listAll(o.limit, (cursor, limit) =>
        api.releases.list({ ...(o.component && { component: o.component }), cursor, limit }),
      ),
    );
    if (o.json) return ctx.stdout(json(items));
    ctx.stdout(
      table(
        ['ID', 'COMPONENT', 'VERSION', 'CREATED', 'BY', 'IMAGE'],
        items.map((r) => [r.id, r.component, r.version, timeText(r.created_at), r.created_by, r.image_url]),
      ),
    );
  });

  withRemoteOptions(
    releases
      .command('get')
      .description('Show one release.')
      .argument('<release-id>', 'rel-…', idArg('rel', 'release'))
      .option('--json', 'print the release as JSON'),
  ).action(async (id: string, o: RemoteFlags & { json?: boolean }) => {
    const r = await remoteApi(ctx, o, (api) => api.releases.get(id));
    ctx.stdout(o.json ? json(r) : describeRelease(r));
  });

  withRemoteOptions(
    releases
      .command('register')
      .description(
        'Record an image CI pushed (for CI: a ci token). Posting the same component and version again with the ' +
          'same image is fine and answers the existing release.',
      )
      .requiredOption('--component <name>', 'the component, e.g. backend', componentArg)
      .requiredOption('--version <tag>', 'the version: the image tag (or sha256: digest)', textArg(200))
      .requiredOption(
        '--image <ref>',
        'the image reference carrying that version, e.g. registry/backend:1.4.2',
      )
      .option('--digest <sha256:…>', "the image's content digest (agents then deploy repository@digest)")
      .option(
        '--metadata <key=value>',
        'release information (commit, notes, pipeline URL); repeatable',
        keyValueArg,
      )
      .option('--json', 'print the release as JSON'),
  ).action(
    async (
      o: RemoteFlags & {
        component: string;
        version: string;
        image: string;
        digest?: string;
        metadata?: Record<string, string>;
        json?: boolean;
      },
    ) => {
      const r = await remoteApi(ctx, o, (api) =>
        api.releases.create({
          component: o.component,
          version: o.version,
          image_url: o.image,
          ...(o.digest !== undefined && { image_digest: o.digest }),
          ...(o.metadata !== undefined && { metadata: o.metadata }),
        }),
      );
      ctx.stdout(o.json ? json(r) : `Registered release ${r.id} (${r.component} ${r.version}).\n`);
    },
  );
}

function describeRelease(r: Release): string {
  return fields([
    ['ID', r.id],
    ['Component', r.component],
    ['Version', r.version],
    ['Image', r.image_url],
    ['Digest', r.image_digest ?? '-'],
    ['Created', `${timeText(r.created_at)} by ${r.created_by}`],
    ['Metadata', Object.keys(r.metadata).length > 0 ? JSON.stringify(r.metadata) : '-'],
  ]);
}
