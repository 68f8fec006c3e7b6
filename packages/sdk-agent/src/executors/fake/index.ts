import {
  type CurrentState,
  type DoctorCheck,
  type Executor,
  type ExecutorContext,
  ExecutorError,
  type UpdateInstruction,
  type VerifyResult,
} from '../../executor';
import { sleep, throwIfAborted } from '../shared/abort';
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
   * Versions that come up unhealthy: `verify` answers `healthy: false` for them.
   * @default []
   */
  unhealthyVersions?: Iterable<string>;
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
 * An in-memory executor for tests and the simulator: keeps "running" versions in a map, records every call, and can
 * be told to fail applies, come up unhealthy or be slow. Refuses unsafe versions like the real executors.
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
      return { version: running.get(instruction.component) ?? null, detail: 'in-memory' };
    },
    async apply(instruction, ctx) {
      record('apply', ctx.clientId, instruction);
      assertSafeVersion(NAME, instruction.version);
      await wait(ctx);
      const fails = typeof failApply === 'function' ? failApply(instruction) : failApply;
      if (fails) {
        throw new ExecutorError({
          executor: NAME,
          code: options.applyErrorCode ?? 'command_failed',
          message: `configured to fail applying ${instruction.component}=${instruction.version}`,
        });
      }
      if (running.get(instruction.component) === instruction.version) {
        ctx.log(`${instruction.component} already runs ${instruction.version}`);
        return;
      }
      previous.set(instruction.component, running.get(instruction.component));
      running.set(instruction.component, instruction.version);
      ctx.log(`set ${instruction.component}=${instruction.version}`);
    },
    async verify(instruction, ctx): Promise<VerifyResult> {
      record('verify', ctx.clientId, instruction);
      await wait(ctx);
      const version = running.get(instruction.component);
      if (version !== instruction.version) {
        return {
          healthy: false,
          message: `${instruction.component} runs ${version ?? 'nothing'}, not ${instruction.version}`,
        };
      }
      if (unhealthy.has(version))
        return { healthy: false, message: `Degraded: ${version} configured unhealthy` };
      return { healthy: true, message: 'Healthy' };
    },
    async revert(instruction, ctx) {
      record('revert', ctx.clientId, instruction);
      await wait(ctx);
      const back = instruction.previousVersion ?? previous.get(instruction.component);
      if (back === undefined || back === null) {
        throw new ExecutorError({ executor: NAME, code: 'invalid_config', message: 'nothing to revert to' });
      }
      assertSafeVersion(NAME, back);
      running.set(instruction.component, back);
      ctx.log(`reverted ${instruction.component} to ${back}`);
    },
    async doctor(ctx) {
      record('doctor', ctx.clientId);
      return options.doctorChecks ?? [{ name: 'fake', ok: true, detail: 'in-memory executor' }];
    },
  };
}
