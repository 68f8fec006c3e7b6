import {
  canTransition,
  type DeploymentEvent,
  DEPLOYMENT_STATUSES as PLANNER_DEPLOYMENT_STATUSES,
  TASK_STATUSES as PLANNER_TASK_STATUSES,
  transitionDeployment,
} from '@wrktalk/rollout-planner';
import type {
  AutoApprovePolicyCreate,
  Deployment,
  DeploymentCreate,
  DeploymentStatus,
  Strategy,
  TaskStatus,
} from '@wrktalk/sdk-gcc';

/**
 * Pure helpers behind the admin elements: data in, data or strings out. No DOM, no clock they are not given, so
 * every rule the screens show is unit-tested in Node.
 */

/** Every task status, in the order a rollout moves through them (the order the screens list them in): the planner's. */
export const TASK_STATUSES: readonly TaskStatus[] = PLANNER_TASK_STATUSES;

/** Every deployment status: the planner's. */
export const DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = PLANNER_DEPLOYMENT_STATUSES;

/** A status as people read it: `pending_approval` → `Pending approval`. */
export function statusLabel(status: string): string {
  const words = status.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** How a status is coloured: the CSS class (and `data-tone`) of its badge. */
export type Tone = 'ok' | 'bad' | 'busy' | 'wait' | 'off';

/** The tone of a task, stage or deployment status. */
export function statusTone(status: string): Tone {
  switch (status) {
    case 'success':
    case 'completed':
    case 'succeeded':
      return 'ok';
    case 'failed':
    case 'timed_out':
    case 'aborted':
    case 'rolled_back':
      return 'bad';
    case 'running':
    case 'in_progress':
    case 'queued':
    case 'rolling_back':
      return 'busy';
    case 'paused':
    case 'holding':
    case 'overdue':
    case 'pending_approval':
    case 'waiting':
    case 'approved':
    case 'created':
      return 'wait';
    default:
      return 'off';
  }
}

/** Who approved a task, as people read it (`approval_source`). */
export function approvalSourceText(source: string): string {
  switch (source) {
    case 'client':
      return 'the client';
    case 'auto_policy':
      return 'auto-approve';
    case 'deadline':
      return 'the deadline';
    case 'admin_force':
      return 'an admin (forced)';
    case 'not_required':
      return 'not required';
    default:
      return statusLabel(source).toLowerCase();
  }
}

/** Non-zero counts, in {@link TASK_STATUSES} order. */
export function nonZeroCounts(
  counts: Partial<Record<TaskStatus, number>>,
): { status: TaskStatus; n: number }[] {
  return TASK_STATUSES.flatMap((status) => {
    const n = counts[status] ?? 0;
    return n > 0 ? [{ status, n }] : [];
  });
}

/** Progress of a set of tasks: how many there are, finished well, finished badly, and still to go. */
export interface Progress {
  total: number;
  succeeded: number;
  failed: number;
  /** Settled without running: rejected, expired, cancelled, rolled back. */
  skipped: number;
  open: number;
}

/** Sums task counts into {@link Progress}. */
export function progressOf(counts: Partial<Record<TaskStatus, number>>): Progress {
  const c = (s: TaskStatus) => counts[s] ?? 0;
  const total = TASK_STATUSES.reduce((sum, s) => sum + c(s), 0);
  const succeeded = c('success');
  const failed = c('failed') + c('timed_out');
  const skipped = c('rejected') + c('expired') + c('cancelled') + c('rolled_back');
  return { total, succeeded, failed, skipped, open: total - succeeded - failed - skipped };
}

/** `3 of 10 updated, 1 failed`: one line for a deployment or a stage. */
export function progressText(counts: Partial<Record<TaskStatus, number>>): string {
  const p = progressOf(counts);
  if (p.total === 0) return 'No clients';
  const parts = [`${p.succeeded} of ${p.total} updated`];
  if (p.failed) parts.push(`${p.failed} failed`);
  if (p.skipped) parts.push(`${p.skipped} not updated`);
  return parts.join(', ');
}

/** A duration in seconds as people read it: `0` → `none`, `90` → `1 min 30 s`, `7200` → `2 h`. */
export function durationText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return 'none';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  const parts: string[] = [];
  if (d) parts.push(`${d} d`);
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (s) parts.push(`${s} s`);
  return parts.slice(0, 2).join(' ');
}

