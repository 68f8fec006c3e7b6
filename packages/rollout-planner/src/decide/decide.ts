import { compileApprovalPolicy, decideApproval } from '../approvals/approval-policy';
import type { Client, MaintenanceWindow } from '../clients/client';
import { MemberPool } from '../plan/member-pool';
import { type StageSlot, stageSizes } from '../plan/stage-sizes';
import {
  type ApprovalSource,
  CANCELLABLE_TASK_STATUSES,
  DROPPED_TASK_STATUSES,
  type TaskStatus,
} from '../statuses';
import { type ResolvedFailureThreshold, type ResolvedStrategy, resolveStrategy } from '../strategy/strategy';
import { type Eligibility, eligibility } from '../time/eligibility';
import { createLocalTimeCache } from '../time/maintenance-window';
import type { AutoApproveAction, DecideAction } from './actions';
import type { DecidePolicy } from './policy';
import type { DeploymentSnapshot, TaskRow } from './snapshot';

/** Task statuses that take a task out of the rollout for good (never counted, never blocking). */
const DROPPED: ReadonlySet<TaskStatus> = new Set(DROPPED_TASK_STATUSES);
/** Task statuses a rollback trigger cancels. */
const CANCELLABLE: ReadonlySet<TaskStatus> = new Set(CANCELLABLE_TASK_STATUSES);

/** Per-stage tallies derived from the tasks (never persisted). */
export interface StageTally {
  /** Tasks placed in the stage. */
  placed: number;
  /** Tasks that succeeded. */
  succeeded: number;
  /** Tasks failed or timed out with no attempts left. */
  failed: number;
  /** Tasks not yet settled (queued, in progress, retryable). */
  unsettled: number;
  /** Tasks overdue (not failures, do not block the stage). */
  overdue: number;
}

/** True when a stage's tallies cross its threshold (the ratio is judged once `minFinished`, or every placed task, finished). */
export function thresholdCrossed(t: StageTally, threshold: ResolvedFailureThreshold): boolean {
  if (threshold.maxFailures !== undefined && t.failed > threshold.maxFailures) return true;
  const finished = t.succeeded + t.failed;
  const judgeAt = Math.min(threshold.minFinished, t.placed);
  if (threshold.maxFailureRatio !== undefined && finished > 0 && finished >= judgeAt) {
    return t.failed / finished > threshold.maxFailureRatio;
  }
  return false;
}

/**
 * Successes a stage needs before it can finish: `canaryMinSuccesses` for a canary stage, one for any other, never
 * more than the tasks placed in it (a stage of nobody needs none). Overdue tasks are not successes.
 */
export function requiredSuccesses(
  kind: 'canary' | 'batch' | 'trailing',
  placed: number,
  strategy: Pick<ResolvedStrategy, 'canaryMinSuccesses'>,
): number {
  return Math.max(0, Math.min(kind === 'canary' ? strategy.canaryMinSuccesses : 1, placed));
}

/** The tallies of a holding stage, as the operator reads them. */
function holdCounts(t: StageTally, required: number): string {
  let text = `${t.succeeded} of ${t.placed} succeeded (${required} needed), ${t.overdue} overdue (clients offline)`;
  if (t.failed > 0) text += `, ${t.failed} failed`;
  return text;
}

/**
 * Client lookup for task `i`. Fast path: `clients` is an array aligned with `tasks` (what a joined query
 * returns), checked per access; otherwise a map by id, built once on first need.
 */
function clientLookup(
  clients: DeploymentSnapshot['clients'],
  tasks: readonly TaskRow[],
): (i: number) => Client | undefined {
  let map: ReadonlyMap<string, Client> | undefined = clients instanceof Map ? clients : undefined;
  const list = clients instanceof Map ? undefined : (clients as readonly Client[]);
  return (i) => {
    const id = tasks[i]!.clientId;
    if (list !== undefined) {
      const c = list[i];
      if (c !== undefined && c.id === id) return c;
      if (map === undefined) {
        const m = new Map<string, Client>();
        for (const x of list) m.set(x.id, x);
        map = m;
      }
    }
    return map?.get(id);
  };
}

