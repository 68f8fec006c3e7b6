import type { execa as Execa } from 'execa';
import { ExecutorError } from '../../executor';
import { type CommandEnvSpec, commandEnv } from './env';

let execaModule: Promise<{ execa: typeof Execa }> | undefined;

/** Loads execa on first use (about 16 MB resident), so agents that never run a command do not pay for it. */
function loadExeca(): Promise<{ execa: typeof Execa }> {
  if (!execaModule) execaModule = import('execa');
  return execaModule;
}

/** What a finished command returned. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** How to run a command. */
export interface RunOptions {
  /** What the command's environment is made of; it never inherits the agent's whole environment (see `env.ts`). */
  env: CommandEnvSpec;
  signal: AbortSignal;
  timeoutMs: number;
  /** Receives the command line before it runs (for the task log). */
  log?: (line: string) => void;
  /** Text written to the command's stdin. */
  input?: string;
}

/** Keeps the tail of a command's output readable in one log line. */
export function tail(text: string, max = 600): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

/** Quotes an argv for the log only; it is never given to a shell. */
export function displayCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/**
 * Runs `file` with an argument array (never through a shell). A non-zero exit is returned, not thrown, so each
 * executor can read the CLI's message; a missing binary throws `tool_missing`, a timeout or abort throws `timeout`.
 */
export async function runCommand(
  executor: string,
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  options.log?.(`$ ${displayCommand(file, args)}`);
  const { execa } = await loadExeca();
  const result = await execa(file, args, {
    env: commandEnv(options.env),
    extendEnv: false,
    shell: false,
    reject: false,
    cancelSignal: options.signal,
    timeout: options.timeoutMs,
    stripFinalNewline: true,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  if (result.code === 'ENOENT' || result.code === 'EACCES') {
    throw new ExecutorError({
      executor,
      code: 'tool_missing',
      message: `${file} not found or not executable (${result.code}); install it or configure its path`,
      cause: result,
    });
  }
  if (result.isCanceled || result.timedOut) {
    throw new ExecutorError({
      executor,
      code: 'timeout',
      retryable: true,
      message: `${displayCommand(file, args)} ${result.timedOut ? `timed out after ${options.timeoutMs} ms` : 'was aborted'}`,
      cause: result,
    });
  }
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}

/** A `command_failed` error carrying the command and the tail of its output. */
export function commandFailed(
  executor: string,
  file: string,
  args: readonly string[],
  result: CommandResult,
) {
  return new ExecutorError({
    executor,
    code: 'command_failed',
    message: `${displayCommand(file, args)} exited ${result.exitCode}: ${tail(result.stderr || result.stdout)}`,
  });
}
