import {
  type CurrentState,
  componentsOf,
  type Executor,
  type ExecutorContext,
  ExecutorError,
  type InstructionComponent,
  type UpdateInstruction,
  type VerifyResult,
} from '../../executor';
import { sleep, throwIfAborted } from './abort';
import {
  type Application,
  type ApplicationSpec,
  type ExpectedParameter,
  evaluateApplication,
  isSettledOn,
  readHelmParameter,
  setHelmParameters,
} from './argocd';
import { applicationName, lookupComponent } from './options';
import { partialRevertError, withoutPrevious } from './set';
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

/** A set's components with their Helm parameter (the agent's mapping wins over the GCC's suggestion) and a value. */
export function helmValuesOf(
  executor: string,
  helmKeys: Readonly<Record<string, string>>,
  components: readonly InstructionComponent[],
  pick: (c: InstructionComponent) => string | null,
): { component: string; parameter: string; value: string }[] {
  return components.map((c) => {
    const value = pick(c);
    assertSafeVersion(executor, value);
    return { component: c.component, parameter: lookupComponent(executor, helmKeys, c.component), value };
  });
}

/** `backend.image.tag=5.0.0, media.image.tag=5.0.0`, for logs. */
export function describeHelmValues(values: readonly { parameter: string; value: string }[]): string {
  return values.map((v) => `${v.parameter}=${v.value}`).join(', ');
}

/**
 * The Argo CD update flow as one imperative shell over a backend: read, edit the Helm parameters of every component
 * of the set in the whole parameters list, write once, sync once (waiting for a running operation instead of
 * failing), then poll until {@link evaluateApplication} trusts a Synced + Healthy status that shows all our values.
 */
export function createArgoCdFlow(
  name: string,
  opts: ArgoCdFlowOptions,
  backend: ArgoCdBackend,
): Omit<Executor, 'doctor'> {
  const now = opts.now ?? Date.now;
  /** When we started syncing, per task and set of values, for the stale-status guard. */
  const syncStarts = new Map<string, number>();
  /** Tasks whose sync met a running operation: sync again once it ends if the app is still OutOfSync. */
  const deferredSyncs = new Set<string>();
  const keyOf = (i: UpdateInstruction, values: readonly ExpectedParameter[]) =>
    `${i.taskId}/${values.map((v) => `${v.component}=${v.value}`).join(',')}`;

  const rollTo = async (
    instruction: UpdateInstruction,
    values: readonly ExpectedParameter[],
    ctx: ExecutorContext,
  ) => {
    const app = applicationName(name, opts.appName, ctx.clientId);
    const found = await backend.get(app, ctx.signal, false);
    if (!found.spec)
      throw new ExecutorError({ executor: name, code: 'api_error', message: `${app} has no spec` });
    let current: (string | null)[];
    try {
      current = values.map((v) => readHelmParameter(found.spec, v.parameter, opts.sourceIndex));
    } catch (cause) {
      throw new ExecutorError({ executor: name, code: 'invalid_config', message: String(cause), cause });
    }
    const changed = values.some((v, i) => current[i] !== v.value);
    // Set and Synced on a comparison that shows them: nothing to do. Set but not synced (an agent killed between the
    // spec write and the sync, or a stale Synced from before the write) goes on to sync.
    if (!changed && isSettledOn(found, values, opts.sourceIndex)) {
      ctx.log(`${app}: ${describeHelmValues(values)} already set and Synced; nothing to apply`);
      return;
    }
    if (!changed) ctx.log(`${app}: ${describeHelmValues(values)} already set but not synced; syncing`);
    if (changed) {
      // One write for the whole set: the parameters list is replaced as a whole anyway.
      const edit = (spec: ApplicationSpec) => setHelmParameters(spec, values, opts.sourceIndex);
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
      ctx.log(`${app}: set ${describeHelmValues(values)} (forceString)`);
    }
    throwIfAborted(name, ctx.signal);
    const startedAt = now();
    syncStarts.set(keyOf(instruction, values), startedAt);
    const outcome = await backend.sync(app, found, ctx.signal);
    if (outcome === 'in_progress') deferredSyncs.add(keyOf(instruction, values));
    ctx.log(
      outcome === 'started'
        ? `${app}: sync started`
        : `${app}: another operation is already in progress; waiting for it`,
    );
  };

  const waitFor = async (
    instruction: UpdateInstruction,
    values: readonly ExpectedParameter[],
    ctx: ExecutorContext,
  ): Promise<VerifyResult> => {
    const [first] = values as [ExpectedParameter, ...ExpectedParameter[]];
    const app = applicationName(name, opts.appName, ctx.clientId);
    const deadline = now() + instruction.verifyTimeoutSeconds * 1000;
    const key = keyOf(instruction, values);
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
        parameter: first.parameter,
        value: first.value,
        ...(values.length > 1 ? { set: values } : {}),
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

  const targets = (instruction: UpdateInstruction) =>
    helmValuesOf(name, opts.helmKeys, componentsOf(instruction), (c) => c.version);

  return {
    name,
    async current(instruction, ctx): Promise<CurrentState> {
      const set = componentsOf(instruction);
      const parameters = set.map((c) => lookupComponent(name, opts.helmKeys, c.component));
      const app = applicationName(name, opts.appName, ctx.clientId);
      const found = await backend.get(app, ctx.signal, false);
      const status = `${found.status?.sync?.status ?? 'Unknown'}/${found.status?.health?.status ?? 'Unknown'}`;
      const versions = Object.fromEntries(
        set.map((c, i) => [c.component, readHelmParameter(found.spec, parameters[i]!, opts.sourceIndex)]),
      );
      const values = parameters.map((parameter, i) => ({
        parameter,
        value: versions[set[i]!.component] ?? '',
      }));
      return {
        version: versions[set[0]!.component] ?? null,
        versions,
        settled: isSettledOn(found, values, opts.sourceIndex),
        detail: `${app} ${parameters.join(', ')} (${status})`,
      };
    },
    // async: a refused version or component rejects the promise, it never throws synchronously.
    apply: async (instruction, ctx) => rollTo(instruction, targets(instruction), ctx),
    verify: async (instruction, ctx): Promise<VerifyResult> =>
      waitFor(instruction, targets(instruction), ctx),
    async revert(instruction, ctx) {
      const set = componentsOf(instruction);
      const missing = withoutPrevious(name, set);
      const back = set.filter((c) => c.previousVersion);
      await rollTo(
        instruction,
        helmValuesOf(name, opts.helmKeys, back, (c) => c.previousVersion),
        ctx,
      );
      if (missing.length > 0)
        throw partialRevertError(
          name,
          missing,
          back.map((c) => c.component),
        );
    },
  };
}