/** Stage slot for index `k`: a planned slot, or a trailing stage after the plan ran out. */
function slotFor(
  k: number,
  slots: StageSlot[],
  strategy: ResolvedStrategy,
): StageSlot & { trailing: boolean } {
  const slot = slots[k];
  if (slot !== undefined) return { ...slot, trailing: false };
  const last = slots.at(-1);
  return {
    index: k,
    kind: 'batch',
    specIndex: null,
    size: strategy.maxBatchSize ?? Number.POSITIVE_INFINITY,
    waitSeconds: last?.waitSeconds ?? 0,
    failureThreshold: last?.failureThreshold ?? strategy.failureThreshold,
    trailing: true,
  };
}

function isExhausted(task: TaskRow, status: TaskStatus, maxAttempts: number): boolean {
  return (status === 'failed' || status === 'timed_out') && task.attempt >= maxAttempts;
}

/**
 * Decides what a deployment's worker does next, from its snapshot at `now` (epoch ms): a list of actions
 * to apply in order and write once. Pure: no clock, no I/O; the same input gives the same actions.
 * Assumes a policy that passed `validatePolicy`.
 */
export function decide(snapshot: DeploymentSnapshot, now: number, policy: DecidePolicy): DecideAction[] {
  const actions: DecideAction[] = [];
  let status = snapshot.status;
  const startAt = snapshot.startAt ?? null;
  // Before its requested start time a created deployment only takes approvals (and expiries); it starts at that time.
  const waitingToStart = status === 'created' && startAt !== null && now < startAt;
  if (status === 'created' && !waitingToStart) {
    actions.push({ type: 'start' });
    status = 'running';
  }
  if (status !== 'running' && status !== 'paused' && !waitingToStart) return actions;

  const strategy = resolveStrategy(policy.strategy);
  const approval = compileApprovalPolicy(policy.approval);
  const clientOf = clientLookup(snapshot.clients, snapshot.tasks);
  const read = createLocalTimeCache();
  const tasks = snapshot.tasks;
  const n = tasks.length;
  const eff: TaskStatus[] = new Array(n);
  let wakeAt = Number.POSITIVE_INFINITY;
  const wake = (at: number | null) => {
    if (at !== null && at > now && at < wakeAt) wakeAt = at;
  };
  const pickupMs = strategy.pickupTimeoutSeconds * 1000;
  // Many clients share a zone and windows and `now` is fixed: memoise eligibility by zone + windows.
  const eligibleMemo = new Map<string, Eligibility>();
  const eligibleAt = (task: TaskRow, client: Client | undefined): Eligibility => {
    const req = task.requestedStartTime;
    const windows = client?.maintenanceWindows;
    const noWindows = windows === undefined || windows.length === 0;
    if (req === null || req <= now) {
      if (noWindows) return ELIGIBLE;
      const key = windowsKey(client?.timezone, windows);
      let e = eligibleMemo.get(key);
      if (e === undefined) {
        e = eligibility(null, client, now, read);
        eligibleMemo.set(key, e);
      }
      return e;
    }
    return eligibility(req, client, now, read);
  };

  // 1. Leases and pickups, 2. approvals without a human.
  const timedOut: string[] = [];
  const overdue: string[] = [];
  const expired: string[] = [];
  const approvals = new Map<string, AutoApproveAction>();
  // Approved by this tick: their approval instant is now (the stage fill timer counts from approvals).
  const approvedNow = new Set<number>();
  let live = 0;
  let waitingForApproval = 0;
  for (let i = 0; i < n; i++) {
    const task = tasks[i]!;
    let s = task.status;
    if (s === 'in_progress' && task.leaseExpiresAt !== null) {
      if (task.leaseExpiresAt <= now) {
        s = 'timed_out';
        timedOut.push(task.id);
      } else wake(task.leaseExpiresAt);
    } else if (s === 'queued' && task.queuedAt !== null) {
      if (task.queuedAt + pickupMs <= now) {
        s = 'overdue';
        overdue.push(task.id);
      } else wake(task.queuedAt + pickupMs);
    } else if (s === 'pending' || s === 'pending_approval') {
      const d = decideApproval(s, clientOf(i), policy.components ?? policy.component, approval, now);
      if (d === null) {
        waitingForApproval++;
        wake(approval.approvalDeadline);
      } else if (d.event === 'expire') {
        s = 'expired';
        expired.push(task.id);
      } else {
        s = 'approved';
        approvedNow.add(i);
        const source = d.source as ApprovalSource;
        const key = `${source}|${d.policyId ?? ''}`;
        let action = approvals.get(key);
        if (action === undefined) {
          action = { type: 'auto_approve', taskIds: [], source, policyId: d.policyId };
          approvals.set(key, action);
        }
        action.taskIds.push(task.id);
      }
    }
    eff[i] = s;
    if (!DROPPED.has(s)) live++;
  }
  if (timedOut.length > 0) actions.push({ type: 'mark_timed_out', taskIds: timedOut });
  if (overdue.length > 0) actions.push({ type: 'mark_overdue', taskIds: overdue });
  for (const a of approvals.values()) actions.push(a);
  if (expired.length > 0) actions.push({ type: 'expire', taskIds: expired });
  if (waitingToStart) {
    wake(startAt);
    if (wakeAt !== Number.POSITIVE_INFINITY) actions.push({ type: 'wait_until', at: wakeAt });
    return actions;
  }

  // 3. Tally every started stage.
  const stageCount = snapshot.stages.length;
  const tallies: StageTally[] = Array.from({ length: stageCount }, () => ({
    placed: 0,
    succeeded: 0,
    failed: 0,
    unsettled: 0,
    overdue: 0,
  }));
  const retryable: number[] = [];
  const stranded: number[] = [];
  for (let i = 0; i < n; i++) {
    const stage = tasks[i]!.stage;
    if (stage === null) continue;
    const t = tallies[stage];
    if (t === undefined) continue;
    const s = eff[i]!;
    t.placed++;
    if (s === 'success') t.succeeded++;
    else if (s === 'failed' || s === 'timed_out') {
      if (isExhausted(tasks[i]!, s, strategy.maxAttempts)) t.failed++;
      else {
        t.unsettled++;
        retryable.push(i);
      }
    } else if (s === 'overdue') t.overdue++;
    else if (s === 'queued' || s === 'in_progress') t.unsettled++;
    else if (s === 'approved') {
      // Placed but never queued (a worker that died between writes): queue it again.
      t.unsettled++;
      stranded.push(i);
    }
  }

  // 4. Thresholds, judged on every started stage while running.
  const slots = stageSizes(live, strategy);
  if (status === 'running') {
    for (let k = 0; k < stageCount; k++) {
      const record = snapshot.stages[k]!;
      if (record.thresholdOverridden === true) continue;
      const slot = slotFor(k, slots, strategy);
      const t = tallies[k]!;
      if (!thresholdCrossed(t, slot.failureThreshold)) continue;
      const reason = `stage ${k} (${slot.trailing ? 'trailing' : slot.kind}) crossed its failure threshold: ${t.failed} failed of ${t.succeeded + t.failed} finished (${t.placed} placed)`;
      if (strategy.onFailure === 'pause') {
        actions.push({ type: 'pause', cause: 'threshold', stage: k, reason });
        return actions;
      }
      const scope = strategy.rollback.scope;
      const clientIds: string[] = [];
      const cancel: string[] = [];
      for (let i = 0; i < n; i++) {
        const s = eff[i]!;
        const task = tasks[i]!;
        if (CANCELLABLE.has(s)) cancel.push(task.id);
        else if (
          (s === 'success' || s === 'failed' || s === 'timed_out' || s === 'in_progress') &&
          task.stage !== null &&
          (scope === 'deployment' || task.stage === k)
        ) {
          clientIds.push(task.clientId);
        }
      }
      if (cancel.length > 0) actions.push({ type: 'cancel', taskIds: cancel, reason });
      if (clientIds.length === 0) actions.push({ type: 'fail', reason: `${reason}; nothing to roll back` });
      else {
        actions.push({
          type: 'trigger_rollback',
          scope,
          stage: k,
          clientIds,
          batchSize: strategy.rollback.batchSize ?? null,
          waitSeconds: strategy.rollback.waitSeconds,
          requireApproval: strategy.rollback.requireApproval,
          reason,
        });
      }
      return actions;
    }
  }
  if (status === 'paused') {
    if (wakeAt !== Number.POSITIVE_INFINITY) actions.push({ type: 'wait_until', at: wakeAt });
    return actions;
  }

  // Per-instance concurrency: at most `maxConcurrencyPerInstance` tasks of one shared Argo CD instance queued or in
  // progress at once. A stage's tasks beyond that stay placed (`approved` with a stage) and are
  // released as slots free up, so a big stage on one instance runs as a sliding window, never a flood.
  const slotsFor = concurrencySlots(strategy.maxConcurrencyPerInstance);
  for (let i = 0; i < n; i++) {
    const s = eff[i]!;
    if (s !== 'queued' && s !== 'in_progress') continue;
    const slot = slotsFor(clientOf(i));
    if (slot !== undefined) slot.used++;
  }
  const takeSlot = (i: number): boolean => {
    const slot = slotsFor(clientOf(i));
    if (slot === undefined) return true;
    if (slot.used >= slot.limit) return false;
    slot.used++;
    return true;
  };

  // 5. Retries of failed or timed-out tasks with attempts left, when their time rules and slots allow.
  const retry: string[] = [];
  for (const i of retryable) {
    const task = tasks[i]!;
    const e = eligibleAt(task, clientOf(i));
    if (!e.eligible) wake(e.at);
    else if (takeSlot(i)) {
      retry.push(task.id);
      eff[i] = 'queued';
    }
  }
  if (retry.length > 0) {
    actions.push({ type: 'retry', taskIds: retry });
    wake(now + pickupMs);
  }
  // Placed tasks waiting for a slot (or left placed by a worker that stopped between its writes).
  const released: string[] = [];
  for (const i of stranded) {
    if (!takeSlot(i)) continue;
    eff[i] = 'queued';
    released.push(tasks[i]!.id);
  }
  if (released.length > 0) {
    wake(now + pickupMs);
    actions.push({ type: 'enqueue', taskIds: released, release: 'slot' });
  }

  // Places up to `size` of `candidates` (membership by the MemberPool: canary label first, then spread across
  // instances) in stage `k`, starting it or joining it, and queues those their instance has a slot for.
  const placeInStage = (
    candidates: number[],
    size: number,
    k: number,
    kind: 'canary' | 'batch' | 'trailing',
    how: 'start' | 'join',
  ): number => {
    // The members with their batches (`groupBatches` of their clients), grouped by the keys the pool knows.
    const { members: chosen, batches } = new MemberPool(
      candidates,
      (i) => clientOf(i) ?? missingClient(tasks[i]!.clientId),
      strategy.canaryLabel,
    ).takeBatched(size, strategy.maxConcurrencyPerInstance);
    const taskIds: string[] = new Array(chosen.length);
    const first: string[] = [];
    for (let j = 0; j < chosen.length; j++) {
      const i = chosen[j]!;
      const task = tasks[i]!;
      taskIds[j] = task.id;
      if (takeSlot(i)) {
        eff[i] = 'queued';
        first.push(task.id);
      }
    }
    if (how === 'start') actions.push({ type: 'start_stage', stage: k, kind, taskIds, batches });
    else actions.push({ type: 'join_stage', stage: k, taskIds, batches });
    if (first.length > 0) actions.push({ type: 'enqueue', taskIds: first, release: 'stage' });
    wake(now + pickupMs);
    return chosen.length;
  };

  // 6. Stage progression: finish the current stage (or hold it), then start the next one when its wait is over and
  // it is filled.
  const current = snapshot.stages[stageCount - 1];
  let nextAllowedAt = current === undefined ? now : (current.waitUntil ?? Number.POSITIVE_INFINITY);
  let allFinished = current === undefined || current.finishedAt !== null;
  // When the stage before the next one finished its soak (none before stage 0).
  let previousWaitUntil = current?.waitUntil ?? Number.NEGATIVE_INFINITY;
  if (current !== undefined && current.finishedAt === null) {
    const k = stageCount - 1;
    const t = tallies[k]!;
    const slot = slotFor(k, slots, strategy);
    const kind = current.kind ?? (slot.trailing ? 'trailing' : slot.kind);
    // A strategy that lets approvals join a running stage places them now, up to the stage's planned size.
    if (strategy.joinRunningStage && t.placed < slot.size) {
      const joining: number[] = [];
      for (let i = 0; i < n; i++) {
        if (eff[i] !== 'approved' || tasks[i]!.stage !== null) continue;
        const e = eligibleAt(tasks[i]!, clientOf(i));
        if (e.eligible) joining.push(i);
        else wake(e.at);
      }
      if (joining.length > 0) {
        const joined = placeInStage(joining, slot.size - t.placed, k, kind, 'join');
        t.placed += joined;
        t.unsettled += joined;
      }
    }
    // Earlier stages settled before this one started; overdue tasks there are not failures and do not block.
    if (t.unsettled === 0) {
      const required = requiredSuccesses(kind, t.placed, strategy);
      // An admin who resumed past this stage's hold (or its threshold) accepted it as it is.
      const accepted = current.holdOverridden === true || current.thresholdOverridden === true;
      if (t.succeeded >= required || accepted) {
        const waitUntil = now + slot.waitSeconds * 1000;
        actions.push({ type: 'finish_stage', stage: k, waitUntil });
        nextAllowedAt = waitUntil;
        previousWaitUntil = waitUntil;
        allFinished = true;
      } else {
        // Nothing validated enough: hold. Nothing further is released until clients come back or an admin acts.
        const reason = `stage ${k} (${kind}) holds: ${holdCounts(t, required)}`;
        if (current.holdReason !== reason) actions.push({ type: 'hold_stage', stage: k, reason });
        const timeoutAt = current.startedAt + strategy.stageHoldTimeoutSeconds * 1000;
        if (now >= timeoutAt) {
          actions.push({
            type: 'pause',
            cause: 'hold',
            stage: k,
            reason: `stage ${k} (${kind}) held for ${strategy.stageHoldTimeoutSeconds} s: ${holdCounts(t, required)}`,
          });
          return actions;
        }
        wake(timeoutAt);
      }
    } else if (current.holdReason != null) {
      // An overdue client came back: the stage runs again.
      actions.push({ type: 'hold_stage', stage: k, reason: null });
    }
  }
  let unplacedApproved = 0;
  if (allFinished) {
    const candidates: number[] = [];
    // Approvals that could still join this stage: pending ones, and approved tasks not eligible yet.
    let outstanding = waitingForApproval;
    let firstReady = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (eff[i] !== 'approved' || tasks[i]!.stage !== null) continue;
      unplacedApproved++;
      const task = tasks[i]!;
      const e = eligibleAt(task, clientOf(i));
      if (e.eligible) {
        candidates.push(i);
        // When this candidate was first ready: approved, and its requested start time come.
        const approvedAt = approvedNow.has(i) ? now : (task.approvedAt ?? Number.NEGATIVE_INFINITY);
        const ready = Math.max(approvedAt, task.requestedStartTime ?? Number.NEGATIVE_INFINITY);
        if (ready < firstReady) firstReady = ready;
      } else {
        outstanding++;
        wake(e.at);
      }
    }
    if (candidates.length > 0 && nextAllowedAt > now) wake(nextAllowedAt);
    const k = stageCount;
    const slot = slotFor(k, slots, strategy);
    let filled = candidates.length > 0 && nextAllowedAt <= now;
    if (filled && !slot.trailing && candidates.length < slot.size && outstanding > 0) {
      // Wait for the planned size, bounded: the stage could first have started (with fewer clients) at openedAt.
      const openedAt = Math.max(previousWaitUntil, startAt ?? Number.NEGATIVE_INFINITY, firstReady);
      const fillAt = openedAt + strategy.stageFillSeconds * 1000;
      if (now < fillAt) {
        filled = false;
        wake(fillAt);
      }
    }
    if (filled) {
      unplacedApproved -= placeInStage(
        candidates,
        slot.size,
        k,
        slot.trailing ? 'trailing' : slot.kind,
        'start',
      );
      allFinished = false;
    }
  } else {
    for (let i = 0; i < n; i++) if (eff[i] === 'approved' && tasks[i]!.stage === null) unplacedApproved++;
  }

  // 7. Completion: every stage finished and no task can still move (overdue tasks keep the deployment open).
  if (allFinished && unplacedApproved === 0 && waitingForApproval === 0) {
    let open = false;
    for (let i = 0; i < n && !open; i++) {
      const s = eff[i]!;
      if (
        s === 'pending' ||
        s === 'pending_approval' ||
        s === 'approved' ||
        s === 'queued' ||
        s === 'in_progress' ||
        s === 'overdue'
      ) {
        open = true;
      } else if ((s === 'failed' || s === 'timed_out') && !isExhausted(tasks[i]!, s, strategy.maxAttempts)) {
        open = true;
      }
    }
    if (!open) {
      actions.push({ type: 'complete' });
      return actions;
    }
  }
  if (wakeAt !== Number.POSITIVE_INFINITY) actions.push({ type: 'wait_until', at: wakeAt });
  return actions;
}

