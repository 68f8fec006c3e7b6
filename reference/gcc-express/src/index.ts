export { createApp } from './app';
export { type CliIo, EXIT, runCli, UsageError } from './cli';
export { type Config, ConfigError, ENVIRONMENT, LOG_LEVELS, type LogLevel, loadConfig } from './config';
export { CONSOLE_CSP, type ConsoleOptions, createConsoleRouter, defaultBundlePath } from './pages';
export {
  createLogger,
  type OpenedGcc,
  openConfiguredDatabase,
  openGcc,
  type RunningServer,
  randomToken,
  startServer,
} from './server';
