import {
  type CurrentState,
  componentsOf,
  type DoctorCheck,
  type Executor,
  type ExecutorContext,
  ExecutorError,
  type UpdateInstruction,
  type VerifyResult,
} from '../../executor';
import { sleep, throwIfAborted } from '../shared/abort';
import { partialRevertError } from '../shared/set';
import { assertSafeVersion } from '../shared/version';

const NAME = 'fake';

/** Options of the in-memory {@link createFakeExecutor}. */
export interface FakeExecutorOptions {
  /**
   * Versions running before the first apply, per component.
   * @default {}
   */
  initial?: Record<string, string>;
  /**
   * Makes `apply` fail: `true` for every call, or a predicate on the instruction. The error is an
   * {@link ExecutorError} with code `command_failed` (or the one given in `applyErrorCode`).
   * @default false
   */
  failApply?: boolean | ((instruction: UpdateInstruction) => boolean);
  /**
   * Code of the error thrown when `failApply` matches.
   * @default 'command_failed'
   */
  applyErrorCode?: ExecutorError['code'];
  /**
   * Components whose apply fails after the components before them in the set were applied (a half-applied set, as
   * when a second Deployment patch is refused). The error is the same as for `failApply`.
   * @default []
   */
  failComponents?: Iterable<string>;
  /**
   * Versions that come up unhealthy: `verify` answers `healthy: false` for them, whichever component runs them.
   * @default []
   */
  unhealthyVersions?: Iterable<string>;
  /**
   * Versions that come up unhealthy for one component only, e.g. `{ media: ['5.0.0'] }`: one failing part of a set.
   * @default {}
   */
  unhealthyByComponent?: Record<string, Iterable<string>>;
  /**
   * Delay in ms before `apply` and `verify` answer (abortable through `ctx.signal`).
   * @default 0
   */
  delayMs?: number;
  /**
   * Result of `doctor`.
   * @default [{ name: 'fake', ok: true, detail: 'in-memory executor' }]
   */
  doctorChecks?: DoctorCheck[];
}

/** One recorded call on a fake executor. */
export interface FakeExecutorCall {
  method: 'current' | 'apply' | 'verify' | 'revert' | 'doctor';
  instruction?: UpdateInstruction;
  clientId: string;
}

/** The fake executor plus what tests inspect. */
export interface FakeExecutor extends Executor {
  /** Every call, in order. */
  readonly calls: FakeExecutorCall[];
  /** What runs now, per component. */
  readonly running: Map<string, string>;
  /** Always present on the fake. */
  revert: NonNullable<Executor['revert']>;
  /** The calls of one method. */
  callsOf(method: FakeExecutorCall['method']): FakeExecutorCall[];
}

/**
 * An in-memory executor for tests and the simulator: keeps "running" versions per component in a map, records every
 * call, and can be told to fail applies (all of a set, or from one component on), come up unhealthy (any component,
 * or one) or be slow. Refuses unsafe versions like the real executors.
 */
export function createFakeExecutor(options: FakeExecutorOptions = {}): FakeExecutor {
  const delayMs = options.delayMs ?? 0;
  if (!Number.isInteger(delayMs) || delayMs < 0) {
    throw new ExecutorError({
      executor: NAME,
      code: 'invalid_config',
      message: `delayMs: must be >= 0, got ${delayMs}`,
    });
  }
  const failApply = options.failApply ?? false;
  const unhealthy = new Set(options.unhealthyVersions ?? []);
  const unhealthyOf = new Map(
    Object.entries(options.unhealthyByComponent ?? {}).map(([c, versions]) => [c, new Set(versions)]),
  );
  const failComponents = new Set(options.failComponents ?? []);
  const running = new Map(Object.entries(options.initial ?? {}));
  const previous = new Map<string, string | undefined>();
  const calls: FakeExecutorCall[] = [];
  const record = (method: FakeExecutorCall['method'], clientId: string, instruction?: UpdateInstruction) =>
    calls.push(
      instruction ? { method, clientId, instruction: structuredClone(instruction) } : { method, clientId },
    );
  const wait = async (ctx: ExecutorContext) => {
    if (delayMs > 0) await sleep(NAME, delayMs, ctx.signal);
    throwIfAborted(NAME, ctx.signal);
  };

  return {
    name: NAME,
    calls,
    running,
    callsOf: (method) => calls.filter((c) => c.method === method),
    async current(instruction, ctx): Promise<CurrentState> {
      record('current', ctx.clientId, instruction);
      const set = componentsOf(instruction);
      const versions = Object.fromEntries(set.map((c) => [c.component, running.get(c.component) ?? null]));
      return { version: versions[set[0]!.component] ?? null, versions, detail: 'in-memory' };
    },
    async apply(instruction, ctx) {
      record('apply', ctx.clientId, instruction);
      const set = componentsOf(instruction);
      for (const c of set) assertSafeVersion(NAME, c.version);
      await wait(ctx);
      const fails = typeof failApply === 'function' ? failApply(instruction) : failApply;
      const failAt = fails ? 0 : set.findIndex((c) => failComponents.has(c.component));
      for (const [i, c] of set.entries()) {
        if (i === failAt) {
          throw new ExecutorError({
            executor: NAME,
            code: options.applyErrorCode ?? 'command_failed',
            message: `configured to fail applying ${c.component}=${c.version}`,
          });
        }
        if (running.get(c.component) === c.version) {
          ctx.log(`${c.component} already runs ${c.version}`);
          continue;
        }
        previous.set(c.component, running.get(c.component));
        running.set(c.component, c.version);
        ctx.log(`set ${c.component}=${c.version}`);
      }
    },
    async verify(instruction, ctx): Promise<VerifyResult> {
      record('verify', ctx.clientId, instruction);
      await wait(ctx);
      const set = componentsOf(instruction);
      for (const c of set) {
        const version = running.get(c.component);
        if (version !== c.version) {
          return { healthy: false, message: `${c.component} runs ${version ?? 'nothing'}, not ${c.version}` };
        }
        if (unhealthy.has(version) || unhealthyOf.get(c.component)?.has(version)) {
          const message = `Degraded: ${version} configured unhealthy`;
          return { healthy: false, message: set.length > 1 ? `${c.component}: ${message}` : message };
        }
      }
      return { healthy: true, message: 'Healthy' };
    },
    async revert(instruction, ctx) {
      record('revert', ctx.clientId, instruction);
      await wait(ctx);
      const set = componentsOf(instruction);
      const moves = set.flatMap((c) => {
        const back = c.previousVersion ?? previous.get(c.component);
        return back === undefined || back === null ? [] : [{ component: c.component, back }];
      });
      if (moves.length === 0) {
        throw new ExecutorError({ executor: NAME, code: 'invalid_config', message: 'nothing to revert to' });
      }
      for (const m of moves) assertSafeVersion(NAME, m.back);
      for (const m of moves) {
        running.set(m.component, m.back);
        ctx.log(`reverted ${m.component} to ${m.back}`);
      }
      if (moves.length < set.length) {
        throw partialRevertError(
          NAME,
          set.filter((c) => !moves.some((m) => m.component === c.component)).map((c) => c.component),
          moves.map((m) => m.component),
        );
      }
    },
    async doctor(ctx) {
      record('doctor', ctx.clientId);
      return options.doctorChecks ?? [{ name: 'fake', ok: true, detail: 'in-memory executor' }];
    },
  };
}
