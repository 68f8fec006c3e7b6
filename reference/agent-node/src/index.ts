export { type CliIo, EXIT, main } from './cli';
export { type AgentConfig, ConfigError, EXECUTOR_NAMES, type ExecutorName, loadConfig } from './config';
export { formatChecks, runDoctor } from './doctor';
export { createExecutor, EXECUTORS, type ExecutorFactory, ExecutorUnavailableError } from './executors';
