export {
  APPROVAL_SOURCES_AUDITED_PER_TASK,
  type ApprovalDecision,
  type ApprovalPolicy,
  type AutoApprovePolicy,
  approvalEventFor,
  approvalStatusOf,
  auditedPerTask,
  type CompiledApprovalPolicy,
  compileApprovalPolicy,
  decideApproval,
  findAutoApproval,
} from './approvals/approval-policy';
export type { Client, ClientAutoApprove, MaintenanceWindow, Weekday } from './clients/client';
export { type ValidateClientsResult, validateClients } from './clients/validate-clients';
export type {
  AutoApproveAction,
  CancelAction,
  CompleteAction,
  DecideAction,
  EnqueueAction,
  ExpireAction,
  FailAction,
  FinishStageAction,
  HoldStageAction,
  JoinStageAction,
  MarkOverdueAction,
  MarkTimedOutAction,
  PauseAction,
  RetryAction,
  StartAction,
  StartStageAction,
  TriggerRollbackAction,
  WaitUntilAction,
} from './decide/actions';
export { type ApplyResult, applyActions } from './decide/apply-actions';
export { decide, requiredSuccesses, type StageTally, thresholdCrossed } from './decide/decide';
export { type DecidePolicy, validatePolicy } from './decide/policy';
export type { DeploymentSnapshot, StageRecord, TaskRow } from './decide/snapshot';
export {
  IllegalTransitionError,
  isIllegalTransitionError,
  type MachineName,
} from './errors/illegal-transition-error';
export { type Batch, batchKey, groupBatches } from './plan/group-batches';
export { MemberPool } from './plan/member-pool';
export {
  type BatchStage,
  type CanaryStage,
  canaryFirst,
  type PlannedStage,
  type PlanRolloutInput,
  type PlanRolloutResult,
  planRollout,
  type RolloutPlan,
  type TrailingStage,
} from './plan/plan-rollout';
export { type StageSlot, stageSizes } from './plan/stage-sizes';
export {
  byPointer,
  planSetRollback,
  RELEASE_SET_MAX,
  type ReleaseSetMember,
  type ReleaseSetProblem,
  releaseSetProblems,
  type SetRollbackPlan,
  type SetRollbackTarget,
} from './release-set/release-set';
export {
  type HistoryEntry,
  planRollback,
  type RollbackPlan,
  type RollbackRequest,
  type RollbackScope,
  type RollbackTarget,
  type UnresolvedRollback,
} from './rollback/plan-rollback';
export {
  formatSelector,
  type LabelRequirement,
  matchesSelector,
  type ParseSelectorResult,
  parseSelector,
  type SelectorProblem,
} from './selector/parse-selector';
export {
  selectTargets,
  type TargetProblem,
  type TargetSelection,
  type TargetSelector,
} from './selector/select-targets';
export {
  DEPLOYMENT_EVENTS,
  DEPLOYMENT_TRANSITIONS,
  type DeploymentEvent,
} from './state-machine/deployment-transitions';
export {
  TASK_EVENTS,
  TASK_TRANSITIONS,
  type TaskEvent,
  type TransitionRule,
} from './state-machine/task-transitions';
export {
  canTransition,
  type TransitionResult,
  transition,
  transitionDeployment,
} from './state-machine/transition';
export * from './statuses';
export {
  defaultStrategy,
  type FailureThreshold,
  immediateStrategy,
  type ResolvedFailureThreshold,
  type ResolvedStrategy,
  type RollbackStrategy,
  resolveStrategy,
  type StageSpec,
  type Strategy,
} from './strategy/strategy';
export {
  STRATEGY_LIMITS,
  type ValidateStrategyOptions,
  type ValidationProblem,
  validateStrategy,
} from './strategy/validate-strategy';
export {
  detectStrategyForm,
  type EffectiveWireStrategy,
  effectiveWireStrategy,
  type StrategyForm,
  strategyFromWire,
  strategyToWire,
  validateWireStrategy,
  type WireFailureThreshold,
  type WireRollbackPolicy,
  type WireStageSpec,
  type WireStrategy,
  type WireStrategyDefaults,
  wireStrategyPath,
} from './strategy/wire';
export { type Eligibility, eligibility } from './time/eligibility';
export {
  createLocalTimeCache,
  inWindow,
  isInMaintenanceWindow,
  isValidTimeZone,
  type LocalTime,
  type LocalTimeReader,
  localTime,
  nextWindowOpening,
  parseHHMM,
  WEEKDAYS,
} from './time/maintenance-window';
export { effectiveStartTime } from './time/start-time';
