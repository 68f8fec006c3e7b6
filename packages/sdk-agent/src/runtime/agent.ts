import {
  createGccClient,
  type GccClient,
  isGccHttpError,
  isGccNetworkError,
  isGccTimeoutError,
  type StatusReport,
} from '@wrktalk/sdk-gcc';
import mitt, { type Emitter } from 'mitt';
import {
  type CurrentState,
  componentsOf,
  deployedVersion,
  describeSet,
  type ExecutorContext,
  type OfferedUpdate,
  type UpdateInstruction,
  type VerifyResult,
} from '../executor';
import { backoffDelay, parseRetryAfter, pollSpreadMs } from './backoff';
import { IllegalStateError } from './errors/illegal-state-error';
import { StateFileError } from './errors/state-file-error';
import type { AgentErrorPhase, AgentEvents } from './events';
import { validateInstruction } from './instruction';
import { createNodeHttpSend } from './node-http';
import { type AgentOptions, type CompiledAgentOptions, compileAgentOptions, isGccClient } from './options';
import { type AgentState, nextState } from './state';
import {
  type AgentStateFile,
  type CheckpointResult,
  type CheckpointStep,
  COMPLETED_MEMORY,
  checkStateFile,
  describeOwner,
  emptyState,
  normalizeGccUrl,
  ownershipOf,
  readStateFile,
  type StateOwner,
  stateFileWriteProblem,
  writeStateFile,
} from './state-file';
import { clip, LOG_LIMITS, TaskLog } from './task-log';
import { offerSignatureProblem, SIGNATURE_INVALID } from './verify';

/** What one {@link Agent.runOnce} did, and how long the loop would wait before the next poll. */
export interface RunOnceResult {
  outcome:
    | 'idle'
    | 'not_modified'
    | 'succeeded'
    | 'failed'
    | 'rejected'
    | 'duplicate'
    | 'abandoned'
    | 'error'
    | 'stopped';
  /** The task handled, if any. */
  taskId?: string;
  /** Pause before the next poll, in ms. */
  delayMs: number;
}

/** An update agent: polls the GCC, applies through its executor, verifies, reports. */
export interface Agent {
  /** Current state; see {@link AgentState}. */
  readonly state: AgentState;
  /** Events (mitt): `state`, `poll`, `update`, `apply:start`, `apply:done`, `verify`, `report`, `error`. */
  readonly events: Emitter<AgentEvents>;
  /** Runs the poll loop; resolves once the agent has stopped. Resumes a task a previous process left mid-flight. */
  start(): Promise<void>;
  /**
   * Stops: aborts the long-poll and sleeps, lets the current step finish for up to `stopGraceMs` (then aborts it;
   * its checkpoint stays for the next start), and resolves in state `stopped`.
   */
  stop(): Promise<void>;
  /** One poll-and-handle cycle without the loop (tests, cron-style use). Not allowed while `start()` runs. */
  runOnce(): Promise<RunOnceResult>;
}

/** Creates an agent. Throws `AgentOptionsError` listing every problem with the options. */
export function createAgent(options: AgentOptions): Agent {
  return new UpdateAgent(compileAgentOptions(options));
}

type TaskOutcome = 'succeeded' | 'failed' | 'abandoned' | 'stopped';