/** `5 min ago` / `in 2 h` / `never` for an instant relative to `now`. */
export function relativeTime(iso: string | null | undefined, now: Date): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  const diff = Math.round((now.getTime() - t) / 1000);
  if (Math.abs(diff) < 10) return 'just now';
  const text = durationText(Math.abs(diff)).split(' ').slice(0, 2).join(' ');
  return diff > 0 ? `${text} ago` : `in ${text}`;
}

/** `backend sha1 · ct 3.9.0`, components sorted; `none reported` when empty. */
export function versionsText(versions: Record<string, string> | undefined): string {
  const entries = Object.entries(versions ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(' · ') : 'none reported';
}

/** `region=in, tier=premium`, keys sorted; empty string when there are none. */
export function labelsText(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** Client ids typed in a box: split on commas, spaces and new lines, blanks dropped, duplicates removed. */
export function parseClientIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter((s) => s !== ''))];
}

/** One stage row of the strategy editor, as typed. */
export interface StageDraft {
  kind: 'canary' | 'batch';
  /** `count` clients, `percent` of the targets, or `rest`: every remaining client (the last stage only). */
  size: 'count' | 'percent' | 'rest';
  /** The number typed for `count` or `percent`. */
  amount: string;
  /** Seconds to wait after the stage, as typed. */
  wait: string;
}

/** The strategy editor's starting rows: the contract's default stages. */
export const DEFAULT_STAGE_DRAFTS: readonly StageDraft[] = [
  { kind: 'canary', size: 'percent', amount: '4', wait: '600' },
  { kind: 'batch', size: 'percent', amount: '10', wait: '600' },
  { kind: 'batch', size: 'percent', amount: '20', wait: '300' },
  { kind: 'batch', size: 'percent', amount: '30', wait: '300' },
  { kind: 'batch', size: 'rest', amount: '', wait: '0' },
];

/** One problem with what was typed, with the field it is about (an element id in the form). */
export interface FormProblem {
  field: string;
  message: string;
}

type StageSpec = NonNullable<Strategy['stages']>[number];

/**
 * Stage rows → the contract's `StageSpec[]`, with every problem (not just the first). The server validates again
 * (with the planner's rules); this only catches what can be told from the form alone.
 */
export function stagesFromDrafts(drafts: readonly StageDraft[]): {
  stages: StageSpec[];
  problems: FormProblem[];
} {
  const problems: FormProblem[] = [];
  const stages: StageSpec[] = [];
  if (drafts.length === 0) problems.push({ field: 'stages', message: 'Add at least one stage.' });
  if (drafts.length > 20) problems.push({ field: 'stages', message: 'At most 20 stages.' });
  drafts.forEach((d, i) => {
    const n = i + 1;
    const stage: StageSpec = { kind: d.kind };
    if (d.size === 'rest') {
      if (i !== drafts.length - 1)
        problems.push({
          field: `stage-${i}-size`,
          message: `Stage ${n}: only the last stage can take every remaining client.`,
        });
    } else {
      const amount = Number(d.amount);
      if (d.amount.trim() === '' || !Number.isFinite(amount)) {
        problems.push({
          field: `stage-${i}-amount`,
          message: `Stage ${n}: enter a number of clients or a percent.`,
        });
      } else if (d.size === 'count') {
        if (!Number.isInteger(amount) || amount < 1 || amount > 1_000_000)
          problems.push({
            field: `stage-${i}-amount`,
            message: `Stage ${n}: a count is a whole number from 1.`,
          });
        else stage.count = amount;
      } else if (amount <= 0 || amount > 100) {
        problems.push({
          field: `stage-${i}-amount`,
          message: `Stage ${n}: a percent is above 0 and at most 100.`,
        });
      } else stage.percent = amount;
    }
    const wait = d.wait.trim() === '' ? 0 : Number(d.wait);
    if (!Number.isInteger(wait) || wait < 0 || wait > 604_800)
      problems.push({ field: `stage-${i}-wait`, message: `Stage ${n}: the wait is 0 to 604800 seconds.` });
    else stage.wait_seconds = wait;
    stages.push(stage);
  });
  return { stages, problems };
}

