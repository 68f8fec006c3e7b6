import type { PendingApproval, Task } from '@wrktalk/sdk-gcc';

/**
 * Pure helpers behind the elements' text: data in, strings out, no DOM and no clock they are not given.
 */

/** The versions of an update: what the client runs now (`null` when unknown) and what it would install. */
export interface VersionChange {
  from: string | null;
  to: string;
}

/** One component of an update's set, from → to. */
export interface ComponentChange extends VersionChange {
  component: string;
}

/** What {@link componentChanges} reads: a pending approval or a task (their `components`, else the lead fields). */
export interface ChangeSource {
  component: string;
  version: string;
  previous_version?: string | null;
  components?: readonly { component: string; version: string; previous_version: string | null }[];
}

/**
 * Every component of an update's set, from → to, in the set's order (one entry for a single release). "From" is
 * the `previous_version` the GCC sent, else the client's reported `current_versions[component]` (when the caller
 * has them: the CT reads its client), else `null`. A GCC older than release sets sends no `components`: the lead
 * fields are the whole set then.
 */
export function componentChanges(
  source: ChangeSource,
  currentVersions?: Record<string, string>,
): ComponentChange[] {
  const list = source.components?.length
    ? source.components
    : [
        {
          component: source.component,
          version: source.version,
          previous_version: source.previous_version ?? null,
        },
      ];
  return list.map((c) => {
    const sent = c.previous_version;
    const from = typeof sent === 'string' && sent !== '' ? sent : (currentVersions?.[c.component] ?? null);
    return { component: c.component, from, to: c.version };
  });
}

/**
 * From → to of a pending approval's first (or only) component; see {@link componentChanges}, which gives every
 * component of a set.
 */
export function versionChange(
  approval: PendingApproval,
  currentVersions: Record<string, string> | undefined,
): VersionChange {
  const [first] = componentChanges(approval, currentVersions);
  return { from: first?.from ?? null, to: first?.to ?? approval.version };
}

/**
 * What "from" reads when it is `null`: `not installed` when the client has reported its versions (and this
 * component is not among them), `unknown` when nothing was reported or the caller does not know.
 */
export function fromText(from: string | null, reported?: Record<string, string>): string {
  if (from !== null) return from;
  return reported && Object.keys(reported).length > 0 ? 'not installed' : 'unknown';
}

/** `backend, media and ct`: the components of a set, as people list them. */
export function componentList(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * The sentence that tells the client's administrator one decision covers the whole set; `null` for a single
 * component (nothing to explain).
 */
export function setApprovalText(changes: readonly ComponentChange[]): string | null {
  if (changes.length < 2) return null;
  return `One approval covers all ${changes.length} components (${componentList(
    changes.map((c) => c.component),
  )}): they are installed together, and rolled back together if the update fails.`;
}

/** Release-metadata keys read as release notes, first match wins. */
export const RELEASE_NOTES_KEYS = ['notes', 'release_notes', 'changelog', 'description'] as const;

/** The release notes in a release's free-form metadata, or `null` when it has none. */
export function releaseNotes(metadata: Record<string, unknown> | undefined): string | null {
  for (const key of RELEASE_NOTES_KEYS) {
    const v = metadata?.[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return null;
}

/** What happens when nobody answers: one sentence for the CT. */
export function deadlineText(
  deadline: string | null,
  onDeadline: PendingApproval['on_deadline'],
  formatDate: (iso: string) => string = (iso) => new Date(iso).toLocaleString(),
): string {
  if (deadline === null) return 'No deadline.';
  const when = formatDate(deadline);
  return onDeadline === 'auto_approve'
    ? `Approved automatically at ${when} if nobody answers.`
    : `Expires at ${when} if nobody answers (it will not be installed).`;
}

/**
 * The ISO instant of a `<input type="datetime-local">` value, read in the browser's time zone; `null` for an empty
 * or unreadable value.
 */
export function localInputToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** What a task's status means to the client's administrator, in a few words. */
export const TASK_STATUS_TEXT: Record<Task['status'], string> = {
  pending: 'Waiting to start',
  pending_approval: 'Waiting for approval',
  approved: 'Approved',
  queued: 'Queued',
  in_progress: 'Installing',
  success: 'Installed',
  failed: 'Failed',
  timed_out: 'Timed out',
  overdue: 'Overdue',
  rolled_back: 'Rolled back',
  rejected: 'Rejected',
  expired: 'Expired',
  cancelled: 'Cancelled',
};

/** The status of a task for the history; a rollback task says so. */
export function taskStatusText(task: Pick<Task, 'status' | 'type'>): string {
  const text = TASK_STATUS_TEXT[task.status] ?? task.status;
  return task.type === 'rollback' ? `Rollback: ${text.toLowerCase()}` : text;
}

/**
 * The one line the history shows about a task: the rejection reason, else the agent's last message, else who
 * approved it and how, else nothing.
 */
export function taskMessage(
  task: Pick<Task, 'rejected_reason' | 'last_message' | 'approved_by' | 'approval_source' | 'status'>,
): string | null {
  if (task.status === 'rejected' && task.rejected_reason) return `Rejected: ${task.rejected_reason}`;
  if (task.last_message) return task.last_message;
  if (task.approved_by) return `Approved by ${task.approved_by}`;
  return null;
}

/** A `page-size` attribute as a request's `limit`: a whole number from 1 to `max`, else `fallback`. */
export function pageLimit(pageSize: unknown, max: number, fallback: number): number {
  const n = Math.trunc(Number(pageSize));
  return Number.isFinite(n) ? Math.min(max, Math.max(1, n)) : fallback;
}
