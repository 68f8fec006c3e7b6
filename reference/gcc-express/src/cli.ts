import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGccClient, type GccClient, isGccHttpError } from '@wrktalk/sdk-gcc';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import {
  type CommandContext,
  createClientToken,
  eitherApi,
  type IssuedToken,
  issueOverApi,
  overApi,
  packageVersion,
  registerApiCommands,
  revokeOverApi,
  rootHelpText,
  serverOption,
  tokenOption,
} from './cli/index';
import { type Config, ConfigError, loadConfig } from './config';
import type { OpenedGcc } from './server';

// The service modules load on demand, so that usage errors and --help answer without opening anything.
const server = () => import('./server');

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Resolves when the service should stop (default: SIGINT or SIGTERM). */
  shutdownSignal?: (logger: Logger) => Promise<string>;
  /** Whether stdout is a terminal, where `deployments watch` redraws (default: process.stdout.isTTY). */
  tty?: boolean;
  /** Aborted to stop `deployments watch` (default: SIGINT while it runs). */
  interrupt?: AbortSignal;
}

/** Exit codes: 0 done, 1 the operation failed, 2 bad usage or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A flag combination or value the CLI refuses; exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ARGOCD_INSTANCE = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const LABEL_KEY =
  /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const TOKEN_ID = /^tok-[A-Za-z0-9_-]{1,64}$/;
/** The longest token TTL (gcc-core's limit): 10 years. */
const MAX_TTL_SECONDS = 315_360_000;

function ttlArg(value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TTL_SECONDS) {
    throw new InvalidArgumentError(`A TTL is a whole number of seconds from 1 to ${MAX_TTL_SECONDS}.`);
  }
  return n;
}

function expiresAtArg(value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError('An expiry is an RFC 3339 time like 2026-01-31T00:00:00Z.');
  }
  return d;
}

/** A client id: a DNS label. */
export function clientIdArg(value: string): string {
  if (!DNS_LABEL.test(value)) {
    throw new InvalidArgumentError(
      'A client id is a DNS label: 1-63 lowercase letters, digits and "-", not starting or ending with "-".',
    );
  }
  return value;
}

function labelArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 0) throw new InvalidArgumentError('Write a label as key=value.');
  const key = value.slice(0, eq);
  const v = value.slice(eq + 1);
  if (!LABEL_KEY.test(key) || key.length > 317) {
    throw new InvalidArgumentError(`"${key}" is not a Kubernetes label key.`);
  }
  if (!LABEL_VALUE.test(v)) {
    throw new InvalidArgumentError(`"${v}" is not a Kubernetes label value (up to 63 of A-Z a-z 0-9 - _ .).`);
  }
  if (key in previous) throw new InvalidArgumentError(`Label ${key} is given twice.`);
  return { ...previous, [key]: v };
}

function nonEmpty(max: number) {
  return (value: string): string => {
    if (value.trim() === '' || value.length > max) {
      throw new InvalidArgumentError(`Must be 1 to ${max} characters.`);
    }
    return value;
  };
}

function pattern(re: RegExp, message: string) {
  return (value: string): string => {
    if (!re.test(value)) throw new InvalidArgumentError(message);
    return value;
  };
}

const defaultShutdownSignal = (logger: Logger) =>
  new Promise<string>((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      process.once(signal, () => {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(EXIT.failed);
      });
      resolve(signal);
    };
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });

/** Runs the GCC in this process on a loopback port, for the admin helpers that go through the API. */
async function withAdminApi<T>(opened: OpenedGcc, fn: (api: GccClient) => Promise<T>): Promise<T> {
  const { createApp } = await import('./app');
  const { id, token } = await opened.gcc.issueToken({ role: 'admin', name: 'cli' });
  const app = createApp(opened.gcc);
  const http = createServer((req, res) => opened.gcc.handlePoll(req, res, () => app(req, res)));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = http.address() as AddressInfo;
    const api = createGccClient({ baseUrl: `http://127.0.0.1:${port}`, token, retry: false });
    return await fn(api);
  } finally {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await opened.gcc.revokeToken(id);
  }
}