/** What the new-deployment form holds, as typed. */
export interface DeploymentForm {
  /**
   * The release picked in each row of the release picker, in order (`''` for a row not chosen yet). One row deploys
   * one release (`release_id`); more make a release set (`release_ids`, one release per component, approved,
   * applied and rolled back together; the first row is the set's lead).
   */
  releaseIds: readonly string[];
  targetMode: 'ids' | 'selector';
  clientIds: string;
  selector: string;
  strategyMode: 'default' | 'custom';
  stages: readonly StageDraft[];
  /** Batch stages' failure threshold, as typed: a percent (0–100) and a minimum of finished tasks. */
  maxFailurePercent: string;
  minFinished: string;
  /** Canary stages' most failures tolerated. */
  canaryMaxFailures: string;
  onFailure: 'default' | 'pause' | 'rollback';
  approvalRequired: boolean;
  /** ISO instant (already converted from the local input), or empty for no deadline. */
  deadline: string;
  onDeadline: 'expire' | 'auto_approve';
  description: string;
}

/** An empty form: default strategy, approval required, no deadline. */
export function emptyDeploymentForm(): DeploymentForm {
  return {
    releaseIds: [''],
    targetMode: 'selector',
    clientIds: '',
    selector: '',
    strategyMode: 'default',
    stages: DEFAULT_STAGE_DRAFTS.map((s) => ({ ...s })),
    maxFailurePercent: '',
    minFinished: '',
    canaryMaxFailures: '',
    onFailure: 'default',
    approvalRequired: true,
    deadline: '',
    onDeadline: 'expire',
    description: '',
  };
}

const optionalInt = (
  text: string,
  field: string,
  label: string,
  problems: FormProblem[],
): number | undefined => {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) {
    problems.push({ field, message: `${label} is a whole number from 0.` });
    return undefined;
  }
  return n;
};

/**
 * The form → the body of `createDeployment` (also what the preview is asked about), or every problem found.
 * `targetsOnly` skips nothing but reports whether targets are missing, so the preview can wait for them.
 */
export function deploymentBody(
  form: DeploymentForm,
): { body: DeploymentCreate; problems: [] } | { body: undefined; problems: FormProblem[] } {
  const problems: FormProblem[] = [];
  const releaseIds = form.releaseIds;
  if (releaseIds.length === 0 || (releaseIds.length === 1 && !releaseIds[0]))
    problems.push({ field: 'release-0', message: 'Choose a release.' });
  else if (releaseIds.length > MAX_SET_SIZE)
    problems.push({ field: 'release-0', message: `A release set has at most ${MAX_SET_SIZE} releases.` });
  else
    releaseIds.forEach((id, i) => {
      if (!id)
        problems.push({
          field: `release-${i}`,
          message: `Release ${i + 1}: choose a release or remove the row.`,
        });
      else if (releaseIds.indexOf(id) !== i)
        problems.push({
          field: `release-${i}`,
          message: `Release ${i + 1}: this release is already in the set.`,
        });
    });
  let targets: DeploymentCreate['targets'] | undefined;
  if (form.targetMode === 'ids') {
    const ids = parseClientIds(form.clientIds);
    if (ids.length === 0) problems.push({ field: 'client-ids', message: 'Enter at least one client id.' });
    else targets = { client_ids: ids };
  } else {
    const selector = form.selector.trim();
    if (selector === '') problems.push({ field: 'selector', message: 'Enter a label selector.' });
    else targets = { selector };
  }
  let strategy: Strategy | undefined;
  if (form.strategyMode === 'custom') {
    const s = stagesFromDrafts(form.stages);
    problems.push(...s.problems);
    strategy = { stages: s.stages };
    const threshold: NonNullable<Strategy['failure_threshold']> = {};
    if (form.maxFailurePercent.trim() !== '') {
      const p = Number(form.maxFailurePercent);
      if (!Number.isFinite(p) || p < 0 || p > 100)
        problems.push({
          field: 'max-failure-percent',
          message: 'The failure share is a percent from 0 to 100.',
        });
      else threshold.max_failure_ratio = Math.round(p * 100) / 10_000;
    }
    const minFinished = optionalInt(form.minFinished, 'min-finished', 'Minimum finished', problems);
    if (minFinished !== undefined) threshold.min_finished = minFinished;
    if (Object.keys(threshold).length) strategy.failure_threshold = threshold;
    const canary = optionalInt(form.canaryMaxFailures, 'canary-max-failures', 'Canary failures', problems);
    if (canary !== undefined) strategy.canary_failure_threshold = { max_failures: canary };
    if (form.onFailure !== 'default') strategy.on_failure = form.onFailure;
  }
  const approval: NonNullable<DeploymentCreate['approval']> = { required: form.approvalRequired };
  if (form.approvalRequired && form.deadline) {
    approval.deadline = form.deadline;
    approval.on_deadline = form.onDeadline;
  }
  if (problems.length || !targets) return { body: undefined, problems };
  // Which components may go together (each once, managed, one registry) is the GCC's rule: it answers
  // `invalid_release_set` with every problem, shown next to its row (see `releaseProblems`).
  const body: DeploymentCreate =
    releaseIds.length === 1
      ? { release_id: releaseIds[0]!, targets, approval }
      : { release_ids: [...releaseIds], targets, approval };
  if (strategy) body.strategy = strategy;
  if (form.description.trim()) body.description = form.description.trim();
  return { body, problems: [] };
}

