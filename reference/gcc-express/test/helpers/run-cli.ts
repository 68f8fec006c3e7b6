import { runCli } from '../../src/cli';

/** Runs `wrktalk-gcc <args>` in this process with `env`, capturing its exit code, stdout and stderr. */
export async function run(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
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
