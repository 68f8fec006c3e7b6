import type { Command } from 'commander';
import { registerApprovals } from './approvals';
import { registerClientQueries } from './clients';
import { registerCompletion } from './completion';
import type { CommandContext } from './context';
import { registerDeploy } from './deploy';
import { registerDeployments } from './deployments';
import { registerReleases } from './releases';
import { registerTokenRotate } from './tokens';
import { registerWhoami } from './whoami';

export type { CommandContext } from './context';
export { eitherApi, overApi } from './context';
export { packageVersion, rootHelpText } from './help';
export { serverOption, tokenOption, withRemoteOptions } from './remote';
export { createClientToken, type IssuedToken, issueOverApi, revokeOverApi } from './tokens';

/**
 * Adds the commands that talk to a running GCC over its API (`@wrktalk/sdk-gcc`, never the database) to
 * `program`, `clients list|get` and `tokens rotate` to the existing groups, and `completion` last, so that it sees
 * every command.
 */
export function registerApiCommands(
  program: Command,
  groups: { clients: Command; tokens: Command },
  ctx: CommandContext,
): void {
  registerClientQueries(groups.clients, ctx);
  registerTokenRotate(groups.tokens, ctx);
  registerReleases(program, ctx);
  registerDeploy(program, ctx);
  registerDeployments(program, ctx);
  registerApprovals(program, ctx);
  registerWhoami(program, ctx);
  registerCompletion(program, ctx.stdout);
}
