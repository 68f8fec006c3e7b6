import { randomUUID } from 'node:crypto';
import { copyFile, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type CurrentState,
  componentsOf,
  type DoctorCheck,
  deployedVersion,
  type Executor,
  type ExecutorContext,
  ExecutorError,
  isExecutorError,
  type UpdateInstruction,
  type VerifyResult,
} from '../../executor';
import { sleep } from '../shared/abort';
import { commandFailed, runCommand, tail } from '../shared/command';
import { evaluateContainers, parseComposePs, parseDockerInspect } from '../shared/docker';
import { lookupComponent } from '../shared/options';
import { partialRevertError } from '../shared/set';
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
 * Updates services on a Docker host: edits each service's `image:` in the compose file (comments and layout kept,
 * backup first, schema-validated, written atomically, once for the whole set), then one `docker compose up -d --wait`
 * naming those services only, and verifies each with `docker compose ps --format json`. Falls back to the old
 * `docker-compose` 1.x CLI when the `docker compose` plugin is missing.
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

  const up = async (services: readonly string[], timeoutSeconds: number, ctx: ExecutorContext) => {
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
              ...services,
            ],
          ]
        : [opts.legacyComposeBinary, ['-f', opts.file, 'up', '-d', ...services]];
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

  /** Moves each service to its version in one write of the compose file (backed up first when `backup`). */
  const writeVersions = async (
    moves: readonly { service: string; version: string }[],
    ctx: ExecutorContext,
    backup: boolean,
  ) => {
    let text = await readFile(opts.file, 'utf8');
    const changes: string[] = [];
    for (const m of moves) {
      const edit = await setServiceImage(text, m.service, m.version);
      if (!edit.changed) {
        ctx.log(`${m.service} already uses ${edit.image} in ${opts.file}`);
        continue;
      }
      text = edit.text;
      changes.push(`${m.service} image ${edit.previousImage} -> ${edit.image}`);
    }
    if (changes.length === 0) return;
    if (backup) await copyFile(opts.file, opts.backupFile);
    await writeAtomic(opts.file, text);
    ctx.log(`${opts.file}: ${changes.join(', ')}`);
  };

  /** The set's components with their compose service and the version they deploy (by digest when pinned). */
  const servicesOf = (instruction: UpdateInstruction) =>
    componentsOf(instruction).map((c) => {
      const version = deployedVersion(c);
      assertSafeVersion(NAME, version);
      return {
        component: c.component,
        service: lookupComponent(NAME, opts.services, c.component),
        version,
        previousVersion: c.previousVersion,
      };
    });

  return {
    name: NAME,
    async current(instruction): Promise<CurrentState> {
      const set = componentsOf(instruction);
      const text = await readFile(opts.file, 'utf8');
      const found = await Promise.all(
        set.map(async (c) => {
          const service = lookupComponent(NAME, opts.services, c.component);
          return { component: c.component, service, image: await readServiceImage(text, service) };
        }),
      );
      const versions = Object.fromEntries(found.map((f) => [f.component, composeImageVersion(f.image)]));
      return {
        version: versions[set[0]!.component] ?? null,
        versions,
        detail: `${opts.file} ${found.map((f) => `${f.service}: ${f.image}`).join(', ')}`,
      };
    },
    async apply(instruction, ctx) {
      const set = servicesOf(instruction);
      await writeVersions(set, ctx, true);
      // `up` only recreates a service when its image or config changed, so re-running it is harmless.
      await up(
        set.map((s) => s.service),
        opts.waitTimeoutSeconds ?? instruction.verifyTimeoutSeconds,
        ctx,
      );
    },
    async verify(instruction, ctx): Promise<VerifyResult> {
      const set = servicesOf(instruction);
      const many = set.length > 1;
      const named = (component: string, message: string) => (many ? `${component}: ${message}` : message);
      const text = await readFile(opts.file, 'utf8');
      const expected = new Map<string, string>();
      for (const s of set) {
        const image = await readServiceImage(text, s.service);
        if (composeImageVersion(image) !== s.version) {
          return {
            healthy: false,
            message: named(s.component, `${opts.file} has ${image} for ${s.service}, not ${s.version}`),
          };
        }
        expected.set(s.service, image);
      }
      const deadline = Date.now() + instruction.verifyTimeoutSeconds * 1000;
      for (;;) {
        const pending: string[] = [];
        let healthy = '';
        for (const s of set) {
          const verdict = evaluateContainers(await containers(s.service, ctx), expected.get(s.service));
          if (verdict.state === 'failed')
            return { healthy: false, message: named(s.component, verdict.message) };
          if (verdict.state === 'pending') pending.push(named(s.component, verdict.message));
          else healthy = verdict.message;
        }
        if (pending.length === 0) {
          return {
            healthy: true,
            message: many ? `${set.map((s) => s.service).join(', ')} running and healthy` : healthy,
          };
        }
        const message = pending.join('; ');
        if (Date.now() >= deadline) return { healthy: false, message: `timed out: ${message}` };
        ctx.log(message);
        await sleep(NAME, opts.pollIntervalMs, ctx.signal);
      }
    },
    async revert(instruction, ctx) {
      const set = servicesOf(instruction);
      const text = await readFile(opts.file, 'utf8');
      const backup = await readFile(opts.backupFile, 'utf8').catch(() => undefined);
      const runsOurs = await Promise.all(
        set.map(async (s) => composeImageVersion(await readServiceImage(text, s.service)) === s.version),
      );
      const backupIsOlder = backup
        ? await Promise.all(
            set.map(
              async (s) =>
                composeImageVersion(await readServiceImage(backup, s.service).catch(() => '')) !== s.version,
            ),
          )
        : [];
      // The backup belongs to this change only if the file carries all our versions and the backup does not; an
      // older backup (our apply was a no-op) would otherwise roll back further than asked.
      const missing: string[] = [];
      if (backup !== undefined && runsOurs.every(Boolean) && backupIsOlder.some(Boolean)) {
        await writeAtomic(opts.file, backup);
        ctx.log(`restored ${opts.file} from ${opts.backupFile}`);
      } else {
        const moves = set.flatMap((s) => (s.previousVersion ? [{ ...s, version: s.previousVersion }] : []));
        if (moves.length === 0) {
          throw new ExecutorError({
            executor: NAME,
            code: 'invalid_config',
            message: 'no backup of this change and no previous version',
          });
        }
        for (const m of moves) assertSafeVersion(NAME, m.version);
        await writeVersions(moves, ctx, false);
        missing.push(...set.filter((s) => !s.previousVersion).map((s) => s.component));
      }
      await up(
        set.map((s) => s.service),
        opts.waitTimeoutSeconds ?? instruction.verifyTimeoutSeconds,
        ctx,
      );
      if (missing.length > 0) {
        throw partialRevertError(
          NAME,
          missing,
          set.filter((s) => s.previousVersion).map((s) => s.component),
        );
      }
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
