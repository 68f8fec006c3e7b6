import { randomUUID } from 'node:crypto';
import { copyFile, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type CurrentState,
  type DoctorCheck,
  deployedVersion,
  type Executor,
  type ExecutorContext,
  ExecutorError,
  isExecutorError,
  type VerifyResult,
} from '../../executor';
import { sleep } from '../shared/abort';
import { commandFailed, runCommand, tail } from '../shared/command';
import { evaluateContainers, parseComposePs, parseDockerInspect } from '../shared/docker';
import { lookupComponent } from '../shared/options';
import { assertSafeVersion } from '../shared/version';
import { composeImageVersion, readServiceImage, setServiceImage } from './compose-file';
import { compileDockerComposeOptions, type DockerComposeExecutorOptions } from './options';

export { readServiceImage, setServiceImage, validateCompose } from './compose-file';
export type { DockerComposeExecutorOptions } from './options';
export { compileDockerComposeOptions } from './options';

const NAME = 'docker-compose';

/** Writes `text` to `file` atomically (temp file in the same directory, then rename), keeping the file's mode. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
  const mode = await stat(file).then(
    (s) => s.mode & 0o777,
    () => 0o644,
  );
  try {
    await writeFile(temp, text, { mode, flush: true });
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Updates a service on a Docker host: edits the service's `image:` in the compose file (comments and layout kept,
 * backup first, schema-validated, written atomically), then `docker compose up -d --wait` for that service only,
 * and verifies with `docker compose ps --format json`. Falls back to the old `docker-compose` 1.x CLI when the
 * `docker compose` plugin is missing.
 */
