import type { NotificationEvent } from './events';

/** An event in words: a one-line title and a few lines of detail. */
export interface Rendered {
  title: string;
  lines: string[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const clientsOf = (ids: readonly string[] | undefined, count: number | undefined) => {
  if (ids === undefined) return count === undefined ? [] : [`Clients: ${count}`];
  return [`Clients: ${ids.length <= 10 ? ids.join(', ') : `${ids.length} clients`}`];
};

const scopeOf = (scope: string, stage?: number) =>
  scope === 'failed_stage'
    ? `the failed stage${stage === undefined ? '' : ` (stage ${stage})`}`
    : scope === 'clients'
      ? 'the listed clients'
      : 'every client of the deployment';

/** Describes an event for people (email subject/body, the webhook `text`). */
export function renderEvent(e: NotificationEvent): Rendered {
  // A release set is named by all its components: "backend 5.0.0 + media 5.0.0 + ct 5.0.0".
  const what =
    'components' in e && e.components && e.components.length > 1
      ? e.components.map((c) => `${c.component} ${c.version}`).join(' + ')
      : `${e.component} ${e.version}`;
  const dep = `Deployment: ${e.deploymentId}`;
  switch (e.type) {
    case 'deployment_created':
    case 'deployment_published':
      return {
        title: `${what} is ${e.type === 'deployment_created' ? 'planned' : 'available'}${e.approvalRequired === false ? ' (no approval needed)' : ': your approval is requested'}`,
        lines: [
          dep,
          ...(e.description ? [`Description: ${e.description}`] : []),
          ...(e.requestedStartTime ? [`Requested start: ${e.requestedStartTime}`] : []),
          ...(e.approvalDeadline ? [`Approve or reject before ${e.approvalDeadline}`] : []),
          ...clientsOf(e.clientIds, e.clientCount),
          ...(e.by ? [`By: ${e.by}`] : []),
        ],
      };
    case 'task_approved':
      return {
        title: `${e.clientId} approved ${what}`,
        lines: [dep, `Task: ${e.taskId}`, `By: ${e.by}${e.source ? ` (${e.source})` : ''}`],
      };
    case 'task_rejected':
      return {
        title: `${e.clientId} rejected ${what}`,
        lines: [dep, `Task: ${e.taskId}`, `By: ${e.by}`, ...(e.reason ? [`Reason: ${e.reason}`] : [])],
      };
    case 'approval_digest': {
      const listed = e.entries.length;
      const total = e.approved + e.rejected;
      return {
        title: `${what}: ${plural(e.approved, 'approval')}, ${plural(e.rejected, 'rejection')}`,
        lines: [
          dep,
          `From ${e.since} to ${e.until}`,
          ...e.entries.map(
            (x) =>
              `${x.clientId} ${x.decision} (by ${x.by}${x.source ? `, ${x.source}` : ''})${x.reason ? `: ${x.reason}` : ''}`,
          ),
          ...(total > listed ? [`… and ${total - listed} more (first ${listed} of ${total} listed)`] : []),
        ],
      };
    }
    case 'stage_completed':
      return {
        title: `${what}: stage ${e.stage} completed`,
        lines: [dep, `${e.succeeded} of ${e.total} succeeded, ${plural(e.failed, 'failure')}`],
      };
    case 'stage_failed':
      // A rollback's stages are its waves; a failing wave pauses the rollback for an admin.
      if (e.deploymentType === 'rollback') {
        return {
          title: `Rollback of ${what} paused: wave ${e.stage + 1} failed`,
          lines: [
            `Rollback deployment: ${e.deploymentId}`,
            ...(e.rollbackOf ? [`Rolling back: ${e.rollbackOf}`] : []),
            `${e.failed} of ${e.total} failed, ${e.succeeded} returned to their previous version`,
            ...(e.reason ? [`Reason: ${e.reason}`] : []),
            'Resume the rollback to accept the wave and go on, or abort it.',
          ],
        };
      }
      return {
        title: `${what}: stage ${e.stage} failed, ${e.action === 'rollback' ? 'rolling back' : 'rollout paused'}`,
        lines: [
          dep,
          `${e.failed} of ${e.total} failed, ${e.succeeded} succeeded`,
          ...(e.reason ? [`Reason: ${e.reason}`] : []),
        ],
      };
    case 'stage_held':
      return {
        title: `${what}: stage ${e.stage} held, rollout paused`,
        lines: [
          dep,
          `${e.succeeded} of ${e.total} succeeded, ${e.overdue} overdue (not picked up: clients offline?)`,
          `Reason: ${e.reason}`,
          'Nothing further is released until an admin acts: resume to accept the stage as it is, or abort.',
        ],
      };
    case 'rollback_started':
      return {
        title: `${e.partial ? 'Partial rollback' : 'Rollback'} of ${what} started`,
        lines: [
          `Rollback deployment: ${e.deploymentId}`,
          `Rolling back: ${e.rollbackOf}`,
          ...(e.scope ? [`Scope: ${scopeOf(e.scope, e.stage)}`] : []),
          ...(e.reason ? [`Reason: ${e.reason}`] : []),
          ...clientsOf(e.clientIds, e.clientCount),
          ...(e.skippedClientIds?.length
            ? [`No previous version (not touched): ${e.skippedClientIds.join(', ')}`]
            : []),
          ...(e.partial && e.keptNewVersion
            ? [`Partial: ${plural(e.keptNewVersion, 'client')} keep ${e.version}`]
            : []),
          ...(e.by ? [`By: ${e.by}`] : []),
        ],
      };
    case 'rollback_finished':
      return {
        title: `${e.partial ? 'Partial rollback' : 'Rollback'} of ${what} ${e.status}`,
        lines: [
          `Rollback deployment: ${e.deploymentId}`,
          `Rolled back: ${e.rollbackOf}`,
          ...(e.scope ? [`Scope: ${scopeOf(e.scope)}`] : []),
          `${e.succeeded} returned to their previous version, ${e.failed} failed${e.skipped ? `, ${e.skipped} skipped (no previous version)` : ''}`,
          ...(e.partial === undefined
            ? []
            : e.partial
              ? [
                  `Partial: ${plural(e.keptNewVersion ?? 0, 'client')} of ${e.rollbackOf} still run ${e.version}`,
                ]
              : [`No client of ${e.rollbackOf} runs ${e.version} any more`]),
        ],
      };
    case 'deployment_completed':
      return {
        title: `${what}: deployment ${e.status}`,
        lines: [
          dep,
          `${e.succeeded} succeeded, ${e.failed} failed${e.skipped ? `, ${e.skipped} skipped` : ''}`,
        ],
      };
    case 'task_overdue':
      return {
        title: `${what}: ${plural(e.count, 'approved task')} not picked up in time`,
        lines: [
          dep,
          `Clients: ${e.clientIds.join(', ')}${e.count > e.clientIds.length ? ` (first ${e.clientIds.length} of ${e.count})` : ''}`,
          ...(e.since ? [`Overdue since: ${e.since}`] : []),
          'Not a failure: they are retried in a later batch.',
        ],
      };
  }
}

/** An email: subject and plain text body. */
export function renderEmail(e: NotificationEvent): { subject: string; text: string } {
  const r = renderEvent(e);
  return { subject: `[WrkTalk] ${r.title}`, text: `${r.title}\n\n${r.lines.join('\n')}\n` };
}

/** Longest client list copied into delivery rows and webhook bodies. */
const LIST_MAX = 100;

/** The event as stored on its delivery rows: a client list longer than 100 is replaced by its count. */
export function trimForDelivery(e: NotificationEvent): NotificationEvent {
  // `task_overdue` lists are already bounded (OVERDUE_LIST_MAX) and always present.
  if (
    e.type !== 'task_overdue' &&
    'clientIds' in e &&
    e.clientIds !== undefined &&
    e.clientIds.length > LIST_MAX
  ) {
    const { clientIds, ...rest } = e;
    return { ...rest, clientCount: clientIds.length };
  }
  return e;
}

/** Drops the (possibly huge) client lists from an event, keeping their counts. */
export function summarize(e: NotificationEvent): Record<string, unknown> {
  const { clientIds, skippedClientIds, ...rest } = e as NotificationEvent & {
    clientIds?: string[];
    skippedClientIds?: string[];
  };
  const out: Record<string, unknown> = { ...rest };
  if (clientIds !== undefined) {
    if (clientIds.length <= LIST_MAX) out.clientIds = clientIds;
    out.clientCount = clientIds.length;
  }
  if (skippedClientIds !== undefined) {
    if (skippedClientIds.length <= LIST_MAX) out.skippedClientIds = skippedClientIds;
    out.skippedClientCount = skippedClientIds.length;
  }
  return out;
}

/**
 * The webhook body: Slack-compatible (`text` + `blocks`, accepted by a Slack incoming webhook as is) plus the
 * machine-readable `event` (`id`, `type`, `occurred_at` and the event's fields).
 */
export function webhookBody(
  eventId: string,
  occurredAt: Date,
  e: NotificationEvent,
): Record<string, unknown> {
  const r = renderEvent(e);
  const text = `${r.title}\n${r.lines.join('\n')}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(r.title)}*` } },
      ...(r.lines.length
        ? [{ type: 'section', text: { type: 'mrkdwn', text: r.lines.map(escapeMrkdwn).join('\n') } }]
        : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `WrkTalk GCC · ${e.type} · event ${eventId}` }] },
    ],
    event: { ...summarize(e), id: eventId, type: e.type, occurred_at: occurredAt.toISOString() },
  };
}

/** Slack's three control characters. */
const escapeMrkdwn = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
