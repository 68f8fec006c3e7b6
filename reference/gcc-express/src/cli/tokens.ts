import { type GccClient, paginate, type TokenCreate } from '@wrktalk/sdk-gcc';
import { type Command, Option } from 'commander';
import { UsageError } from '../cli';
import { type CommandContext, eitherApi, remoteApi } from './context';
import { json } from './format';
import { clientIdArg, countArg, idArg, textArg } from './parse';
import { PAGE_LIMIT } from './releases';
import { type RemoteFlags, wantsRemote, withRemoteOptions } from './remote';

/** The longest token TTL (gcc-core's limit): 10 years. */
const MAX_TTL_SECONDS = 315_360_000;

/** A token as `tokens issue` and `tokens rotate` print it. */
export interface IssuedToken {
  id: string;
  role: 'agent' | 'approver' | 'admin' | 'ci';
  client_id: string | null;
  name: string | null;
  token: string;
  expires_at: string | null;
}

/** `tokens issue` over the API (`--server`): client tokens only, the API issues no admin or ci token. */
export async function issueOverApi(
  ctx: CommandContext,
  o: RemoteFlags & {
    role: IssuedToken['role'];
    client?: string;
    description?: string;
    ttlSeconds?: number;
    expiresAt?: Date;
  },
): Promise<IssuedToken> {
  if (o.role !== 'agent' && o.role !== 'approver') {
    throw new UsageError(
      `the API issues agent and approver tokens only; ${o.role} tokens are configured (GCC_ADMIN_TOKEN, ` +
        'GCC_CI_TOKEN) or issued on the GCC host with `tokens issue` without --server.',
    );
  }
  const role = o.role;
  return remoteApi(ctx, o, (api) => createClientToken(api, o.client!, { ...o, role }));
}

/** `POST /clients/{id}/tokens` as `tokens issue` prints it, over the API or through the admin API on the GCC host. */
export async function createClientToken(
  api: GccClient,
  clientId: string,
  o: { role: 'agent' | 'approver'; description?: string; ttlSeconds?: number; expiresAt?: Date },
): Promise<IssuedToken> {
  const t = await api.clients.createToken(clientId, {
    role: o.role,
    ...(o.description !== undefined && { description: o.description }),
    ...(o.ttlSeconds !== undefined && { ttl_seconds: o.ttlSeconds }),
    ...(o.expiresAt !== undefined && { expires_at: o.expiresAt.toISOString() }),
  });
  return {
    id: t.id,
    role: o.role,
    client_id: t.client_id,
    name: null,
    token: t.token,
    expires_at: t.expires_at ?? null,
  };
}

/**
 * `tokens revoke` over the API (`--server`/GCC_URL): with `--client`, `DELETE /clients/{id}/tokens/{token_id}`, which
 * revokes only a token of that client; without, `DELETE /tokens/{token_id}`, any issued token (admin and ci ones
 * too). Resolves false when the command should revoke on the database (no server given).
 */
export async function revokeOverApi(
  ctx: CommandContext,
  id: string,
  o: RemoteFlags & { client?: string },
): Promise<boolean> {
  if (o.client === undefined) {
    if (!wantsRemote(o, ctx.env)) return false;
    await remoteApi(ctx, o, (api) => api.auth.revokeToken(id));
    return true;
  }
  await eitherApi(ctx, o, (api) => api.clients.revokeToken(o.client!, id));
  return true;
}

/** What the audit log knows of a client token: its role and lifetime from `token.create`, and a revocation. */
export interface TokenRecord {
  role: 'agent' | 'approver';
  /** Seconds from issue to expiry; null: valid until revoked. */
  ttlSeconds: number | null;
  revoked: boolean;
}

/**
 * The audit log's record of `tokenId` of `clientId` (the API never returns a token's secret or description; the
 * `token.create` entry keeps its role and expiry), or undefined when it has none (never issued, or older than
 * `GCC_AUDIT_RETENTION_DAYS`).
 */
export async function tokenRecordOf(
  api: GccClient,
  clientId: string,
  tokenId: string,
): Promise<TokenRecord | undefined> {
  let revoked = false;
  for await (const e of paginate((cursor) =>
    api.audit.list({ client_id: clientId, cursor, limit: PAGE_LIMIT }),
  )) {
    if (e.subject_type !== 'token' || e.subject_id !== tokenId) continue;
    if (e.action === 'token.revoke') revoked = true;
    if (e.action !== 'token.create') continue;
    const role = e.after?.role;
    if (role !== 'agent' && role !== 'approver') return undefined;
    const expires = typeof e.after?.expires_at === 'string' ? Date.parse(e.after.expires_at) : Number.NaN;
    const ttl = Number.isNaN(expires) ? null : Math.max(1, Math.round((expires - Date.parse(e.at)) / 1000));
    return { role, ttlSeconds: ttl, revoked };
  }
  return undefined;
}

