import {
  type CurrentState,
  type DoctorCheck,
  type Executor,
  type ExecutorContext,
  ExecutorError,
  isExecutorError,
  type UpdateInstruction,
  type VerifyResult,
} from '../../executor';
import { sleep } from '../shared/abort';
import { commandFailed, runCommand } from '../shared/command';
import { evaluateContainers, parseDockerInspect } from '../shared/docker';
import { lookupComponent } from '../shared/options';
import { assertSafeVersion, imageVersion } from '../shared/version';
import { compileWatchtowerOptions, type WatchtowerExecutorOptions } from './options';

export type { WatchtowerExecutorOptions } from './options';
export { compileWatchtowerOptions, IMAGE_REPOSITORY_PATTERN } from './options';

const NAME = 'watchtower';

/**
 * For Docker hosts that track a MOVING tag (e.g. `:latest` or `:stable`): asks Watchtower's HTTP API to update the
 * component's image (`GET /v1/update?image=<repo>` with `Authorization: Bearer <token>`; it blocks until the run
 * ends), then checks the container with `docker inspect`.
 *
 * Watchtower re-pulls the SAME tag a container already runs; it cannot move a container to a new tag. So this
 * executor refuses (`invalid_config`) any instruction whose version is not the configured `trackedTag`, and has no
 * revert: the previous image is gone once the moving tag moved. Hosts pinned to explicit tags need the
 * `docker-compose` executor instead.
 */
export function createWatchtowerExecutor(options: WatchtowerExecutorOptions): Executor {
  const opts = compileWatchtowerOptions(options);

  const inspect = async (
    container: string,
    ctx: Pick<ExecutorContext, 'signal'> & { log?: (l: string) => void },
  ) => {
    const args = ['inspect', container];
    const result = await runCommand(NAME, opts.dockerBinary, args, {
      env: opts.env,
      signal: ctx.signal,
      timeoutMs: 60_000,
      ...(ctx.log ? { log: ctx.log } : {}),
    });
    if (result.exitCode !== 0) {
      if (/No such object/i.test(result.stderr)) return [];
      throw commandFailed(NAME, opts.dockerBinary, args, result);
    }
    return parseDockerInspect(result.stdout);
  };

  const refuseOtherTags = (instruction: UpdateInstruction) => {
    assertSafeVersion(NAME, instruction.version);
    if (instruction.version !== opts.trackedTag) {
      throw new ExecutorError({
        executor: NAME,
        code: 'invalid_config',
        message:
          `cannot move ${instruction.component} to ${instruction.version}: Watchtower only re-pulls the tag a ` +
          `container already runs (this host tracks "${opts.trackedTag}"); use the docker-compose executor for pinned tags`,
      });
    }
  };

  return {
    name: NAME,
    async current(instruction, ctx): Promise<CurrentState> {
      const container = lookupComponent(NAME, opts.containers, instruction.component);
      const [found] = await inspect(container, ctx);
      return found
        ? { version: imageVersion(found.image), detail: `${container}: ${found.image} (moving tag)` }
        : { version: null, detail: `${container} not found` };
    },
    async apply(instruction, ctx) {
      refuseOtherTags(instruction);
      const image = lookupComponent(NAME, opts.images, instruction.component);
      const url = `${opts.url}/v1/update?${new URLSearchParams({ image })}`;
      ctx.log(`GET ${url}`);
      let response: Response;
      try {
        response = await opts.fetch(url, {
          method: 'GET',
          headers: { Authorization: `Bearer ${opts.token}` },
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(opts.requestTimeoutMs)]),
        });
      } catch (cause) {
        throw new ExecutorError({
          executor: NAME,
          code: ctx.signal.aborted ? 'timeout' : 'api_error',
          retryable: true,
          message: `Watchtower at ${opts.url} did not answer: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause,
        });
      }
      const text = await response.text();
      if (response.status === 401 || response.status === 403) {
        throw new ExecutorError({
          executor: NAME,
          code: 'forbidden',
          message: `Watchtower refused the token (HTTP ${response.status})`,
        });
      }
      if (!response.ok) {
        throw new ExecutorError({
          executor: NAME,
          code: 'api_error',
          retryable: response.status >= 500,
          message: `Request failed with status code ${response.status}: GET /v1/update: ${text.slice(0, 200)}`,
        });
      }
      ctx.log(`Watchtower finished updating ${image}`);
    },
    async verify(instruction, ctx): Promise<VerifyResult> {
      refuseOtherTags(instruction);
      const container = lookupComponent(NAME, opts.containers, instruction.component);
      const expected = `${lookupComponent(NAME, opts.images, instruction.component)}:${opts.trackedTag}`;
      const deadline = Date.now() + instruction.verifyTimeoutSeconds * 1000;
      for (;;) {
        const verdict = evaluateContainers(await inspect(container, ctx), expected);
        if (verdict.state !== 'pending')
          return { healthy: verdict.state === 'healthy', message: verdict.message };
        if (Date.now() >= deadline) return { healthy: false, message: `timed out: ${verdict.message}` };
        await sleep(NAME, opts.pollIntervalMs, ctx.signal);
      }
    },
    async doctor(ctx): Promise<DoctorCheck[]> {
      const checks: DoctorCheck[] = [];
      for (const [component, container] of Object.entries(opts.containers)) {
        try {
          const [found] = await inspect(container, ctx);
          checks.push(
            found
              ? {
                  name: `container ${container}`,
                  ok: true,
                  detail: `${component}: ${found.image} ${found.state}`,
                }
              : {
                  name: `container ${container}`,
                  ok: false,
                  code: 'not_found',
                  detail: `no container named ${container}`,
                },
          );
        } catch (error) {
          checks.push({
            name: `container ${container}`,
            ok: false,
            code: isExecutorError(error) ? error.code : 'command_failed',
            detail: error instanceof Error ? error.message : String(error),
          });
        }
      }
      // Any request to /v1/update starts a run, so reachability is checked on the root path (404 is fine).
      try {
        await opts.fetch(`${opts.url}/`, {
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(5_000)]),
        });
        checks.push({ name: 'Watchtower HTTP API', ok: true, detail: `${opts.url} reachable` });
      } catch (error) {
        checks.push({
          name: 'Watchtower HTTP API',
          ok: false,
          code: 'api_error',
          detail: `${opts.url} unreachable: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      return checks;
    },
  };
}
