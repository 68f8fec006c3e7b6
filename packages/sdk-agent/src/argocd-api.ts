/**
 * `@wrktalk/sdk-agent/argocd-api`: the Argo CD REST API executor and client alone, for hosts that apply updates
 * themselves (the GCC's Argo CD fast path). Importing it loads neither the agent runtime nor the other executors'
 * dependencies (`@kubernetes/client-node`, `execa`, `yaml`, Ajv).
 */
export * from './executor';
export * from './executors/argocd-api';
export * from './executors/shared/argocd';
export { DEFAULT_HELM_KEYS } from './executors/shared/options';
export { DIGEST_PATTERN, isSafeVersion, TAG_PATTERN } from './executors/shared/version';
