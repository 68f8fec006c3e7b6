export { OfferCache } from './cache/offer-cache';
export type {
  Database,
  DatabaseTimeouts,
  OpenDatabaseOptions,
  ResolvedDatabaseTimeouts,
  Sql,
} from './db/database';
export { openDatabase, resolveDatabaseTimeouts } from './db/database';
export {
  type FieldError,
  type GccErrorCode,
  GccServiceError,
  isGccServiceError,
  STATUS_OF,
} from './errors/gcc-service-error';
export { GccOptionsError, isGccOptionsError } from './errors/options-error';
export {
  ARGOCD_INSTANCE_NAME,
  type ArgoCdFastPath,
  ArgoCdFastPathConfigError,
  type ArgoCdFastPathOptions,
  type ArgoCdInstanceOptions,
  type CompiledArgoCdFastPathOptions,
  compileArgoCdFastPathOptions,
  isArgoCdFastPathConfigError,
} from './fastpath';
export { createGcc, type Gcc, type GccOptions } from './gcc';
export { LOGGED_QUERY_VALUES, loggableUrl } from './http/log-url';
export { answerClientError } from './http/problem';
export type { PollHandler } from './http/router';
export { migrate } from './migrate';
export {
  createNotifier,
  type DrainResult,
  EMAIL_AUDIENCE,
  EVENT_NAMES,
  type EventName,
  enqueueNotification,
  listOutbox,
  NOTIFICATIONS_CHANNEL,
  type NotificationEvent,
  type NotificationOptions,
  type Notifier,
  type NotifierInit,
  type NotifierLogger,
  type OutboxChannel,
  type OutboxRow,
  type OutboxStatus,
  renderEmail,
  renderEvent,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  type VerifyWebhookInput,
  verifyWebhook,
  type WebhookConfig,
  webhookBody,
} from './notifications';
export type { GccServices } from './services';
export {
  AgentService,
  type ClaimedUpdate,
  type Offer,
  type TaskHolder,
  VERIFY_TIMEOUT_SECONDS,
} from './services/agent';
export { ApprovalsService } from './services/approvals';
export {
  AUDIT_RETENTION_MAX_DAYS,
  type AuditFilter,
  AuditService,
  type PruneAuditLogOptions,
  pruneAuditLog,
} from './services/audit';
export { ClientsService } from './services/clients';
export type { Orchestration, Principal, WakeOptions } from './services/context';
export { DeploymentsService } from './services/deployments';
export { IdempotencyService, type StoredResponse } from './services/idempotency';
export type { Page, PageRequest } from './services/paging';
export { ReleasesService } from './services/releases';
export { LOG_LINE_CHARS, LOG_LINES } from './services/task-rows';
export { type TokenInput, TokensService } from './services/tokens';
export type { SigningOptions, UpdateSigner } from './signing';
export {
  type CompiledWorkerOptions,
  compileWorkerOptions,
  createWorker,
  IllegalWorkerStateError,
  ROLLBACK_PRIORITY,
  TICK_QUEUE,
  type TickQueueOptions,
  type TickResult,
  type Worker,
  type WorkerOptions,
  type WorkerState,
} from './worker';
