import type { Command } from 'commander';
import { type CommandContext, remoteApi } from './context';
import { fields, json, timeText } from './format';
import { type RemoteFlags, remoteOf, withRemoteOptions } from './remote';

/** `whoami`: what the token in use is (`GET /api/v1/whoami`), to check GCC_URL and GCC_TOKEN before anything else. */
export function registerWhoami(program: Command, ctx: CommandContext): void {
  withRemoteOptions(
    program
      .command('whoami')
      .description('Show what the token is to the GCC: role, client or name, token id, expiry.')
      .option('--json', 'print it as JSON'),
  ).action(async (o: RemoteFlags & { json?: boolean }) => {
    const me = await remoteApi(ctx, o, (api) => api.auth.whoami());
    if (o.json) return ctx.stdout(json(me));
    ctx.stdout(
      fields([
        ['Server', remoteOf(o, ctx.env).url],
        ['Role', me.role],
        [me.client_id ? 'Client' : 'Name', me.client_id ?? me.name ?? '-'],
        ['Token id', me.token_id ?? '- (a secret configured on the GCC)'],
        ['Expires', me.expires_at ? timeText(me.expires_at) : 'never (valid until revoked)'],
      ]),
    );
  });
}
