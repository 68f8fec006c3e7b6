import { createAgent, createJsonLogger, type Executor, isStateFileError } from '@wrktalk/sdk-agent';
import { Command, CommanderError } from 'commander';
import { type AgentConfig, ConfigError, loadConfig } from './config';
import { doctorReport, formatChecks, runDoctor } from './doctor';
import { createExecutor } from './executors';

/** What the CLI touches outside itself, injectable for tests. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Registers a handler for SIGTERM and SIGINT; returns a function removing it. */
  onSignal: (handler: (signal: string) => void) => () => void;
}

/** Exit codes: 0 done, 1 a doctor check failed or the agent crashed, 2 bad configuration or usage. */
export const EXIT = { ok: 0, failed: 1, config: 2 } as const;

const processIo = (): CliIo => ({
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  onSignal: (handler) => {
    const h = (s: NodeJS.Signals) => handler(s);
    process.on('SIGTERM', h);
    process.on('SIGINT', h);
    return () => {
      process.off('SIGTERM', h);
      process.off('SIGINT', h);
    };
  },
});

/** The configuration, or EXIT.config once the problems are on stderr (and, with `json`, as a report on stdout). */
function config(io: CliIo, json = false): AgentConfig | number {
  try {
    return loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\nSee reference/agent-node/README.md for every variable.\n`);
      if (json) {
        const checks = error.problems.map((p) => ({ name: 'configuration', ok: false, detail: p }));
        io.stdout(`${JSON.stringify(doctorReport(checks))}\n`);
      }
      return EXIT.config;
    }
    throw error;
  }
}

/** Runs `wrktalk-agent <argv>`; resolves with the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('wrktalk-agent')
    .description('WrkTalk update agent: polls the GCC, applies approved updates, reports.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('run')
    .description('run the agent until SIGTERM/SIGINT (configured from the environment)')
    .action(async () => {
      const cfg = config(io);
      if (typeof cfg === 'number') {
        code = cfg;
        return;
      }
      let executor: Executor;
      try {
        executor = createExecutor(cfg, io.env);
      } catch (error) {
        io.stderr(`Invalid configuration:\n  ✗ EXECUTOR: ${(error as Error).message}\n`);
        code = EXIT.config;
        return;
      }
      const logger = createJsonLogger({
        level: cfg.LOG_LEVEL,
        write: io.stderr,
        base: { clientId: cfg.CLIENT_ID },
      });
      const agent = createAgent({
        gcc: { baseUrl: cfg.GCC_URL, token: cfg.AGENT_TOKEN },
        clientId: cfg.CLIENT_ID,
        executor,
        stateFile: cfg.STATE_FILE,
        allowedRegistries: cfg.ALLOWED_REGISTRIES,
        trustedKeys: cfg.TRUSTED_KEYS,
        components: cfg.COMPONENTS,
        pollWaitSeconds: cfg.POLL_WAIT_SECONDS,
        revertOnFailedVerify: cfg.REVERT_ON_FAILED_VERIFY,
        logger,
      });
      if (cfg.TRUSTED_KEYS.length === 0) {
        logger.warn(
          {},
          'GCC_SIGNING_PUBLIC_KEY is not set: offers are not verified. Pinning the GCC signing key is strongly recommended.',
        );
      }
      const off = io.onSignal((signal) => {
        logger.info({ signal }, `${signal}: stopping (the current step finishes or is checkpointed)`);
        void agent.stop();
      });
      try {
        await agent.start();
      } catch (error) {
        if (isStateFileError(error)) {
          // Found before the first poll: a configuration error (exit 2), as a bad variable is. Once running, a state
          // file that becomes unusable does not end the agent (it logs an error and keeps polling).
          io.stderr(`Invalid configuration:\n  ✗ STATE_FILE: ${error.message}\n`);
          code = EXIT.config;
        } else {
          logger.error({ err: error }, 'agent crashed');
          code = EXIT.failed;
        }
      } finally {
        off();
      }
    });

  program
    .command('doctor')
    .description(
      'check GCC reachability, the token (role and client), the client, the state file directory and the executor',
    )
    .option('--json', 'print { ok, checks: [{ name, ok, detail }] } instead of ✓/✗ lines')
    .action(async (options: { json?: boolean }) => {
      const json = options.json === true;
      const cfg = config(io, json);
      if (typeof cfg === 'number') {
        code = cfg;
        return;
      }
      let executor: Executor | Error;
      try {
        executor = createExecutor(cfg, io.env);
      } catch (error) {
        executor = error as Error;
      }
      const checks = await runDoctor(cfg, executor);
      io.stdout(json ? `${JSON.stringify(doctorReport(checks))}\n` : `${formatChecks(checks)}\n`);
      code = checks.every((c) => c.ok) ? EXIT.ok : EXIT.failed;
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.config;
    }
    throw error;
  }
  return code;
}
