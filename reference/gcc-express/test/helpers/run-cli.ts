import { type CliIo, runCli } from '../../src/cli';

/**
 * Runs `wrktalk-gcc <args>` in this process with `env`, capturing its exit code, stdout and stderr; `io` adds the
 * rest of {@link CliIo} (e.g. a `shutdownSignal` for `serve`).
 */
export async function run(
  args: string[],
  env: Record<string, string | undefined> = {},
  io: Omit<Partial<CliIo>, 'env' | 'stdout' | 'stderr'> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    ...io,
    env,
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}