/** Most releases in one set (`DeploymentCreate.release_ids.maxItems`). */
export const MAX_SET_SIZE = 16;

/**
 * The row of the release picker a problem of the GCC is about, from its JSON pointer: `/release_id` is row 0,
 * `/release_ids/<i>` row `i`; `undefined` for anything else (the set as a whole, targets, …).
 */
export function releaseRowOf(pointer: string): number | undefined {
  if (pointer === '/release_id') return 0;
  const m = /^\/release_ids\/(\d+)(?:\/|$)/.exec(pointer);
  return m ? Number(m[1]) : undefined;
}

/**
 * The GCC's problems with the picked releases (an `invalid_release_set` answer's `errors`, or a
 * `validation_failed` one's about them), by picker row; problems about anything else are left out.
 */
export function releaseProblems(
  problems: readonly { path: string; message: string }[] | undefined,
): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const p of problems ?? []) {
    const row = releaseRowOf(p.path);
    if (row !== undefined) out.set(row, [...(out.get(row) ?? []), p.message]);
  }
  return out;
}

/**
 * The release a new row of the picker starts with: the first (newest) of `releases` whose component is not in the
 * set yet; `undefined` when every component listed is.
 */
export function nextSetRelease(
  releases: readonly { id: string; component: string }[],
  chosenIds: readonly string[],
): string | undefined {
  const taken = new Set(releases.filter((r) => chosenIds.includes(r.id)).map((r) => r.component));
  return releases.find((r) => !taken.has(r.component))?.id;
}

/** The components of a deployment's set (one for a single release), as the contract's `components`. */
export type SetComponentView = Pick<Deployment['components'][number], 'component' | 'version'>;

/**
 * `backend 5.0.0 · media 5.0.0 · ct 5.0.0`: what a deployment rolls out, in the set's order. A GCC older than
 * release sets sends no `components`: the lead `component` and `version` are the whole set then.
 */
export function setText(
  d: Pick<Deployment, 'component' | 'version'> & { components?: readonly SetComponentView[] },
): string {
  return setOf(d)
    .map((c) => `${c.component} ${c.version}`)
    .join(' · ');
}

/** A deployment's `components`, or its lead component alone (a GCC older than release sets). */
export function setOf(
  d: Pick<Deployment, 'component' | 'version'> & { components?: readonly SetComponentView[] },
): SetComponentView[] {
  return d.components?.length ? [...d.components] : [{ component: d.component, version: d.version }];
}

/** What an admin may do to a deployment in its current state (the contract's transitions). */
export interface AllowedActions {
  pause: boolean;
  resume: boolean;
  abort: boolean;
  rollback: boolean;
}

/** The controls enabled for a deployment: the planner's deployment transition table (`DeploymentStatus.x-transitions`). */
export function allowedActions(d: Pick<Deployment, 'status' | 'type'>): AllowedActions {
  const can = (event: DeploymentEvent) => transitionDeployment(d.status, event).ok;
  return {
    pause: can('pause'),
    resume: can('resume'),
    abort: can('abort'),
    // Only an update is rolled back; a rollback deployment is not rolled back in turn.
    rollback: d.type === 'update' && can('rollback_start'),
  };
}

/** Whether an admin may force-approve a task in this status: the planner's task transition table. */
export function canForceApprove(status: TaskStatus): boolean {
  return canTransition(status, 'force_approve');
}

/**
 * Cursor pagination as pages: the cursors that opened each page seen so far (the first is `undefined`), and the
 * page shown. The server only knows "next", so "previous" replays the remembered cursor.
 */
export interface Pager {
  cursors: readonly (string | undefined)[];
  index: number;
  /** `next_cursor` of the page shown, `null` on the last one. */
  next: string | null;
}

/** The first page. */
export const FIRST_PAGE: Pager = { cursors: [undefined], index: 0, next: null };

/** The cursor to load for the page shown. */
export const pagerCursor = (p: Pager): string | undefined => p.cursors[p.index];