export function createDockerComposeExecutor(options: DockerComposeExecutorOptions): Executor {
  const opts = compileDockerComposeOptions(options);
  let flavour: Promise<'plugin' | 'legacy'> | undefined;

  const run = (
    file: string,
    args: string[],
    ctx: Pick<ExecutorContext, 'signal'> & { log?: (l: string) => void },
  ) =>
    runCommand(NAME, file, args, {
      env: opts.env,
      signal: ctx.signal,
      timeoutMs: opts.commandTimeoutMs,
      log: ctx.log,
    });

  const detect = (ctx: Pick<ExecutorContext, 'signal'>) => {
    flavour ??= (async () => {
      try {
        const v2 = await run(opts.dockerBinary, ['compose', 'version'], ctx);
        if (v2.exitCode === 0) return 'plugin';
      } catch (error) {
        if (!isExecutorError(error) || error.code !== 'tool_missing') throw error;
      }
      const v1 = await run(opts.legacyComposeBinary, ['version'], ctx);
      if (v1.exitCode !== 0) throw commandFailed(NAME, opts.legacyComposeBinary, ['version'], v1);
      return 'legacy';
    })();
    flavour.catch(() => {
      flavour = undefined;
    });
    return flavour;
  };

  const up = async (service: string, timeoutSeconds: number, ctx: ExecutorContext) => {
    const kind = await detect(ctx);
    const [file, args] =
      kind === 'plugin'
        ? [
            opts.dockerBinary,
            [
              'compose',
              '-f',
              opts.file,
              'up',
              '-d',
              '--wait',
              '--wait-timeout',
              String(timeoutSeconds),
              service,
            ],
          ]
        : [opts.legacyComposeBinary, ['-f', opts.file, 'up', '-d', service]];
    const result = await run(file, args, ctx);
    if (result.exitCode === 0) return;
    const text = `${result.stderr}\n${result.stdout}`;
    // The container was created but did not become healthy: leave that to verify (and revert).
    if (/unhealthy|exited|dependency failed/i.test(text)) {
      ctx.log(`up --wait: ${tail(text, 300)}`);
      return;
    }
    throw commandFailed(NAME, file, args, result);
  };

  const containers = async (service: string, ctx: Pick<ExecutorContext, 'signal'>) => {
    if ((await detect(ctx)) === 'plugin') {
      const args = ['compose', '-f', opts.file, 'ps', '--format', 'json', service];
      const ps = await run(opts.dockerBinary, args, ctx);
      if (ps.exitCode !== 0) throw commandFailed(NAME, opts.dockerBinary, args, ps);
      return parseComposePs(ps.stdout).filter((c) => c.service === undefined || c.service === service);
    }
    const psArgs = ['-f', opts.file, 'ps', '-q', service];
    const ps = await run(opts.legacyComposeBinary, psArgs, ctx);
    if (ps.exitCode !== 0) throw commandFailed(NAME, opts.legacyComposeBinary, psArgs, ps);
    const ids = ps.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (ids.length === 0) return [];
    const inspect = await run(opts.dockerBinary, ['inspect', ...ids], ctx);
    if (inspect.exitCode !== 0) throw commandFailed(NAME, opts.dockerBinary, ['inspect', ...ids], inspect);
    return parseDockerInspect(inspect.stdout);
  };

  const writeVersion = async (service: string, version: string, ctx: ExecutorContext, backup: boolean) => {
    const text = await readFile(opts.file, 'utf8');
    const edit = await setServiceImage(text, service, version);
    if (!edit.changed) {
      ctx.log(`${service} already uses ${edit.image} in ${opts.file}`);
      return;
    }
    if (backup) await copyFile(opts.file, opts.backupFile);
    await writeAtomic(opts.file, edit.text);
    ctx.log(`${opts.file}: ${service} image ${edit.previousImage} -> ${edit.image}`);
  };

  return {
    name: NAME,
    async current(instruction): Promise<CurrentState> {
      const service = lookupComponent(NAME, opts.services, instruction.component);
      const image = await readServiceImage(await readFile(opts.file, 'utf8'), service);
      return { version: composeImageVersion(image), detail: `${opts.file} ${service}: ${image}` };
    },
    async apply(instruction, ctx) {
      // By digest (`repo@sha256:…`) when the release pinned one, else by tag.
      const version = deployedVersion(instruction);
      assertSafeVersion(NAME, version);
      const service = lookupComponent(NAME, opts.services, instruction.component);
      await writeVersion(service, version, ctx, true);
      // `up` only recreates the service when its image or config changed, so re-running it is harmless.
      await up(service, opts.waitTimeoutSeconds ?? instruction.verifyTimeoutSeconds, ctx);
    },
    async verify(instruction, ctx): Promise<VerifyResult> {
      const version = deployedVersion(instruction);
      assertSafeVersion(NAME, version);
      const service = lookupComponent(NAME, opts.services, instruction.component);
      const expected = await readServiceImage(await readFile(opts.file, 'utf8'), service);
      if (composeImageVersion(expected) !== version) {
        return {
          healthy: false,
          message: `${opts.file} has ${expected} for ${service}, not ${version}`,
        };
      }
      const deadline = Date.now() + instruction.verifyTimeoutSeconds * 1000;
      for (;;) {
        const verdict = evaluateContainers(await containers(service, ctx), expected);
        if (verdict.state !== 'pending')
          return { healthy: verdict.state === 'healthy', message: verdict.message };
        if (Date.now() >= deadline) return { healthy: false, message: `timed out: ${verdict.message}` };
        ctx.log(verdict.message);
        await sleep(NAME, opts.pollIntervalMs, ctx.signal);
      }
    },
    async revert(instruction, ctx) {
      const service = lookupComponent(NAME, opts.services, instruction.component);
      const running = composeImageVersion(await readServiceImage(await readFile(opts.file, 'utf8'), service));
      const backup = await readFile(opts.backupFile, 'utf8').catch(() => undefined);
      const backupVersion = backup
        ? composeImageVersion(await readServiceImage(backup, service).catch(() => ''))
        : undefined;
      // The backup belongs to this change only if the file carries our version and the backup does not; an older
      // backup (our apply was a no-op) would otherwise roll back further than asked.
      const ours = deployedVersion(instruction);
      if (backup !== undefined && running === ours && backupVersion !== ours) {
        await writeAtomic(opts.file, backup);
        ctx.log(`restored ${opts.file} from ${opts.backupFile}`);
      } else if (instruction.previousVersion) {
        assertSafeVersion(NAME, instruction.previousVersion);
        await writeVersion(service, instruction.previousVersion, ctx, false);
      } else {
        throw new ExecutorError({
          executor: NAME,
          code: 'invalid_config',
          message: 'no backup of this change and no previous version',
        });
      }
      await up(service, opts.waitTimeoutSeconds ?? instruction.verifyTimeoutSeconds, ctx);
    },
    async doctor(ctx): Promise<DoctorCheck[]> {
      const checks: DoctorCheck[] = [];
      try {
        const kind = await detect(ctx);
        checks.push({
          name: 'compose CLI',
          ok: true,
          detail:
            kind === 'plugin' ? `${opts.dockerBinary} compose` : `${opts.legacyComposeBinary} (legacy 1.x)`,
        });
      } catch (error) {
        checks.push({
          name: 'compose CLI',
          ok: false,
          code: isExecutorError(error) ? error.code : 'command_failed',
          detail: `neither "${opts.dockerBinary} compose" nor "${opts.legacyComposeBinary}" works: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      try {
        const text = await readFile(opts.file, 'utf8');
        for (const [component, service] of Object.entries(opts.services)) {
          await readServiceImage(text, service);
          checks.push({ name: `service ${service}`, ok: true, detail: `${component} found in ${opts.file}` });
        }
      } catch (error) {
        checks.push({
          name: 'compose file',
          ok: false,
          code: isExecutorError(error) ? error.code : 'invalid_config',
          detail: error instanceof Error ? error.message : String(error),
        });
      }
      return checks;
    },
  };
}
