export type { AppliedTick } from '../rollout/apply';
export { stageSummaries } from '../rollout/stages';
export { ROLLBACK_PRIORITY, TICK_QUEUE, TickQueue, type TickQueueOptions } from './tick-queue';
export {
  type CompiledWorkerOptions,
  compileWorkerOptions,
  createWorker,
  IllegalWorkerStateError,
  type TickResult,
  type Worker,
  type WorkerOptions,
  type WorkerState,
} from './worker';