/**
 * In-flight counters per shared Argo CD instance, created on first use. Plain Kubernetes and Docker clients, and
 * Argo CD clients without a named instance, each update their own cluster or host: nothing shared to protect.
 */
function concurrencySlots(
  maxConcurrencyPerInstance: number,
): (client: Client | undefined) => { used: number; limit: number } | undefined {
  const limit = Math.max(1, Math.floor(maxConcurrencyPerInstance));
  const byInstance = new Map<string, { used: number; limit: number }>();
  return (client) => {
    const instance = client?.targetKind === 'argocd' ? client.argocdInstance : undefined;
    if (instance === undefined || instance === null || instance === '') return undefined;
    let slot = byInstance.get(instance);
    if (slot === undefined) {
      slot = { used: 0, limit };
      byInstance.set(instance, slot);
    }
    return slot;
  };
}

/** A task whose client is missing from the snapshot still runs; it is grouped as plain Kubernetes. */
function missingClient(id: string): Client {
  return { id, labels: {}, targetKind: 'kubernetes' };
}

/** Memo key of a client's time rules: zone and windows. */
function windowsKey(timeZone: string | undefined, windows: readonly MaintenanceWindow[] | undefined): string {
  let key = timeZone ?? 'UTC';
  for (const w of windows ?? []) key += `|${w.days.join(',')} ${w.start}-${w.end}`;
  return key;
}

const ELIGIBLE: Eligibility = { eligible: true };
