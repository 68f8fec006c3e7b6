export { ArgoCdFastPathConfigError, isArgoCdFastPathConfigError } from './config-error';
export { type ArgoCdFastPath, type ArgoCdFastPathInit, createArgoCdFastPath } from './fast-path';
export {
  ARGOCD_INSTANCE_NAME,
  type ArgoCdFastPathOptions,
  type ArgoCdInstanceOptions,
  type CompiledArgoCdFastPathOptions,
  type CompiledArgoCdInstance,
  compileArgoCdFastPathOptions,
} from './options';
