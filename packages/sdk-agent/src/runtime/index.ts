export { type Agent, createAgent, type RunOnceResult } from './agent';
export { type BackoffPolicy, backoffDelay, parseRetryAfter, pollSpreadMs } from './backoff';
export { type Duration, toMs } from './duration';
export * from './errors';
export type { AgentErrorPhase, AgentEvents } from './events';
export {
  IMAGE_DIGEST,
  IMAGE_TAG,
  type InstructionCheck,
  imageCarriesVersion,
  validateInstruction,
} from './instruction';
export { type AgentLogger, createJsonLogger, type LogLevel, silentLogger } from './logger';
export { createNodeHttpSend, type NodeHttpSendOptions } from './node-http';
export {
  type AgentGccOptions,
  type AgentOptions,
  abortableSleep,
  type CompiledAgentOptions,
  compileAgentOptions,
  defaultAgentOptions,
} from './options';
export { AGENT_TRANSITIONS, type AgentState, nextState } from './state';
export {
  type AgentStateFile,
  type CheckpointResult,
  type CheckpointStep,
  checkStateFile,
  readStateFile,
  writeStateFile,
} from './state-file';
export { LOG_LIMITS, TaskLog } from './task-log';
export { offerSignatureProblem, SIGNATURE_INVALID } from './verify';
