export { type CliIo, EXIT, main } from './cli';
export {
  type AgentConfig,
  ConfigError,
  componentVariable,
  EXECUTOR_NAMES,
  type ExecutorConfig,
  type ExecutorName,
  loadConfig,
} from './config';
export {
  type DoctorReport,
  doctorReport,
  formatChecks,
  issueAgentToken,
  runDoctor,
  tokenCheck,
} from './doctor';
export { createExecutor } from './executors';
