export * from './argocd-api';
export * from './argocd-cli';
export * from './argocd-k8s';
export * from './docker-compose';
export * from './fake';
export * from './kubernetes';
export * from './shared/argocd';
export {
  BASE_COMMAND_ENV,
  type CommandEnvSpec,
  type CommandTool,
  commandEnv,
  NEVER_PASSED_ENV,
  TOOL_COMMAND_ENV,
} from './shared/env';
export * from './shared/rollout';
export { DIGEST_PATTERN, isSafeVersion, TAG_PATTERN } from './shared/version';
export * from './watchtower';