/** After a page loaded: remember its `next_cursor`. */
export const pagerLoaded = (p: Pager, next: string | null): Pager => ({ ...p, next });

/** Moves to the next page (unchanged on the last one). */
export function pagerNext(p: Pager): Pager {
  if (p.next === null) return p;
  const cursors = [...p.cursors.slice(0, p.index + 1), p.next];
  return { cursors, index: p.index + 1, next: null };
}

/** Moves to the previous page (unchanged on the first one). */
export function pagerPrev(p: Pager): Pager {
  return p.index === 0 ? p : { cursors: p.cursors, index: p.index - 1, next: null };
}

/** `Page 2`, for the pager's live text. */
export const pagerText = (p: Pager): string => `Page ${p.index + 1}`;

/** A page of the admin console. */
export type AdminRoute =
  | { page: 'deployments' }
  | { page: 'deployment'; id: string }
  | { page: 'new'; releaseId?: string }
  | { page: 'releases' }
  | { page: 'clients' }
  | { page: 'policies' };

/** Reads `location.hash`: `#/deployments/dpl-1`, `#/new?release=rel-1`, …; anything else is the deployments list. */
export function parseRoute(hash: string): AdminRoute {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'deployments':
      return parts[1] ? { page: 'deployment', id: parts[1] } : { page: 'deployments' };
    case 'new': {
      const releaseId = new URLSearchParams(query).get('release');
      return releaseId ? { page: 'new', releaseId } : { page: 'new' };
    }
    case 'releases':
    case 'clients':
    case 'policies':
      return { page: parts[0] };
    default:
      return { page: 'deployments' };
  }
}

/** The hash of a route (the inverse of {@link parseRoute}). */
export function routeHash(route: AdminRoute): string {
  switch (route.page) {
    case 'deployment':
      return `#/deployments/${encodeURIComponent(route.id)}`;
    case 'new':
      return route.releaseId ? `#/new?release=${encodeURIComponent(route.releaseId)}` : '#/new';
    default:
      return `#/${route.page}`;
  }
}

/** The nav section a route belongs to (a deployment's page is under "Deployments"). */
export function routeSection(route: AdminRoute): 'deployments' | 'new' | 'releases' | 'clients' | 'policies' {
  return route.page === 'deployment' ? 'deployments' : route.page;
}

/** One line for an audit entry: `admin:ravi paused the deployment`, `system task.enqueue adani-prod`. */
export function auditText(e: {
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  client_id: string | null;
}): string {
  const verb = e.action.includes('.') ? e.action.slice(e.action.indexOf('.') + 1) : e.action;
  const what =
    e.subject_type === 'task' && e.client_id ? `task of ${e.client_id}` : `${e.subject_type} ${e.subject_id}`;
  return `${statusLabel(verb)}: ${what}`;
}

/** The parts of a deployment {@link changeText} compares. */
export type DeploymentChangeView = Pick<Deployment, 'status' | 'task_counts'> & {
  stages: Pick<Deployment['stages'][number], 'index' | 'status'>[];
};

/** What changed between two reads of a deployment, for the live region (empty when nothing worth saying). */
export function changeText(before: DeploymentChangeView, after: DeploymentChangeView): string {
  const parts: string[] = [];
  if (before.status !== after.status) parts.push(`Deployment ${statusLabel(after.status).toLowerCase()}.`);
  for (const s of after.stages) {
    const old = before.stages.find((x) => x.index === s.index);
    if (!old || old.status !== s.status)
      parts.push(`Stage ${s.index + 1} ${statusLabel(s.status).toLowerCase()}.`);
  }
  if (progressText(before.task_counts) !== progressText(after.task_counts))
    parts.push(`${progressText(after.task_counts)}.`);
  return parts.join(' ');
}

/** What the create form holds, as typed. */
export interface PolicyForm {
  id: string;
  /** Comma- or space-separated; empty for every component. */
  components: string;
  /** Empty for every client. */
  selector: string;
  description: string;
}

/** The create form → the body of `createAutoApprovePolicy` (the GCC checks it and lists every problem). */
export function policyBody(form: PolicyForm): AutoApprovePolicyCreate {
  const components = parseClientIds(form.components);
  return {
    id: form.id.trim(),
    ...(components.length ? { components } : {}),
    ...(form.selector.trim() ? { label_selector: form.selector.trim() } : {}),
    ...(form.description.trim() ? { description: form.description.trim() } : {}),
  };
}
