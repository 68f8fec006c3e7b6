export { EMAIL_AUDIENCE, EVENT_NAMES, type EventName, type NotificationEvent } from './events';
export {
  createNotifier,
  type DrainResult,
  type NotificationOptions,
  type Notifier,
  type NotifierInit,
  type NotifierLogger,
  type WebhookConfig,
} from './notifier';
export {
  enqueueNotification,
  listOutbox,
  NOTIFICATIONS_CHANNEL,
  OUTBOX_TABLE,
  type OutboxChannel,
  type OutboxRow,
  type OutboxStatus,
} from './outbox';
export { renderEmail, renderEvent, webhookBody } from './render';
export {
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  type VerifyWebhookInput,
  verifyWebhook,
} from './webhook';
