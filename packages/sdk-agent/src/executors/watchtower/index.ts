import {
  type CurrentState,
  componentsOf,
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
 *
 * A release set is one Watchtower run: one `GET /v1/update?image=<repo1>,<repo2>,…` naming every component's image
 * (Watchtower's own list form), then every container is checked. Watchtower updates the containers of that run one
 * after the other and cannot put any of them back, so a set that fails verification stays as Watchtower left it
 * (the agent reports `failed`, saying the executor cannot revert).
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

  /** The set's components, each refused unless it asks for the tracked tag. */
  const refuseOtherTags = (instruction: UpdateInstruction) =>
    componentsOf(instruction).map((c) => {
      assertSafeVersion(NAME, c.version);
      if (c.version !== opts.trackedTag) {
        throw new ExecutorError({
          executor: NAME,
          code: 'invalid_config',
          message:
            `cannot move ${c.component} to ${c.version}: Watchtower only re-pulls the tag a ` +
            `container already runs (this host tracks "${opts.trackedTag}"); use the docker-compose executor for pinned tags`,
        });
      }
      return {
        component: c.component,
        container: lookupComponent(NAME, opts.containers, c.component),
        image: lookupComponent(NAME, opts.images, c.component),
      };
    });

  return {
    name: NAME,
    async current(instruction, ctx): Promise<CurrentState> {
      const set = componentsOf(instruction);
      const seen = await Promise.all(
        set.map(async (c) => {
          const container = lookupComponent(NAME, opts.containers, c.component);
          const [found] = await inspect(container, ctx);
          return found
            ? { version: imageVersion(found.image), detail: `${container}: ${found.image} (moving tag)` }
            : { version: null, detail: `${container} not found` };
        }),
      );
      return {
        version: seen[0]!.version,
        versions: Object.fromEntries(set.map((c, i) => [c.component, seen[i]!.version])),
        detail: seen.map((s) => s.detail).join('; '),
      };
    },
    async apply(instruction, ctx) {
      const set = refuseOtherTags(instruction);
      const image = set.map((s) => s.image).join(',');
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
      const set = refuseOtherTags(instruction);
      const many = set.length > 1;
      const named = (component: string, message: string) => (many ? `${component}: ${message}` : message);
      const deadline = Date.now() + instruction.verifyTimeoutSeconds * 1000;
      for (;;) {
        const pending: string[] = [];
        let healthy = '';
        for (const s of set) {
          const verdict = evaluateContainers(
            await inspect(s.container, ctx),
            `${s.image}:${opts.trackedTag}`,
          );
          if (verdict.state === 'failed')
            return { healthy: false, message: named(s.component, verdict.message) };
          if (verdict.state === 'pending') pending.push(named(s.component, verdict.message));
          else healthy = verdict.message;
        }
        if (pending.length === 0) {
          return {
            healthy: true,
            message: many ? `${set.map((s) => s.container).join(', ')} running and healthy` : healthy,
          };
        }
        if (Date.now() >= deadline) return { healthy: false, message: `timed out: ${pending.join('; ')}` };
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