/** Why a step's signal was aborted. */
class StepAbort extends Error {
  constructor(
    readonly reason: 'timeout' | 'stop',
    message: string,
  ) {
    super(message);
    this.name = reason === 'timeout' ? 'StepTimeoutError' : 'AgentStoppingError';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What an instruction moves to, for logs: `backend → 5.0.0`, or the set `backend 5.0.0, media 5.0.0, ct 5.0.0`. */
function targetOf(ins: UpdateInstruction): string {
  const set = componentsOf(ins);
  return set.length > 1 ? describeSet(set) : `${ins.component} → ${ins.version}`;
}

/** The end of a failure message after a revert: `reverted to 4.9.0`, or `reverted backend, media to 4.9.0, 4.9.0`. */
function revertedTo(ins: UpdateInstruction): string {
  const set = componentsOf(ins);
  if (set.length === 1) return `reverted to ${ins.previousVersion ?? 'the previous version'}`;
  return `reverted ${set.map((c) => c.component).join(', ')} to ${set.map((c) => c.previousVersion ?? 'previous').join(', ')}`;
}

/**
 * Whether the target already runs every component of the set (the resume-after-restart skip). A component runs its
 * version when the executor reads the tag or the digest it deploys; an executor that only tells `version` can vouch
 * for a single component, never for a set.
 */
function runsAll(ins: UpdateInstruction, cur: CurrentState): boolean {
  // Written but not rolled out (Argo CD: `app set` done, `app sync` not): apply again, which only syncs.
  if (cur.settled === false) return false;
  const set = componentsOf(ins);
  return set.every((c, i) => {
    const running = cur.versions
      ? cur.versions[c.component]
      : i === 0 && set.length === 1
        ? cur.version
        : undefined;
    return running != null && (running === c.version || running === deployedVersion(c));
  });
}

/** A checkpoint could not be written: the side effect it announces did not happen, and the task is paused. */
class CheckpointWriteError extends Error {
  constructor(
    message: string,
    readonly taskId: string,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'CheckpointWriteError';
  }
}

/** Whether retrying a failed call later may help (network trouble, timeouts, 408/429/5xx). */
function isTransient(error: unknown): boolean {
  if (isGccNetworkError(error) || isGccTimeoutError(error)) return true;
  if (isGccHttpError(error)) return error.status === 408 || error.status === 429 || error.status >= 500;
  return true;
}

class UpdateAgent implements Agent {
  readonly events: Emitter<AgentEvents> = mitt<AgentEvents>();
  readonly #o: CompiledAgentOptions;
  readonly #gcc: GccClient;
  #state: AgentState = 'starting';
  #stopping = false;
  #started = false;
  readonly #stop = new AbortController();
  #step: AbortController | undefined;
  #busy: Promise<unknown> | undefined;
  #file: AgentStateFile = emptyState();
  #loaded = false;
  /** The file's task in flight came from a file without an owner: resumed only once the GCC offers it again. */
  #unconfirmed = false;
  #etag: string | undefined;
  #pollAfterMs: number | undefined;
  #failures = 0;
  /** Consecutive cycles that could not write the state file (their own backoff: a poll success does not reset it). */
  #stateFileFailures = 0;
  #retryAfterMs: number | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: CompiledAgentOptions) {
    this.#o = options;
    if (isGccClient(options.gcc)) {
      this.#gcc = options.gcc;
    } else {
      const { fetch: userFetch, send: userSend, ...gcc } = options.gcc;
      // The SDK's GccHttpError does not carry response headers, so Retry-After is read here.
      const noteRetryAfter = (status: number, headers: { get(name: string): string | null }) => {
        if (status === 429 || status === 503) {
          this.#retryAfterMs = parseRetryAfter(headers.get('retry-after'), this.#o.now().getTime());
        }
      };
      const common = {
        ...gcc,
        // The agent owns retries (its backoff is unbounded in time and observable); the SDK's would hide them.
        retry: false as const,
        // The agent validates offers itself so that it can report a malformed one on its task.
        validateResponses: gcc.validateResponses ?? false,
        headers: { 'user-agent': `wrktalk-agent/${options.agentVersion}`, ...gcc.headers },
      };
      if (userFetch) {
        // A fetch given by the caller (proxies, instrumentation) keeps the SDK's ky-over-fetch transport.
        this.#gcc = createGccClient({
          ...common,
          fetch: async (input, init) => {
            const response = await userFetch(input, init);
            noteRetryAfter(response.status, response.headers);
            return response;
          },
        });
      } else {
        // Default: node:http, so that an idle agent never loads Node's fetch (undici); see node-http.ts.
        const send = userSend ?? createNodeHttpSend();
        this.#gcc = createGccClient({
          ...common,
          send: async (request) => {
            const response = await send(request);
            noteRetryAfter(response.status, response.headers);
            return response;
          },
        });
      }
    }
  }

  get state(): AgentState {
    return this.#state;
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.#started || this.#busy || this.#state !== 'starting') {
      throw new IllegalStateError(this.#state, 'polling', `start() is allowed once, in state starting`);
    }
    this.#started = true;
    const loop = (async () => {
      await this.#init();
      while (!this.#stopping) {
        const r = await this.#cycle();
        if (this.#stopping) break;
        await this.#o.sleep(r.delayMs, this.#stop.signal);
      }
    })();
    this.#busy = loop;
    try {
      await loop;
    } finally {
      this.#busy = undefined;
      this.#finish();
    }
  }

  async runOnce(): Promise<RunOnceResult> {
    if (this.#started)
      throw new IllegalStateError(this.#state, 'polling', 'runOnce() is not allowed while start() runs');
    if (this.#stopping) return { outcome: 'stopped', delayMs: 0 };
    if (this.#busy) throw new IllegalStateError(this.#state, 'polling', 'runOnce() is already running');
    const run = (async () => {
      await this.#init();
      return this.#cycle();
    })();
    this.#busy = run;
    try {
      return await run;
    } finally {
      this.#busy = undefined;
    }
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      if (this.#state === 'stopped') return;
      this.#stopping = true;
      this.#move('stopping', true);
      this.#stop.abort();
      const grace = setTimeout(() => {
        if (this.#step && !this.#step.signal.aborted) {
          this.#o.logger.warn(
            { graceMs: this.#o.stopGraceMs },
            'stop grace period over: aborting the current step',
          );
          this.#step.abort(new StepAbort('stop', 'the agent is stopping'));
        }
      }, this.#o.stopGraceMs);
      try {
        await this.#busy?.catch(() => {});
      } finally {
        clearTimeout(grace);
        this.#finish();
      }
    })();
    return this.#stopped;
  }

  #finish(): void {
    this.#stopping = true;
    this.#stop.abort();
    if (this.#state !== 'stopping' && this.#state !== 'stopped') this.#move('stopping', true);
    if (this.#state !== 'stopped') this.#move('stopped', true);
  }

  /** Moves to `to` (logged and emitted). Once stopping, only `stopped` is taken: the current step just finishes. */
  #move(to: AgentState, lifecycle = false): void {
    if (this.#stopping && !lifecycle) return;
    const from = this.#state;
    if (from === to) return;
    this.#state = nextState(from, to);
    this.#o.logger.info({ from, to }, `agent ${from} → ${to}`);
    this.events.emit('state', { from, to });
  }

  #error(phase: AgentErrorPhase, error: unknown, extra: { taskId?: string; retryInMs?: number } = {}): void {
    this.events.emit('error', { phase, error, ...extra });
  }

  // ---- state file ------------------------------------------------------------------------------------------------

  async #init(): Promise<void> {
    if (this.#loaded) return;
    const owner = this.#owner();
    // A path that cannot hold the state file (a directory, an unwritable directory) is a configuration error: thrown
    // before anything is polled or applied (StateFileError), never found mid-task.
    await checkStateFile(this.#o.stateFile);
    let read: Awaited<ReturnType<typeof readStateFile>>;
    try {
      read = await readStateFile(this.#o.stateFile, this.#o.now, owner);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new StateFileError(
        this.#o.stateFile,
        `${this.#o.stateFile} cannot be read (${code ?? messageOf(error)})`,
        { code, cause: error },
      );
    }
    this.#loaded = true;
    if (read.kind === 'ok') {
      this.#file = read.state;
      const t = read.state.task;
      this.#o.logger.info(
        { stateFile: this.#o.stateFile, task: t ? `${t.taskId}#${t.attempt}` : null, step: t?.step ?? null },
        'state file loaded',
      );
      if (t && t.step !== 'done' && ownershipOf(read.state, owner) === 'legacy') {
        this.#unconfirmed = true;
        this.#o.logger.warn(
          { stateFile: this.#o.stateFile, task: `${t.taskId}#${t.attempt}`, step: t.step },
          `State file ${this.#o.stateFile} does not say which agent wrote it; its task ${t.taskId} is resumed ` +
            `only if the GCC offers it to ${describeOwner(owner)} again.`,
        );
      }
    } else if (read.kind === 'foreign') {
      const error = new Error(
        `State file ${this.#o.stateFile} belongs to ${describeOwner(read.found)}, not to this agent ` +
          `(${describeOwner(owner)}); ` +
          (read.movedTo ? `moved it to ${read.movedTo} and ` : '') +
          'starting with an empty state, without its task. Give each agent its own state file.',
      );
      this.#o.logger.warn(
        { stateFile: this.#o.stateFile, movedTo: read.movedTo, found: read.found, owner },
        error.message,
      );
      this.#error('state-file', error);
    } else if (read.kind === 'corrupt') {
      const error = new Error(
        `State file ${this.#o.stateFile} is unreadable (${read.reason}); ` +
          (read.movedTo ? `moved it to ${read.movedTo} and ` : '') +
          'starting with an empty state. A task that was mid-flight will be re-checked when the GCC offers it again.',
      );
      this.#o.logger.error(
        { stateFile: this.#o.stateFile, movedTo: read.movedTo, reason: read.reason },
        error.message,
      );
      this.#error('state-file', error);
    }
  }

  async #save(
    update: Partial<NonNullable<AgentStateFile['task']>> & { step: CheckpointStep },
    ins: UpdateInstruction,
  ) {
    const prev =
      this.#file.task?.taskId === ins.taskId && this.#file.task.attempt === ins.attempt
        ? this.#file.task
        : undefined;
    const task: NonNullable<AgentStateFile['task']> = {
      taskId: ins.taskId,
      attempt: ins.attempt,
      version: ins.version,
      previousVersion: ins.previousVersion,
      instruction: { ...ins },
      ...(prev?.result ? { result: prev.result } : {}),
      ...update,
      updatedAt: this.#o.now().toISOString(),
    };
    let completed = this.#file.completed;
    if (update.step === 'done') {
      const key = `${ins.taskId}:${ins.attempt}`;
      completed = [...completed.filter((k) => k !== key), key].slice(-COMPLETED_MEMORY);
    }
    const next: AgentStateFile = { v: 1, owner: this.#owner(), task, completed };
    // Written before the side effect it announces: if this fails the side effect does not happen (the cycle pauses
    // the task, see #cycle).
    try {
      await writeStateFile(this.#o.stateFile, next);
    } catch (error) {
      throw new CheckpointWriteError(stateFileWriteProblem(this.#o.stateFile, error), ins.taskId, {
        cause: error,
      });
    }
    this.#stateFileFailures = 0;
    this.#file = next;
    this.#unconfirmed = false;
  }

  /** The identity the state file is bound to: the GCC base URL (normalised) and the client id. */
  #owner(): StateOwner {
    const gcc = this.#o.gcc;
    return {
      gccUrl: isGccClient(gcc) ? null : normalizeGccUrl(gcc.baseUrl),
      clientId: this.#o.clientId,
    };
  }

  // ---- one cycle -------------------------------------------------------------------------------------------------

  /**
   * One cycle. A state file that cannot be written while running (replaced by a directory, a read-only or full
   * disk) never ends the agent: the step that needed the checkpoint is not taken, the task is paused where its last
   * checkpoint (in memory) left it, an error naming the file is logged and emitted (phase `state-file`), and the
   * agent keeps polling with backoff; the task resumes once the file can be written again.
   */
  async #cycle(): Promise<RunOnceResult> {
    try {
      return await this.#cycleOnce();
    } catch (error) {
      if (!(error instanceof CheckpointWriteError)) throw error;
      this.#stateFileFailures++;
      const { backoff, random, minPollIntervalMs } = this.#o;
      const delayMs = backoffDelay(this.#stateFileFailures, backoff, random, minPollIntervalMs);
      const message =
        `${error.message}; task ${error.taskId} is paused (the step that needed the checkpoint was not taken) and ` +
        `the agent keeps polling; it goes on once the state file can be written (retry in ${Math.round(delayMs / 1000)} s)`;
      this.#o.logger.error(
        { stateFile: this.#o.stateFile, taskId: error.taskId, err: error.cause, retryInMs: delayMs },
        message,
      );
      this.#error('state-file', new Error(message, { cause: error.cause }), {
        taskId: error.taskId,
        retryInMs: delayMs,
      });
      // The next poll must get the offer again (not a 304 for the one this cycle could not take).
      this.#etag = undefined;
      if (this.#stopping) return { outcome: 'stopped', delayMs: 0 };
      this.#move('polling');
      return { outcome: 'error', taskId: error.taskId, delayMs };
    }
  }

  async #cycleOnce(): Promise<RunOnceResult> {
    const pending = this.#file.task;
    if (pending && pending.step !== 'done' && !this.#unconfirmed) {
      const outcome = await this.#resume(pending);
      if (outcome) return { outcome, taskId: pending.taskId, delayMs: this.#afterTaskDelay(outcome) };
    }
    if (this.#stopping) return { outcome: 'stopped', delayMs: 0 };
    this.#move('polling');
    const started = this.#o.now().getTime();
    let answer: Awaited<ReturnType<GccClient['agent']['getUpdates']>>;
    try {
      this.#retryAfterMs = undefined;
      answer = await this.#gcc.agent.getUpdates(this.#o.clientId, {
        etag: this.#etag,
        waitSeconds: this.#o.pollWaitSeconds,
        signal: this.#stop.signal,
      });
    } catch (error) {
      if (this.#stopping) return { outcome: 'stopped', delayMs: 0 };
      // Spread over at least one poll period: a GCC restart fails every agent's poll at the same instant.
      const delayMs = this.#failureDelay(error, pollSpreadMs(this.#o.pollWaitSeconds, this.#pollAfterMs));
      this.#o.logger.warn(
        { err: error, failures: this.#failures, retryInMs: delayMs },
        `poll failed: ${messageOf(error)}`,
      );
      this.#error('poll', error, { retryInMs: delayMs });
      return { outcome: 'error', delayMs };
    }
    this.#failures = 0;
    const durationMs = this.#o.now().getTime() - started;
    if (answer.notModified) {
      this.events.emit('poll', { outcome: 'not_modified', etag: answer.etag, durationMs });
      this.#o.logger.debug({ durationMs }, 'poll: nothing new (304)');
      return { outcome: 'not_modified', delayMs: this.#pollDelay(started) };
    }
    this.#etag = answer.etag;
    const body = answer.body as { available?: unknown; poll_after_seconds?: unknown; update?: unknown };
    if (typeof body.poll_after_seconds === 'number' && body.poll_after_seconds >= 0) {
      this.#pollAfterMs = Math.min(body.poll_after_seconds, 3600) * 1000;
    }
    if (body.available !== true || body.update === undefined) {
      this.events.emit('poll', { outcome: 'none', etag: answer.etag, durationMs });
      this.#o.logger.debug({ durationMs }, 'poll: no update');
      return { outcome: 'idle', delayMs: this.#pollDelay(started) };
    }
    this.events.emit('poll', { outcome: 'update', etag: answer.etag, durationMs });
    const r = await this.#offer(body.update);
    return { ...r, delayMs: this.#afterTaskDelay(r.outcome) };
  }

  #pollDelay(startedMs: number): number {
    const elapsed = this.#o.now().getTime() - startedMs;
    return Math.max(this.#o.minPollIntervalMs, (this.#pollAfterMs ?? 0) - elapsed);
  }

  #afterTaskDelay(outcome: RunOnceResult['outcome']): number {
    return outcome === 'stopped' ? 0 : this.#o.minPollIntervalMs;
  }

  #failureDelay(error: unknown, spreadMs = 0): number {
    this.#failures++;
    const { backoff, random, minPollIntervalMs } = this.#o;
    let delay = backoffDelay(this.#failures, backoff, random, minPollIntervalMs, spreadMs);
    const retryAfter =
      isGccHttpError(error) && (error.status === 429 || error.status === 503)
        ? this.#retryAfterMs
        : undefined;
    if (retryAfter !== undefined) delay = Math.max(delay, Math.min(retryAfter, backoff.maxMs));
    return delay;
  }

  // ---- tasks -----------------------------------------------------------------------------------------------------

  async #offer(raw: unknown): Promise<{ outcome: RunOnceResult['outcome']; taskId?: string }> {
    const check = validateInstruction(raw, this.#o);
    if (!check.ok) {
      const message = `Rejected invalid instruction, nothing was applied: ${check.problems.join('; ')}`;
      const error = new Error(message);
      this.#o.logger.error({ task: check.task, problems: check.problems }, message);
      this.#error('instruction', error, check.task ? { taskId: check.task.taskId } : {});
      if (!check.task) return { outcome: 'rejected' };
      const key = `${check.task.taskId}:${check.task.attempt}`;
      if (this.#file.completed.includes(key)) return { outcome: 'duplicate', taskId: check.task.taskId };
      return this.#refuse(check.task, message, check.problems);
    }
    const ins = check.instruction;
    const key = `${ins.taskId}:${ins.attempt}`;
    const cp = this.#file.task;
    const same = cp?.taskId === ins.taskId && cp.attempt === ins.attempt;
    if (this.#file.completed.includes(key) || (same && cp?.step === 'done')) {
      this.#o.logger.info(
        { taskId: ins.taskId, attempt: ins.attempt },
        'duplicate delivery of a task already reported: not applying it again',
      );
      this.events.emit('update', { instruction: ins, resumed: false, duplicate: true });
      // Re-send the stored outcome: idempotent on the GCC, and repairs a report the GCC somehow did not keep.
      if (same && cp?.result) {
        this.#move('reporting');
        await this.#report(ins, cp.result.status, cp.result.message, cp.result.logs);
      } else if (this.#o.trustedKeys.length > 0) {
        // With pinned keys an attempt runs once: a finished one offered again is a replay, refused as such. (A
        // GCC that already holds this attempt's final report answers 409 and keeps it; nothing changes.)
        const message = `${SIGNATURE_INVALID}: replayed offer: task ${ins.taskId} attempt ${ins.attempt} was already finished by this agent; nothing was applied`;
        this.#o.logger.error({ taskId: ins.taskId, attempt: ins.attempt }, message);
        this.#error('signature', new Error(message), { taskId: ins.taskId });
        this.#move('reporting');
        await this.#report(ins, 'failed', message, undefined);
      }
      return { outcome: 'duplicate', taskId: ins.taskId };
    }
    // The offer as received, `components` included: a set is signed whole (`wrktalk-update/v2`), so changing any
    // component's version, image or previous version fails here; validation already tied the first to the top level.
    const signature = offerSignatureProblem(raw as OfferedUpdate, this.#o);
    if (signature) {
      const message = `${signature}; nothing was applied`;
      this.#o.logger.error({ taskId: ins.taskId, attempt: ins.attempt }, message);
      this.#error('signature', new Error(message), { taskId: ins.taskId });
      return this.#refuse(ins, message, [message]);
    }
    if (same && cp) {
      return { outcome: (await this.#resume(cp)) ?? 'duplicate', taskId: ins.taskId };
    }
    this.#o.logger.info(
      {
        taskId: ins.taskId,
        attempt: ins.attempt,
        component: ins.component,
        version: ins.version,
        ...(ins.components.length > 1 ? { components: describeSet(ins.components) } : {}),
        type: ins.type,
      },
      `update offered: ${targetOf(ins)}`,
    );
    this.events.emit('update', { instruction: ins, resumed: false, duplicate: false });
    return { outcome: await this.#run(ins, 'received', false), taskId: ins.taskId };
  }

  /**
   * Refuses an offer without applying anything: reports its attempt `failed` with `message` (checkpointed first, so a
   * restart still sends it) and remembers the attempt as finished.
   */
  async #refuse(
    task: { taskId: string; attempt: number },
    message: string,
    logs: string[],
  ): Promise<{ outcome: RunOnceResult['outcome']; taskId?: string }> {
    const { taskId, attempt } = task;
    const placeholder: UpdateInstruction = {
      taskId,
      attempt,
      deploymentId: '',
      type: 'update',
      component: '',
      version: '',
      imageUrl: '',
      previousVersion: null,
      helmParameter: '',
      verifyTimeoutSeconds: 1,
      components: [],
    };
    const result: CheckpointResult = {
      status: 'failed',
      message: clip(message, LOG_LIMITS.maxMessageLength),
      logs,
    };
    await this.#save({ step: 'reporting', result }, placeholder);
    this.#move('reporting');
    const sent = await this.#report(placeholder, result.status, result.message, result.logs);
    if (sent === 'stopped') return { outcome: 'stopped', taskId };
    await this.#save({ step: 'done' }, placeholder);
    return { outcome: 'rejected', taskId };
  }

  /** Continues a task from its checkpoint (after a restart, or a report that could not be sent). */
  async #resume(cp: NonNullable<AgentStateFile['task']>): Promise<TaskOutcome | undefined> {
    const stored = cp.instruction as unknown as UpdateInstruction;
    if (typeof stored?.taskId !== 'string' || typeof stored.attempt !== 'number') {
      this.#o.logger.error({ taskId: cp.taskId }, 'checkpoint without a usable instruction: dropping it');
      return undefined;
    }
    // A checkpoint written before release sets has no `components`: it is the one component it names.
    const ins: UpdateInstruction = { ...stored, components: componentsOf(stored) };
    this.#o.logger.info(
      { taskId: cp.taskId, attempt: cp.attempt, step: cp.step },
      `resuming task ${cp.taskId} from step ${cp.step}`,
    );
    if (cp.step === 'reporting' && cp.result) {
      this.#move('reporting');
      const sent = await this.#report(ins, cp.result.status, cp.result.message, cp.result.logs);
      if (sent === 'stopped') return 'stopped';
      await this.#save({ step: 'done' }, ins);
      return cp.result.status === 'success' ? 'succeeded' : 'failed';
    }
    this.events.emit('update', { instruction: ins, resumed: true, duplicate: false });
    return this.#run(ins, cp.step === 'reporting' ? 'verifying' : cp.step, true);
  }

  /** Runs a task from `from`; every step is checkpointed before its side effect. */
  async #run(ins: UpdateInstruction, from: CheckpointStep, resumed: boolean): Promise<TaskOutcome> {
    const log = new TaskLog();
    const ctx = (signal: AbortSignal): ExecutorContext => ({
      signal,
      clientId: this.#o.clientId,
      log: (line) => log.add(line),
    });
    const tag = { taskId: ins.taskId, attempt: ins.attempt };
    let step = from;
    let result: CheckpointResult | undefined;

    if (step === 'received') {
      await this.#save({ step: 'received' }, ins);
      this.#move('applying');
      const sent = await this.#report(
        ins,
        'in_progress',
        ins.components.length > 1
          ? `Applying ${describeSet(ins.components)}`
          : `Applying ${ins.component} ${ins.version}`,
        undefined,
      );
      if (sent === 'stopped') return 'stopped';
      if (sent === 'rejected') {
        // The GCC refused the attempt (cancelled, stale, …): nothing was applied and nothing more is owed.
        this.#o.logger.warn(
          tag,
          'the GCC refused the in_progress report: abandoning the task without applying it',
        );
        await this.#save({ step: 'done' }, ins);
        return 'abandoned';
      }
      step = 'applying';
    }

    if (step === 'applying') {
      if (this.#stopping) return 'stopped';
      this.#move('applying');
      let skip = false;
      if (resumed) {
        // After a crash mid-apply, ask what runs before applying again.
        try {
          const cur = await this.#runStep('current', this.#o.timeouts.currentMs, (s) =>
            this.#o.executor.current(ins, ctx(s)),
          );
          skip = runsAll(ins, cur);
          const runs =
            ins.components.length > 1
              ? describeSet(
                  ins.components.map((c) => ({
                    component: c.component,
                    version: cur.versions?.[c.component] ?? null,
                  })),
                )
              : (cur.version ?? 'an unknown version');
          log.add(
            cur.settled === false
              ? `resumed after restart: target is set to ${runs} but has not rolled it out; applying again`
              : `resumed after restart: target runs ${runs}`,
          );
        } catch (error) {
          if (this.#abortedByStop(error)) return 'stopped';
          this.#o.logger.warn(
            { ...tag, err: error },
            `current() failed, applying again: ${messageOf(error)}`,
          );
          this.#error('current', error, { taskId: ins.taskId });
        }
      }
      await this.#save({ step: 'applying' }, ins);
      this.events.emit('apply:start', { instruction: ins, kind: 'apply' });
      const t0 = this.#o.now().getTime();
      if (skip) {
        log.add(
          ins.components.length > 1
            ? `${describeSet(ins.components)} already run: not applying again`
            : `${ins.component} already runs ${ins.version}: not applying again`,
        );
        this.#o.logger.info(tag, 'target already runs the version: skipping apply, verifying');
        this.events.emit('apply:done', {
          instruction: ins,
          kind: 'apply',
          ok: true,
          skipped: true,
          durationMs: 0,
        });
      } else {
        log.add(
          ins.components.length > 1
            ? `applying ${describeSet(ins.components)} as one change with ${this.#o.executor.name}`
            : `applying ${ins.component} ${ins.version} with ${this.#o.executor.name}`,
        );
        try {
          await this.#runStep('apply', this.#o.timeouts.applyMs, (s) => this.#o.executor.apply(ins, ctx(s)));
          const durationMs = this.#o.now().getTime() - t0;
          this.events.emit('apply:done', {
            instruction: ins,
            kind: 'apply',
            ok: true,
            skipped: false,
            durationMs,
          });
        } catch (error) {
          const durationMs = this.#o.now().getTime() - t0;
          this.events.emit('apply:done', {
            instruction: ins,
            kind: 'apply',
            ok: false,
            skipped: false,
            durationMs,
            error,
          });
          if (this.#abortedByStop(error)) return 'stopped';
          this.#error('apply', error, { taskId: ins.taskId });
          this.#o.logger.error({ ...tag, err: error }, `apply failed: ${messageOf(error)}`);
          log.add(`apply failed: ${messageOf(error)}`);
          let message = `Apply failed: ${messageOf(error)}`;
          // A set may be half applied (one Deployment patched, the next refused): put all of it back, as after a
          // failed verification. A single component's failed apply stays as it always was (nothing reverted).
          if (ins.components.length > 1) message = await this.#revertAfterFailure(ins, ctx, log, message);
          result = { status: 'failed', message, logs: [] };
        }
      }
      if (!result) {
        await this.#save({ step: 'applied' }, ins);
        step = 'applied';
        // Stopping: the apply finished and is checkpointed; the next start verifies.
        if (this.#stopping) return 'stopped';
      }
    }

    if (!result && (step === 'applied' || step === 'verifying')) {
      await this.#save({ step: 'verifying' }, ins);
      this.#move('verifying');
      const verifyMs = this.#o.timeouts.verifyMs ?? ins.verifyTimeoutSeconds * 1000;
      const t0 = this.#o.now().getTime();
      let verdict: VerifyResult;
      try {
        verdict = await this.#runStep('verify', verifyMs, (s) => this.#o.executor.verify(ins, ctx(s)));
      } catch (error) {
        if (this.#abortedByStop(error)) return 'stopped';
        this.#error('verify', error, { taskId: ins.taskId });
        verdict = { healthy: false, message: `verification failed: ${messageOf(error)}` };
      }
      this.events.emit('verify', {
        instruction: ins,
        result: verdict,
        durationMs: this.#o.now().getTime() - t0,
      });
      log.add(`verify: ${verdict.healthy ? 'healthy' : 'NOT healthy'}: ${verdict.message}`);
      if (verdict.healthy) {
        result = {
          status: 'success',
          message: verdict.message || `${ins.component} runs ${ins.version}`,
          logs: [],
        };
      } else {
        const message = await this.#revertAfterFailure(
          ins,
          ctx,
          log,
          `Verification failed: ${verdict.message}`,
        );
        result = { status: 'failed', message, logs: [] };
      }
    }

    const final: CheckpointResult = {
      status: result?.status ?? 'failed',
      message: clip(result?.message ?? 'unknown outcome', LOG_LIMITS.maxMessageLength),
      logs: log.lines(),
    };
    await this.#save({ step: 'reporting', result: final }, ins);
    this.#move('reporting');
    const sent = await this.#report(ins, final.status, final.message, final.logs);
    if (sent === 'stopped') return 'stopped';
    await this.#save({ step: 'done' }, ins);
    this.#o.logger.info(
      { ...tag, status: final.status },
      `task ${ins.taskId} ${final.status}: ${final.message}`,
    );
    return final.status === 'success' ? 'succeeded' : 'failed';
  }

  /**
   * Reverts the whole set after a failure when allowed and possible, and returns `message` with what happened
   * (`; reverted backend, media to 4.9.0, 4.9.0`, `; revert failed: …`, or why it was not reverted).
   */
  async #revertAfterFailure(
    ins: UpdateInstruction,
    ctx: (signal: AbortSignal) => ExecutorContext,
    log: TaskLog,
    failure: string,
  ): Promise<string> {
    let message = failure;
    const revert = this.#o.executor.revert;
    if (!this.#o.revertOnFailedVerify || !revert) {
      return (
        message +
        (this.#o.revertOnFailedVerify
          ? '; the executor cannot revert'
          : '; not reverted (revertOnFailedVerify is off)')
      );
    }
    this.#move('applying');
    this.events.emit('apply:start', { instruction: ins, kind: 'revert' });
    const r0 = this.#o.now().getTime();
    try {
      await this.#runStep('revert', this.#o.timeouts.applyMs, (s) =>
        revert.call(this.#o.executor, ins, ctx(s)),
      );
      this.events.emit('apply:done', {
        instruction: ins,
        kind: 'revert',
        ok: true,
        skipped: false,
        durationMs: this.#o.now().getTime() - r0,
      });
      message += `; ${revertedTo(ins)}`;
    } catch (error) {
      this.events.emit('apply:done', {
        instruction: ins,
        kind: 'revert',
        ok: false,
        skipped: false,
        durationMs: this.#o.now().getTime() - r0,
        error,
      });
      this.#error('revert', error, { taskId: ins.taskId });
      message += `; revert failed: ${messageOf(error)}`;
    }
    log.add(message);
    return message;
  }

  #abortedByStop(error: unknown): boolean {
    return (
      (error instanceof StepAbort && error.reason === 'stop') ||
      (this.#stopping && this.#stop.signal.aborted && error instanceof StepAbort)
    );
  }

  /** Runs one executor call with a timeout; rejects with the abort reason even if the executor ignores its signal. */
  async #runStep<T>(name: string, ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ac = new AbortController();
    this.#step = ac;
    const timer = setTimeout(
      () => ac.abort(new StepAbort('timeout', `${name} timed out after ${ms} ms`)),
      ms,
    );
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(ac.signal.reason);
      ac.signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    try {
      return await Promise.race([fn(ac.signal), aborted]);
    } finally {
      clearTimeout(timer);
      if (onAbort) ac.signal.removeEventListener('abort', onAbort);
      if (this.#step === ac) this.#step = undefined;
    }
  }

  /**
   * Sends a report, retrying transient failures with backoff for as long as it takes (the GCC may be down for hours).
   * `rejected`: the GCC refused it for good (4xx); `stopped`: the agent is stopping (the checkpoint keeps it).
   */
  async #report(
    ins: UpdateInstruction,
    status: StatusReport['status'],
    message: string,
    logs: string[] | undefined,
  ): Promise<'ok' | 'rejected' | 'stopped'> {
    const body: StatusReport = {
      task_id: ins.taskId,
      attempt: ins.attempt,
      status,
      message: clip(message, LOG_LIMITS.maxMessageLength),
      agent_version: this.#o.agentVersion,
      ...(logs?.length
        ? { logs: logs.slice(-LOG_LIMITS.maxLines).map((l) => clip(l, LOG_LIMITS.maxLineLength)) }
        : {}),
    };
    for (;;) {
      try {
        this.#retryAfterMs = undefined;
        const accepted = await this.#runStep('report', this.#o.timeouts.reportMs, (signal) =>
          this.#gcc.agent.reportStatus(this.#o.clientId, body, { signal }),
        );
        this.#failures = 0;
        this.events.emit('report', {
          taskId: ins.taskId,
          attempt: ins.attempt,
          status,
          duplicate: accepted.duplicate,
          taskStatus: accepted.task_status,
        });
        this.#o.logger.info(
          { taskId: ins.taskId, attempt: ins.attempt, status, duplicate: accepted.duplicate },
          `reported ${status}`,
        );
        return 'ok';
      } catch (error) {
        if (this.#abortedByStop(error)) return 'stopped';
        if (!isTransient(error)) {
          this.#o.logger.error(
            { taskId: ins.taskId, status, err: error },
            `the GCC refused the report: ${messageOf(error)}`,
          );
          this.#error('report', error, { taskId: ins.taskId });
          return 'rejected';
        }
        if (this.#stopping) return 'stopped';
        const delayMs = this.#failureDelay(error);
        this.#o.logger.warn(
          { taskId: ins.taskId, status, err: error, retryInMs: delayMs },
          `report failed: ${messageOf(error)}`,
        );
        this.#error('report', error, { taskId: ins.taskId, retryInMs: delayMs });
        await this.#o.sleep(delayMs, this.#stop.signal);
        if (this.#stopping) return 'stopped';
      }
    }
  }
}
