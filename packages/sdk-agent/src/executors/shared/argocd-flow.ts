import {
  type CurrentState,
  type Executor,
  type ExecutorContext,
  ExecutorError,
  type UpdateInstruction,
  type VerifyResult,
} from '../../executor';
import { sleep, throwIfAborted } from './abort';
import {
  type Application,
  type ApplicationSpec,
  evaluateApplication,
  readHelmParameter,
  setHelmParameter,
} from './argocd';
import { applicationName, lookupComponent } from './options';
import { assertSafeVersion } from './version';

/** The I/O an Argo CD executor needs; the REST API and the Kubernetes CR implement it differently. */
export interface ArgoCdBackend {
  get(name: string, signal: AbortSignal, refresh: boolean): Promise<Application>;
  /**
   * Writes `edit(app.spec)`. `app` is what was just read; a backend that detects concurrent writers (409) re-reads
   * and applies `edit` again, because the parameters list is replaced as a whole.
   */
  writeSpec(
    name: string,
    app: Application,
    edit: (spec: ApplicationSpec) => ApplicationSpec,
    signal: AbortSignal,
  ): Promise<void>;
  /** Starts a sync; `in_progress` when one already runs (HTTP 400 / `.operation` set). */
  sync(name: string, app: Application, signal: AbortSignal): Promise<'started' | 'in_progress'>;
}

/** Settings shared by the Argo CD executors. */
export interface ArgoCdFlowOptions {
  helmKeys: Record<string, string>;
  appName: string;
  sourceIndex: number | undefined;
  pollIntervalMs: number;
  /** Injectable clock (ms since epoch). */
  now?: () => number;
}

/**
 * The Argo CD update flow as one imperative shell over a backend: read, edit the Helm parameter in the whole
 * parameters list, write, sync (waiting for a running operation instead of failing), then poll until
 * {@link evaluateApplication} trusts a Synced + Healthy status that shows our value.
 */
export function createArgoCdFlow(
  name: string,
  opts: ArgoCdFlowOptions,
  backend: ArgoCdBackend,
): Omit<Executor, 'doctor'> {
  const now = opts.now ?? Date.now;
  /** When we started syncing, per task and component, for the stale-status guard. */
  const syncStarts = new Map<string, number>();
  /** Tasks whose sync met a running operation: sync again once it ends if the app is still OutOfSync. */
  const deferredSyncs = new Set<string>();
  const keyOf = (i: UpdateInstruction, version: string) => `${i.taskId}/${i.component}/${version}`;

  const rollTo = async (instruction: UpdateInstruction, version: string, ctx: ExecutorContext) => {
    assertSafeVersion(name, version);
    const parameter = lookupComponent(name, opts.helmKeys, instruction.component);
    const app = applicationName(name, opts.appName, ctx.clientId);
    const found = await backend.get(app, ctx.signal, false);
    if (!found.spec)
      throw new ExecutorError({ executor: name, code: 'api_error', message: `${app} has no spec` });
    let current: string | null;
    try {
      current = readHelmParameter(found.spec, parameter, opts.sourceIndex);
    } catch (cause) {
      throw new ExecutorError({ executor: name, code: 'invalid_config', message: String(cause), cause });
    }
    if (current === version && found.status?.sync?.status === 'Synced' && found.operation == null) {
      ctx.log(`${app}: ${parameter} is already ${version} and Synced; nothing to apply`);
      return;
    }
    if (current !== version) {
      const edit = (spec: ApplicationSpec) => setHelmParameter(spec, parameter, version, opts.sourceIndex);
      try {
        await backend.writeSpec(app, found, edit, ctx.signal);
      } catch (error) {
        if (error instanceof RangeError) {
          throw new ExecutorError({
            executor: name,
            code: 'invalid_config',
            message: error.message,
            cause: error,
          });
        }
        throw error;
      }
      ctx.log(`${app}: set ${parameter}=${version} (forceString)`);
    }
    throwIfAborted(name, ctx.signal);
    const startedAt = now();
    syncStarts.set(keyOf(instruction, version), startedAt);
    const outcome = await backend.sync(app, found, ctx.signal);
    if (outcome === 'in_progress') deferredSyncs.add(keyOf(instruction, version));
    ctx.log(
      outcome === 'started'
        ? `${app}: sync started`
        : `${app}: another operation is already in progress; waiting for it`,
    );
  };

  const waitFor = async (
    instruction: UpdateInstruction,
    version: string,
    ctx: ExecutorContext,
  ): Promise<VerifyResult> => {
    assertSafeVersion(name, version);
    const parameter = lookupComponent(name, opts.helmKeys, instruction.component);
    const app = applicationName(name, opts.appName, ctx.clientId);
    const deadline = now() + instruction.verifyTimeoutSeconds * 1000;
    const key = keyOf(instruction, version);
    let syncStartedAt = syncStarts.get(key);
    let last = '';
    // The per-task entries end with the verdict, so a long-running agent does not accumulate them.
    const verdictOf = (result: VerifyResult): VerifyResult => {
      syncStarts.delete(key);
      deferredSyncs.delete(key);
      return result;
    };
    for (let poll = 0; ; poll++) {
      // The first read asks Argo CD to compare again, so a stale comparison does not linger.
      const found = await backend.get(app, ctx.signal, poll === 0);
      const verdict = evaluateApplication(found, {
        parameter,
        value: version,
        ...(opts.sourceIndex === undefined ? {} : { sourceIndex: opts.sourceIndex }),
        ...(syncStartedAt === undefined ? {} : { syncStartedAt }),
      });
      if (verdict.state === 'healthy') return verdictOf({ healthy: true, message: verdict.message });
      if (verdict.state === 'failed') return verdictOf({ healthy: false, message: verdict.message });
      const idle = found.operation == null && found.status?.operationState?.phase !== 'Running';
      if (deferredSyncs.has(key) && idle && found.status?.sync?.status === 'OutOfSync') {
        // The operation we waited for synced older parameters: now start ours.
        syncStartedAt = now();
        syncStarts.set(key, syncStartedAt);
        if ((await backend.sync(app, found, ctx.signal)) === 'started') {
          deferredSyncs.delete(key);
          ctx.log(`${app}: the other operation ended; sync started`);
        }
      }
      if (now() >= deadline) return verdictOf({ healthy: false, message: `timed out: ${verdict.message}` });
      if (verdict.message !== last) ctx.log(`${app}: ${verdict.message}`);
      last = verdict.message;
      await sleep(name, opts.pollIntervalMs, ctx.signal);
    }
  };

  return {
    name,
    async current(instruction, ctx): Promise<CurrentState> {
      const parameter = lookupComponent(name, opts.helmKeys, instruction.component);
      const app = applicationName(name, opts.appName, ctx.clientId);
      const found = await backend.get(app, ctx.signal, false);
      const status = `${found.status?.sync?.status ?? 'Unknown'}/${found.status?.health?.status ?? 'Unknown'}`;
      return {
        version: readHelmParameter(found.spec, parameter, opts.sourceIndex),
        detail: `${app} ${parameter} (${status})`,
      };
    },
    apply: (instruction, ctx) => rollTo(instruction, instruction.version, ctx),
    verify: (instruction, ctx): Promise<VerifyResult> => waitFor(instruction, instruction.version, ctx),
    async revert(instruction, ctx) {
      if (!instruction.previousVersion) {
        throw new ExecutorError({
          executor: name,
          code: 'invalid_config',
          message: 'no previous version to revert to',
        });
      }
      await rollTo(instruction, instruction.previousVersion, ctx);
    },
  };
}