/** `tokens rotate`: issue a successor of a client token, print it once, then revoke the old one (unless kept). */
export function registerTokenRotate(tokens: Command, ctx: CommandContext): void {
  withRemoteOptions(
    tokens
      .command('rotate')
      .description(
        'Replace a client token: issue a new one with the same role and validity period, print it once, then ' +
          'revoke the old one; with --keep-old the old one stays valid (a staged roll: deploy the new one, then ' +
          '`tokens revoke` the old). The role comes from the audit log; --role when it no longer has the token.',
      )
      .argument('<token-id>', 'the token to replace (tok-…)', idArg('tok', 'token'))
      .requiredOption('--client <id>', 'the client the token belongs to', clientIdArg)
      .addOption(
        new Option('--role <role>', 'its role, when the audit log no longer has it').choices([
          'agent',
          'approver',
        ]),
      )
      .option(
        '--description <text>',
        'what the new token is for (default: "rotation of <token-id>"; the API does not return the old one\'s)',
        textArg(200),
      )
      .option(
        '--ttl-seconds <n>',
        "the new token's lifetime (default: the old one's validity period, if it had one)",
        countArg(MAX_TTL_SECONDS),
      )
      .option('--keep-old', 'do not revoke the old token (revoke it later with `tokens revoke`)')
      .option('--json', 'print {id, role, client_id, token, expires_at, replaces, old_token} as JSON'),
  ).action(
    async (
      oldId: string,
      o: RemoteFlags & {
        client: string;
        role?: 'agent' | 'approver';
        description?: string;
        ttlSeconds?: number;
        keepOld?: boolean;
        json?: boolean;
      },
    ) => {
      await eitherApi(ctx, o, async (api) => {
        const record = await tokenRecordOf(api, o.client, oldId);
        if (record?.revoked) {
          throw new UsageError(
            `token ${oldId} of client ${o.client} is revoked already: issue a new one with \`tokens issue\`.`,
          );
        }
        if (record && o.role && record.role !== o.role) {
          throw new UsageError(`token ${oldId} is an ${record.role} token, not ${o.role}.`);
        }
        const role = o.role ?? record?.role;
        if (role === undefined) {
          throw new UsageError(
            `the audit log has no token ${oldId} of client ${o.client} (not issued to it, or older than the ` +
              'audit retention); check the id, or give --role agent|approver.',
          );
        }
        const ttl = o.ttlSeconds ?? record?.ttlSeconds ?? undefined;
        const body: TokenCreate = {
          role,
          description: o.description ?? `rotation of ${oldId}`,
          ...(ttl !== undefined && { ttl_seconds: Math.min(ttl, MAX_TTL_SECONDS) }),
        };
        const t = await api.clients.createToken(o.client, body);
        const issued = {
          id: t.id,
          role,
          client_id: t.client_id,
          token: t.token,
          expires_at: t.expires_at ?? null,
          replaces: oldId,
        };
        if (!o.json) {
          const until = issued.expires_at ? `, valid until ${issued.expires_at}` : '';
          ctx.stderr(
            `Issued ${role} token ${t.id} for client ${o.client}${until}, replacing ${oldId}. ` +
              'It is shown only now; store it:\n',
          );
          ctx.stdout(`${t.token}\n`);
        }
        let oldToken: 'revoked' | 'kept' = 'kept';
        if (!o.keepOld) {
          try {
            await api.clients.revokeToken(o.client, oldId);
            oldToken = 'revoked';
          } catch (error) {
            // The new secret is printed whatever happens: it is valid, and it is never shown again.
            if (o.json) ctx.stdout(json({ ...issued, old_token: oldToken }));
            ctx.stderr(
              `The new token ${t.id} is valid, but the old token ${oldId} was not revoked (see below); revoke it:\n` +
                `  wrktalk-gcc tokens revoke ${oldId} --client ${o.client}\n`,
            );
            throw error;
          }
        }
        if (o.json) ctx.stdout(json({ ...issued, old_token: oldToken }));
        ctx.stderr(
          oldToken === 'revoked'
            ? `Revoked the old token ${oldId}: it is refused from now on.\n`
            : `Kept the old token ${oldId} valid (--keep-old). Once everything uses ${t.id}, revoke it:\n` +
                `  wrktalk-gcc tokens revoke ${oldId} --client ${o.client}\n`,
        );
      });
    },
  );
}
