export {
  BEARER_AUTHORIZATION,
  bearerTokenOf,
  MAX_TOKEN_TTL_SECONDS,
  type TokenExpiryProblem,
  tokenExpiryOf,
} from './auth';
export {
  type AgentApi,
  type ApprovalsApi,
  type AuditApi,
  type AuthApi,
  type AutoApprovePoliciesApi,
  type CallOptions,
  type ClientsApi,
  type CreateOptions,
  createGccClient,
  type DeploymentsApi,
  type DeploymentWatchResult,
  type GccClient,
  type GetUpdatesOptions,
  type HealthApi,
  paginate,
  type ReleasesApi,
  type UpdatesResult,
} from './client';
export * from './errors';
export type { components, operations, paths } from './generated/gcc';
export {
  helmParameterOf,
  type OfferedComponent,
  type OfferedTask,
  updateOf,
  VERIFY_TIMEOUT_SECONDS,
} from './offer';
export {
  type CompiledGccClientOptions,
  compileGccClientOptions,
  defaultGccClientOptions,
  type GccClientOptions,
  type GccRetryOptions,
  type GccSend,
  type GccSendRequest,
  type GccSendResponse,
} from './options';
export {
  ACTOR,
  type CheckedQuery,
  CURSOR,
  checkQueryParams,
  type FieldError,
  issuesToErrors,
  LIMIT,
  type QuerySpec,
  SEARCH,
  STAGE,
  WAIT,
} from './params';
export { plannedStages, plannerPoliciesOf, policyRuleOf } from './preview';
export { PROBLEM_TYPES, type ProblemCode, type ProblemType, problemTypeUri } from './problems';
export {
  DOCKER_HUB,
  type ImageLocation,
  imageLocation,
  registryAllowed,
  registryEntryProblem,
} from './registry';
export {
  type Problem,
  ProblemSchema,
  type SchemaMode,
  type SchemaName,
  type Schemas,
  schemaOf,
} from './schemas';
export {
  autoApprovePolicyProblems,
  clientSettingsProblems,
  isEmailAddress,
  isKnownTimeZone,
  MAX_NOTIFICATION_EMAILS,
  withRules,
} from './settings';
export {
  generateSigningKeyPair,
  keyIdOf,
  loadSigningPrivateKey,
  loadSigningPublicKey,
  type PublishedSigningKey,
  parseSigningPublicKeys,
  publicKeyPem,
  rawPublicKey,
  SET_SIGNATURE_CONTEXT,
  SIGNATURE_ALG,
  SIGNATURE_CLOCK_SKEW_SECONDS,
  type SignableComponent,
  type SignableUpdate,
  type SignatureCheck,
  signUpdate,
  type TrustedKey,
  trustedKeysOf,
  UPDATE_SIGNATURE_CONTEXT,
  type UpdateSignature,
  updateSigningPayload,
  verifyUpdateSignature,
} from './signing';
export {
  approvalFromWire,
  type DeploymentPolicyProblems,
  type EffectiveStrategy,
  effectiveStrategy,
  pointerOf,
  type StrategyDefaults,
  strategyFromWire,
  strategyToWire,
  validateDeploymentPolicy,
  type WireStrategy,
} from './strategy';
export type * from './types';