/** Runs `wrktalk-gcc` with the given arguments (without `node` and the script); resolves to the exit code. */
export async function runCli(args: string[], io: Partial<CliIo> = {}): Promise<number> {
  const env = io.env ?? process.env;
  const stdout = io.stdout ?? ((s: string) => process.stdout.write(s));
  const stderr = io.stderr ?? ((s: string) => process.stderr.write(s));
  const shutdownSignal = io.shutdownSignal ?? defaultShutdownSignal;
  let code: number = EXIT.ok;

  const config = (): Config => loadConfig(env);
  /** The admin helpers log only warnings, so that their output stays readable. */
  const withGcc = async <T>(fn: (opened: OpenedGcc, c: Config) => Promise<T>): Promise<T> => {
    const c = config();
    const { createLogger, openGcc } = await server();
    const logger = createLogger({ logLevel: c.logLevel === 'silent' ? 'silent' : 'warn' });
    const opened = await openGcc(c, logger, { background: false });
    try {
      return await fn(opened, c);
    } finally {
      await opened.close();
    }
  };

  const ctx: CommandContext = {
    env,
    stdout,
    stderr,
    tty: io.tty ?? (io.stdout === undefined && process.stdout.isTTY === true),
    interrupt: io.interrupt,
    setExitCode: (c) => {
      code = c;
    },
    version: packageVersion(),
    localApi: (fn) => withGcc((opened) => withAdminApi(opened, fn)),
  };

  const program = new Command('wrktalk-gcc')
    .description(
      'The WrkTalk GCC reference service (update control), its admin helpers, and a client of its API ' +
        '(releases, deploy, deployments, approvals).',
    )
    .version(ctx.version, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .showHelpAfterError('(add --help for usage)')
    .allowExcessArguments(false)
    // Root options only before the command, so that `releases register --version 1.2.0` is the release's version.
    .enablePositionalOptions()
    .addHelpText('after', rootHelpText());

  program
    .command('serve')
    .description(
      'Migrate the database (unless GCC_MIGRATE=false) and serve the GCC API until SIGINT or SIGTERM.',
    )
    .action(async () => {
      const c = config();
      const { createLogger, startServer } = await server();
      const logger = createLogger(c);
      const running = await startServer(c, logger);
      if (running.migrations) {
        const { applied, version } = running.migrations;
        logger.info({ applied, version }, 'database ready');
      } else {
        logger.info('GCC_MIGRATE=false: migrations are left to `wrktalk-gcc migrate`');
      }
      if (running.generated.admin || running.generated.ci) {
        const lines = [
          '',
          'No GCC_ADMIN_TOKEN / GCC_CI_TOKEN set: generated for this run only (not logged):',
        ];
        if (running.generated.admin) lines.push(`  admin token: ${running.adminToken}`);
        if (running.generated.ci) lines.push(`  ci token:    ${running.ciToken}`);
        lines.push('Set them in the environment to keep tokens across restarts.', '');
        stdout(`${lines.join('\n')}\n`);
      }
      logger.info(
        {
          url: running.url,
          database: c.databaseUrl ? 'postgres' : `pglite:${c.dataDir}`,
          orchestration: c.orchestration,
          worker: running.gcc.worker?.state === 'running',
          argocdFastPath:
            running.gcc.worker?.state === 'running' ? (running.gcc.worker.argocd?.instances ?? []) : [],
        },
        'wrktalk-gcc listening',
      );
      stdout(
        [
          `Admin console:  ${running.url}/admin`,
          `A client's CT:  ${running.url}/ct/<client-id>`,
          `API reference:  ${running.url}/api/v1/docs`,
          '',
        ].join('\n'),
      );
      await shutdownSignal(logger);
      await running.stop();
      logger.info('stopped');
    });

  program
    .command('worker')
    .description(
      'Migrate the database (unless GCC_MIGRATE=false) and run the staged-rollout worker alone (no API) until SIGINT or SIGTERM.',
    )
    .action(async () => {
      const c = config();
      const { createLogger, openConfiguredDatabase } = await server();
      const { createWorker, migrate } = await import('@wrktalk/gcc-core');
      const logger = createLogger(c);
      const db = await openConfiguredDatabase(c);
      try {
        if (c.migrate) {
          const { applied, version } = await migrate(db);
          logger.info({ applied, version }, 'database ready');
        } else {
          logger.info('GCC_MIGRATE=false: migrations are left to `wrktalk-gcc migrate`');
        }
        const worker = createWorker({
          database: db,
          logger: logger.child({ component: 'rollout-worker' }),
          ...(c.argocd !== undefined && { argocd: c.argocd }),
        });
        await worker.start();
        logger.info(
          {
            database: c.databaseUrl ? 'postgres' : `pglite:${c.dataDir}`,
            argocdFastPath: worker.argocd?.instances ?? [],
          },
          'wrktalk-gcc worker running',
        );
        await shutdownSignal(logger);
        await worker.stop();
        logger.info('stopped');
      } finally {
        await db.close();
      }
    });

  program
    .command('migrate')
    .description('Apply pending database migrations and exit.')
    .action(async () => {
      const c = config();
      const { openConfiguredDatabase } = await server();
      const { migrate } = await import('@wrktalk/gcc-core');
      const db = await openConfiguredDatabase(c);
      try {
        const { applied, version } = await migrate(db);
        stdout(
          applied.length
            ? `Applied ${applied.length} migration(s): ${applied.join(', ')}. Schema version ${version}.\n`
            : `Schema is up to date (version ${version}).\n`,
        );
      } finally {
        await db.close();
      }
    });

  const client = program
    .command('clients')
    .alias('client')
    .description('Clients (customer installations): create, list, show.');
  client
    .command('create')
    .description(
      'Register a client (over the API with --server or GCC_URL, else on the configured database).',
    )
    .requiredOption('--id <id>', 'client id, a DNS label (e.g. adani-prod)', clientIdArg)
    .requiredOption('--name <name>', 'display name', nonEmpty(200))
    .addOption(
      new Option('--target-kind <kind>', 'how its agent applies updates')
        .choices(['argocd', 'kubernetes', 'docker'])
        .makeOptionMandatory(),
    )
    .option(
      '--argocd-instance <name>',
      'Argo CD instance managing it (required for argocd)',
      pattern(ARGOCD_INSTANCE, 'An Argo CD instance name is lowercase letters, digits, "." and "-".'),
    )
    .option('--label <key=value>', 'a label; repeat for several', labelArg)
    .option('--timezone <zone>', 'IANA time zone (default UTC)', nonEmpty(64))
    .option('--json', 'print the client as JSON')
    .addOption(serverOption())
    .addOption(tokenOption())
    .action(
      async (o: {
        server?: string;
        token?: string;
        id: string;
        name: string;
        targetKind: 'argocd' | 'kubernetes' | 'docker';
        argocdInstance?: string;
        label?: Record<string, string>;
        timezone?: string;
        json?: boolean;
      }) => {
        if (o.targetKind === 'argocd' && !o.argocdInstance) {
          throw new UsageError('--argocd-instance is required with --target-kind argocd.');
        }
        if (o.targetKind !== 'argocd' && o.argocdInstance) {
          throw new UsageError('--argocd-instance only applies to --target-kind argocd.');
        }
        const created = await eitherApi(ctx, o, (api) =>
          api.clients.create({
            id: o.id,
            name: o.name,
            target_kind: o.targetKind,
            labels: o.label ?? {},
            ...(o.argocdInstance ? { argocd_instance: o.argocdInstance } : {}),
            ...(o.timezone ? { timezone: o.timezone } : {}),
          }),
        );
        stdout(
          o.json
            ? `${JSON.stringify(created, null, 2)}\n`
            : `Created client ${created.id} (${created.name}, ${created.target_kind}).\n`,
        );
      },
    );

  const token = program.command('tokens').alias('token').description('Manage bearer tokens.');
  token
    .command('issue')
    .description(
      'Issue a token and print it once: --client ID --role agent|approver, or --role admin|ci --name NAME.',
    )
    .addOption(
      new Option('--role <role>', 'the token role')
        .choices(['agent', 'approver', 'admin', 'ci'])
        .makeOptionMandatory(),
    )
    .option('--client <id>', 'the client (agent and approver tokens)', clientIdArg)
    .option(
      '--name <name>',
      'who holds it (admin and ci tokens)',
      pattern(TOKEN_NAME, 'A token name is 1-64 of letters, digits, "_", ".", "@" and "-".'),
    )
    .option('--description <text>', 'what the token is for', nonEmpty(200))
    .option('--ttl-seconds <n>', 'the token expires this many seconds after it is issued', ttlArg)
    .option('--expires-at <time>', 'the token expires at this RFC 3339 time', expiresAtArg)
    .option('--json', 'print {id, role, client_id, name, token, expires_at} as JSON')
    .addOption(serverOption())
    .addOption(tokenOption())
    .action(
      async (o: {
        server?: string;
        token?: string;
        role: 'agent' | 'approver' | 'admin' | 'ci';
        client?: string;
        name?: string;
        description?: string;
        ttlSeconds?: number;
        expiresAt?: Date;
        json?: boolean;
      }) => {
        if (o.ttlSeconds !== undefined && o.expiresAt !== undefined)
          throw new UsageError('Give --ttl-seconds or --expires-at, not both.');
        const scoped = o.role === 'agent' || o.role === 'approver';
        const article = { agent: 'an agent', approver: 'an approver', admin: 'an admin', ci: 'a ci' }[o.role];
        if (scoped && !o.client) throw new UsageError(`--client is required for ${article} token.`);
        if (scoped && o.name)
          throw new UsageError(`--name is for admin and ci tokens; use --client for ${o.role}.`);
        if (!scoped && !o.name) throw new UsageError(`--name is required for ${article} token.`);
        if (!scoped && o.client)
          throw new UsageError(`--client is for agent and approver tokens, not ${o.role}.`);
        const issueLocally = () =>
          withGcc(async (opened): Promise<IssuedToken> => {
            if (o.role === 'agent' || o.role === 'approver') {
              const role = o.role;
              return withAdminApi(opened, (api) =>
                createClientToken(api, o.client!, {
                  role,
                  ...(o.description ? { description: o.description } : {}),
                  ...(o.ttlSeconds !== undefined && { ttlSeconds: o.ttlSeconds }),
                  ...(o.expiresAt !== undefined && { expiresAt: o.expiresAt }),
                }),
              );
            }
            const t = await opened.gcc.issueToken({
              role: o.role,
              name: o.name!,
              ...(o.ttlSeconds !== undefined && { ttlSeconds: o.ttlSeconds }),
              ...(o.expiresAt !== undefined && { expiresAt: o.expiresAt }),
            });
            return {
              id: t.id,
              role: o.role,
              client_id: null,
              name: o.name!,
              token: t.token,
              expires_at: t.expiresAt,
            };
          });
        const issued = await (overApi(ctx, o) ? issueOverApi(ctx, o) : issueLocally());
        if (o.json) stdout(`${JSON.stringify(issued, null, 2)}\n`);
        else {
          const whose = issued.client_id ? `client ${issued.client_id}` : `name ${issued.name}`;
          const until = issued.expires_at ? `, valid until ${issued.expires_at}` : '';
          stderr(
            `Issued ${issued.role} token ${issued.id} for ${whose}${until}. It is shown only now; store it:\n`,
          );
          stdout(`${issued.token}\n`);
        }
      },
    );
  token
    .command('revoke')
    .description(
      'Revoke a token by id (tok-…): refused at once on every replica. Over the API (--server) give its --client. ' +
        'To rotate, see `tokens rotate`.',
    )
    .argument(
      '<id>',
      'the token id printed by `token issue`',
      pattern(TOKEN_ID, 'A token id is tok- and 1-64 of letters, digits, "_" and "-".'),
    )
    .option('--client <id>', 'the client whose token it is (required over the API)', clientIdArg)
    .addOption(serverOption())
    .addOption(tokenOption())
    .action(async (id: string, o: { server?: string; token?: string; client?: string }) => {
      if (!(await revokeOverApi(ctx, id, o))) await withGcc((opened) => opened.gcc.revokeToken(id));
      stderr(`Revoked token ${id}${o.client ? ` of client ${o.client}` : ''}.\n`);
    });

  const keys = program
    .command('keys')
    .description('The Ed25519 key that signs offered updates (GCC_SIGNING_KEY / GCC_SIGNING_KEY_FILE).');
  keys
    .command('generate')
    .description(
      'Generate a signing key pair: the private key (PKCS#8 PEM) goes to --out (created with mode 0600) or to ' +
        'stdout; the public key, to pin on agents as GCC_SIGNING_PUBLIC_KEY, and its key id go to stdout (or ' +
        'stderr when the private key is on stdout).',
    )
    .option('--out <file>', 'write the private key to this new file instead of stdout')
    .action(async (o: { out?: string }) => {
      const { generateSigningKeyPair } = await import('@wrktalk/sdk-gcc');
      const pair = generateSigningKeyPair();
      const about = `# key_id: ${pair.keyId}
# public key (pin it on agents as GCC_SIGNING_PUBLIC_KEY):
${pair.publicKeyPem}`;
      if (o.out === undefined) {
        stdout(pair.privateKeyPem);
        stderr(about);
        return;
      }
      const { writeFile } = await import('node:fs/promises');
      try {
        await writeFile(o.out, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        throw new UsageError(
          `cannot create ${o.out}: ${(error as NodeJS.ErrnoException).code ?? String(error)} (an existing file is never overwritten)`,
        );
      }
      stderr(`Wrote the private key to ${o.out} (mode 0600); set GCC_SIGNING_KEY_FILE=${o.out}.
`);
      stdout(about);
    });
  keys
    .command('public')
    .description(
      'Print the public key(s) the GCC publishes at /.well-known/wrktalk-signing-keys, from GCC_SIGNING_KEY or ' +
        'GCC_SIGNING_KEY_FILE (and GCC_SIGNING_PREVIOUS_PUBLIC_KEYS), as PEM with their key ids.',
    )
    .action(async () => {
      const { describePublicKeys, signingFromEnv } = await import('./signing');
      const problems: string[] = [];
      const signing = signingFromEnv(env, problems);
      if (problems.length > 0) throw new ConfigError(problems);
      if (!signing)
        throw new UsageError(
          'No signing key: set GCC_SIGNING_KEY or GCC_SIGNING_KEY_FILE (see `keys generate`).',
        );
      stdout(describePublicKeys(signing));
    });

  registerApiCommands(program, { clients: client, tokens: token }, ctx);

  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    code = reportError(error, stderr);
  }
  return code;
}

function reportError(error: unknown, stderr: (s: string) => void): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander printed it
  if (error instanceof ConfigError) {
    stderr(`${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof UsageError) {
    stderr(`error: ${error.message}\n(add --help for usage)\n`);
    return EXIT.usage;
  }
  if (isGccHttpError(error)) {
    const p = error.problem;
    const details = (p?.errors ?? []).map((e) => `\n  - ${e.path}: ${e.message}`).join('');
    stderr(`error: ${p?.detail ?? p?.title ?? error.message} (${error.code ?? error.status})${details}\n`);
    return error.status === 400 || error.status === 422 ? EXIT.usage : EXIT.failed;
  }
  stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failed;
}
