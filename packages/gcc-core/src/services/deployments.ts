import {
  APPROVAL_SOURCE,
  approvalStatusOf,
  byPointer,
  CLIENT_PREFERENCE_POLICY,
  type DeploymentStatus,
  immediateStrategy,
  type LabelRequirement,
  parseSelector,
  type ReleaseSetMember,
  releaseSetProblems,
  SETTLED_TASK_STATUSES,
  type TaskEvent,
  type TaskStatus,
  transition,
} from '@wrktalk/rollout-planner';
import {
  type Deployment,
  type DeploymentCreate,
  type DeploymentPreview,
  effectiveStrategy,
  type ForceApproveRequest,
  imageLocation,
  plannedStages,
  type RollbackRequest,
  type Schemas,
  type Task,
} from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import { type FieldError, GccServiceError, validationFailed } from '../errors/gcc-service-error';
import { enqueueNotification } from '../notifications/outbox';
import { deploymentEnded } from '../rollout/finish';
import { startRollback } from '../rollout/rollback';
import { countsOfTally, type StageTallyRow, stageSummaries, stageTallies } from '../rollout/stages';
import { AUDITED_APPROVAL_SOURCES_SQL, createdApprovalsAuditSql } from './approvals';
import { audit } from './audit-log';
import { type ClientRow, clientOf } from './clients';
import { actorOf, type Principal, type ServiceContext, wakeWorker } from './context';
import type { DeploymentRow } from './deployment-rows';
import { newId } from './ids';
import { iso, isoOf } from './iso-time';
import { decodeCursor, type Page, type PageRequest, toPage } from './paging';
import { currentPolicyRules } from './policies';
import { type ReleaseRow, releaseRowById } from './release-rows';
import { parseSelectorOrThrow, selectorSql } from './selector-sql';
import { assertDeploymentPolicy } from './strategy';
import { type TaskRow, taskOf } from './task-rows';
import { inTransaction } from './transaction';
import { nextDeploymentStatus, nextTaskStatus, statusesAllowing } from './transitions';

/** One component release of a deployment's set, as stored in `deployments.components`. */
export type SetMember = Schemas['SetComponent'];

/** The set of a deployment row (a row written before migration 013 filled it in has its one release). */
export const setOf = (r: DeploymentRow): SetMember[] => r.components;

const deploymentOf = (
  r: DeploymentRow,
  counts: Schemas['TaskCounts'],
  stages: Schemas['StageSummary'][] = [],
): Deployment => ({
  id: r.id,
  type: r.type,
  release_id: r.release_id,
  component: r.component,
  version: r.version,
  components: setOf(r),
  rollback_of: r.rollback_of,
  rollback_scope: r.rollback_scope ?? null,
  rolled_back_by: r.rolled_back_by ?? null,
  status: r.status,
  status_reason: r.status_reason ?? null,
  requested_start_time: iso(r.requested_start_time),
  strategy: r.strategy,
  // A deployment created before admin auto-approve policies existed kept none.
  approval: { ...r.approval, auto_approve_policies: r.approval.auto_approve_policies ?? [] },
  description: r.description,
  created_by: r.created_by,
  created_at: isoOf(r.created_at),
  updated_at: isoOf(r.updated_at),
  started_at: iso(r.started_at),
  finished_at: iso(r.finished_at),
  task_counts: counts,
  stages,
});

/** Applies a chain of planner events to a fresh task status. */
function chain(from: TaskStatus, events: TaskEvent[]): TaskStatus {
  let s = from;
  for (const e of events) {
    const r = transition(s, e);
    if (!r.ok) throw r.error;
    s = r.state;
  }
  return s;
}

/** A deployment request checked and resolved before anything is written (what create and preview share). */
interface ResolvedRequest {
  /** The set's first release (the deployment's `release_id`). */
  release: ReleaseRow;
  /** The whole set, first entry `release`; one entry for a single release. */
  set: SetMember[];
  /** `targets.client_ids`, all known. */
  ids: string[];
  /** `targets.selector`, parsed; null without one. */
  requirements: LabelRequirement[] | null;
  strategy: Deployment['strategy'];
  /** The effective approval policy, with the auto-approve policies of now (which the deployment keeps). */
  approval: Deployment['approval'];
}

/**
 * The `targets` CTE of a resolved request: every matched client once (`c.id = ANY(ids) OR selector`) with its
 * previous version of the component and the auto-approve policy that approves its task at once, if any: its own
 * preference first (`client_preference`), then the deployment's admin policies in order. The same rule as the
 * planner's `findAutoApproval` (which the worker applies later), written as SQL for one set-based statement over up
 * to 100,000 clients; a policy whose components leave out this release's or whose selector does not parse never
 * matches, as there. Parameters are numbered from `$<first>`.
 */
function targetsCte(r: ResolvedRequest, first: number): { sql: string; params: unknown[] } {
  const components = r.set.map((m) => m.component);
  const params: unknown[] = [r.release.component, CLIENT_PREFERENCE_POLICY, r.ids, components];
  const $ = (i: number) => `$${first + i}`;
  const where = r.requirements ? selectorSql(r.requirements, 'c.labels', first + params.length) : null;
  if (where) params.push(...where.params);
  const arms: string[] = [];
  for (const p of r.approval.auto_approve_policies) {
    // A set is approved by a policy only when the policy covers every component of it (`findAutoApproval`).
    if (p.components !== null && !components.every((c) => p.components!.includes(c))) continue;
    let requirements: LabelRequirement[] = [];
    if (p.label_selector !== null) {
      const parsed = parseSelector(p.label_selector);
      if (!parsed.ok) continue;
      requirements = parsed.requirements;
    }
    const idAt = params.length;
    params.push(p.id);
    const cond = selectorSql(requirements, 'c.labels', first + params.length);
    params.push(...cond.params);
    arms.push(`WHEN ${cond.sql} THEN ${$(idAt)}::text`);
  }
  // Only the arms the request has: `id = ANY('{}') OR <selector>` keeps PostgreSQL from answering the selector
  // with the labels index alone. (Without ids their parameter stays, as a one-time filter that holds.)
  const byIds = `c.id = ANY(${$(2)}::text[])`;
  const matched = !where
    ? byIds
    : r.ids.length === 0
      ? `cardinality(${$(2)}::text[]) = 0 AND (${where.sql})`
      : `(${byIds} OR (${where.sql}))`;
  const sql = `targets AS (
           SELECT c.id, c.current_versions ->> ${$(0)}::text AS previous, c.current_versions AS versions,
                  CASE WHEN COALESCE((c.auto_approve ->> 'all')::boolean, false)
                            OR COALESCE(c.auto_approve -> 'components', '[]'::jsonb) ?& ${$(3)}::text[]
                       THEN ${$(1)}::text
                       ${arms.join(' ')}
                  END AS policy
           FROM clients c
           WHERE ${matched}
           -- Computed here, once per client (a fence): without it PostgreSQL evaluates the jsonb expressions above a
           -- caller's window and carries the jsonb columns through it (~140 ms more at 100,000 clients).
           OFFSET 0
         )`;
  return { sql, params };
}

/** Deployments: rollouts of a release to many clients, and rollbacks. */
export class DeploymentsService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * A deployment as the contract shows it. Its tasks are counted once, by stage and status, for both its counts and
   * its stages; `tally` passes counts already known (creation knows them from the statement that wrote the tasks).
   */
  private async view(sql: Sql, id: string, tally?: StageTallyRow[]): Promise<Deployment> {
    const r = await sql.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1', [id]);
    const row = r.rows[0];
    if (!row) throw new GccServiceError('not_found', `No deployment ${id}.`);
    const rows = tally ?? (await stageTallies(sql, [id])).get(id)!;
    const stages = await stageSummaries(
      sql,
      row,
      this.ctx.now(),
      { leaseSeconds: this.ctx.leaseSeconds },
      rows,
    );
    return deploymentOf(row, countsOfTally(rows), stages);
  }

  /**
   * Creates a deployment and all its tasks in one transaction (task ids are the deployment's id and a sequence
   * number, so the primary key grows in order instead of taking random inserts): one set-based `INSERT … SELECT` over the clients
   * matched by id and/or selector, initial states decided by the planner.
   */
  async create(who: Principal, input: DeploymentCreate, tx?: Sql): Promise<Deployment> {
    const now = this.ctx.now();
    const startLater =
      input.requested_start_time !== undefined && Date.parse(input.requested_start_time) > now.getTime();
    // Initial states, decided once by the planner. An approved task stays approved until the rollout worker places
    // it in a stage (whatever the strategy: the `immediate` one too).
    const statusNotRequired = chain('pending', ['not_required']);
    const statusAuto = chain('pending', ['auto_approve']);

    return inTransaction(this.ctx, tx, async (sql) => {
      const resolved = await this.resolve(sql, input);
      const { release: rel, strategy, approval } = resolved;
      const hidden = approval.visible_from != null && Date.parse(approval.visible_from) > now.getTime();
      const statusManual = hidden ? 'pending' : chain('pending', ['publish']);
      const id = newId('dpl');
      // A deployment whose requested start time is ahead waits `created` (it takes approvals; the worker starts it
      // at that time). Otherwise it runs from now.
      const waits = startLater;
      const initialStatus = waits ? 'created' : nextDeploymentStatus({ id, status: 'created' }, 'start');
      const statusReason = waits
        ? `waiting for its requested start time ${new Date(input.requested_start_time!).toISOString()}`
        : null;
      await sql.query(
        `INSERT INTO deployments (id, type, release_id, component, version, status, strategy, approval,
                                  requested_start_time, description, created_by, created_at, updated_at, started_at,
                                  orchestration, status_reason, components)
         VALUES ($1, 'update', $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $11, $13, $12, $14, $15::jsonb)`,
        [
          id,
          rel.id,
          rel.component,
          rel.version,
          initialStatus,
          JSON.stringify(strategy),
          JSON.stringify(approval),
          input.requested_start_time ?? null,
          input.description ?? null,
          actorOf(who),
          now,
          'worker',
          waits ? null : now,
          statusReason,
          JSON.stringify(resolved.set),
        ],
      );
      const targets = targetsCte(resolved, 16);
      // A set's task keeps every component from the version its client runs to the set's, in the set's order: one
      // constant object per component (a parameter) with the client's previous version added, built per row without
      // a subquery (a third of the cost of aggregating the set per row at 100,000 tasks). A single release's task
      // needs nothing more than its own columns.
      const memberAt = 16 + targets.params.length;
      const members = resolved.set.length > 1 ? resolved.set : [];
      const setSql = members.length
        ? `jsonb_build_array(${members
            .map(
              (_, i) =>
                `$${memberAt + 2 * i}::jsonb || jsonb_build_object('previous_version', s.versions -> $${memberAt + 2 * i + 1}::text)`,
            )
            .join(', ')})`
        : 'NULL';
      // The tasks, the audit entries of the approvals they are created with, and their counts (for the answer, so the
      // tasks are not read again) in one statement. Approvals by a client's auto-approve are audited task by task;
      // "approval not required" is the creator's one decision for every task, audited once by the
      // `deployment.create` entry below (the planner's `auditedPerTask`).
      const inserted = await sql.query<StageTallyRow>(
        `WITH ${targets.sql}, decided AS (
           SELECT id, previous, versions, policy,
                  CASE WHEN NOT $6::boolean THEN 'not_required' WHEN policy IS NOT NULL THEN 'auto' ELSE 'manual' END
                    AS how
           FROM targets
         ), states AS (
           SELECT id, previous, versions, how, policy,
                  CASE how WHEN 'not_required' THEN $7::text WHEN 'auto' THEN $8::text ELSE $9::text END AS status
           FROM decided
         ), inserted AS (
           INSERT INTO deployment_tasks (id, deployment_id, client_id, type, component, version, image_url,
                                         previous_version, status, approval_status, approval_source, approved_at,
                                         approved_by, requested_start_time, attempt, queued_at, created_at, updated_at,
                                         approval_policy, components)
           SELECT 'tsk-' || substr($1, 5) || '-' ||
                  lpad((row_number() OVER (ORDER BY s.id ROWS BETWEEN CURRENT ROW AND CURRENT ROW))::text, 7, '0'),
                  $1, s.id,
                  'update', $3, $4, $5, s.previous,
                  s.status,
                  CASE s.how WHEN 'not_required' THEN $14::text WHEN 'auto' THEN $15::text ELSE 'pending' END,
                  CASE s.how WHEN 'not_required' THEN $12::text WHEN 'auto' THEN $13::text END,
                  CASE WHEN s.how <> 'manual' THEN $2::timestamptz END,
                  CASE WHEN s.how = 'auto' THEN 'system' END,
                  $10::timestamptz,
                  CASE WHEN s.status = $11::text THEN 1 ELSE 0 END,
                  CASE WHEN s.status = $11::text THEN $2::timestamptz END,
                  $2, $2,
                  CASE WHEN s.how = 'auto' THEN s.policy END,
                  ${setSql}
           FROM states s
           -- What the counts and the audit read: the status of every task, the keys only of the tasks whose
           -- approval at creation is audited task by task (a client's auto-approve; NULL for the others keeps the
           -- returned rows narrow).
           RETURNING status, approval_status, approval_source, approval_policy,
                     CASE WHEN approval_source IN ${AUDITED_APPROVAL_SOURCES_SQL} THEN id END AS id,
                     CASE WHEN approval_source IN ${AUDITED_APPROVAL_SOURCES_SQL} THEN deployment_id END AS deployment_id,
                     CASE WHEN approval_source IN ${AUDITED_APPROVAL_SOURCES_SQL} THEN client_id END AS client_id
         ), audited AS (
           ${createdApprovalsAuditSql('inserted', '$2')}
         )
         SELECT NULL::int AS stage, status, count(*)::int AS n FROM inserted GROUP BY status`,
        [
          id,
          now,
          rel.component,
          rel.version,
          rel.image_url,
          approval.required,
          statusNotRequired,
          statusAuto,
          statusManual,
          input.requested_start_time ?? null,
          'queued',
          // Approval sources and statuses from the planner's vocabulary, not spelled again here. A client's own
          // auto-approve preference is an `auto_policy` approval, as when the worker applies it later.
          APPROVAL_SOURCE.notRequired,
          APPROVAL_SOURCE.autoPolicy,
          approvalStatusOf(APPROVAL_SOURCE.notRequired),
          approvalStatusOf(APPROVAL_SOURCE.autoPolicy),
          ...targets.params,
          ...members.flatMap((m) => [
            JSON.stringify({
              component: m.component,
              version: m.version,
              image_url: m.image_url,
              image_digest: m.image_digest,
            }),
            m.component,
          ]),
        ],
      );
      const tasks = inserted.rows.reduce((sum, row) => sum + row.n, 0);
      if (tasks === 0) throw new GccServiceError('no_targets', 'The targets select no client.');
      await audit(sql, now, who, 'deployment.create', 'deployment', id, {
        deploymentId: id,
        after: {
          release_id: rel.id,
          ...(resolved.set.length > 1 && {
            components: resolved.set.map((m) => ({
              component: m.component,
              version: m.version,
              release_id: m.release_id,
            })),
          }),
          targets: input.targets,
          tasks,
          approval,
          // Every task approved at once, by this decision (as a rollback's entry says): audited here, not per task.
          ...(!approval.required && { approval_source: APPROVAL_SOURCE.notRequired }),
          requested_start_time: input.requested_start_time ?? null,
        },
      });
      // Approvers hear of it now unless its tasks are hidden until `visible_from` (the worker announces it then; it
      // never does when approval is not required, so that case is announced now).
      // No client list: the notifier reads the deployment's tasks, so a huge deployment is not copied here.
      if (!hidden || !approval.required) {
        await enqueueNotification(
          sql,
          {
            type: 'deployment_created',
            deploymentId: id,
            component: rel.component,
            version: rel.version,
            approvalDeadline: approval.deadline,
            requestedStartTime: input.requested_start_time ?? null,
            description: input.description ?? null,
            by: actorOf(who),
            // Not required: nobody's approval is requested, so the approvers get no "approval requested" email.
            ...(!approval.required && { approvalRequired: false }),
          },
          now,
        );
      }
      // Nothing is queued yet (the worker releases approved tasks), so no agent's cached answer changed.
      await wakeWorker(this.ctx, sql, id);
      return this.view(sql, id, inserted.rows);
    });
  }

  /**
   * Checks a deployment request as `create` does, in the same order, before anything is written: strategy and
   * approval policy (every problem), selector, release (`not_found`), named clients (`unknown_client`). Reads the
   * current auto-approve policies into the effective approval policy.
   */
  private async resolve(sql: Sql, input: DeploymentCreate): Promise<ResolvedRequest> {
    // Every problem of the strategy and approval policy at once: a deployment the planner cannot plan is never
    // accepted.
    assertDeploymentPolicy(input);
    const requirements =
      input.targets.selector !== undefined
        ? parseSelectorOrThrow(input.targets.selector, '/targets/selector')
        : null;
    // The request's fields over the GCC's default strategy (`immediateStrategy` in `immediate` mode).
    const strategy = effectiveStrategy(input.strategy, {
      leaseSeconds: this.ctx.leaseSeconds,
      ...((this.ctx.orchestration ?? 'immediate') === 'immediate' && { base: immediateStrategy }),
    });
    const set = await this.resolveSet(sql, input);
    const release = set.lead;
    const ids = input.targets.client_ids ?? [];
    if (ids.length) {
      const known = await sql.query<{ id: string }>('SELECT id FROM clients WHERE id = ANY($1::text[])', [
        ids,
      ]);
      const knownSet = new Set(known.rows.map((r) => r.id));
      const unknown = ids.map((id, i) => ({ id, i })).filter((x) => !knownSet.has(x.id));
      if (unknown.length) {
        throw new GccServiceError(
          'unknown_client',
          `Unknown clients: ${unknown
            .slice(0, 20)
            .map((u) => u.id)
            .join(', ')}${unknown.length > 20 ? ', …' : ''}.`,
          unknown
            .slice(0, 100)
            .map((u) => ({ path: `/targets/client_ids/${u.i}`, message: `no client ${u.id}` })),
        );
      }
    }
    const approval: Deployment['approval'] = {
      required: input.approval?.required ?? true,
      deadline: input.approval?.deadline ?? null,
      on_deadline: input.approval?.on_deadline ?? 'expire',
      visible_from: input.approval?.visible_from ?? null,
      auto_approve_policies: await currentPolicyRules(sql),
    };
    return { release, set: set.members, ids, requirements, strategy, approval };
  }

  /**
   * What the request deploys: `release_id` (one release, `not_found` when unknown), or a set by `release_ids` or
   * `versions`. A set is checked whole before anything is written, every problem listed at once (`invalid_release_set`):
   * a missing release, and the planner's set rules (`releaseSetProblems`: each component once, managed by this GCC,
   * one registry).
   */
  private async resolveSet(
    sql: Sql,
    input: DeploymentCreate,
  ): Promise<{ lead: ReleaseRow; members: SetMember[] }> {
    const named = (['release_id', 'release_ids', 'versions'] as const).filter((k) => input[k] !== undefined);
    if (named.length !== 1) {
      throw validationFailed([
        {
          path: named.length ? `/${named[1]}` : '',
          message:
            named.length === 0
              ? 'name what to deploy: release_id, release_ids or versions'
              : `name exactly one of release_id, release_ids or versions (got ${named.join(', ')})`,
        },
      ]);
    }
    let rows: (ReleaseRow | undefined)[];
    let paths: string[];
    const missing: FieldError[] = [];
    if (input.release_id !== undefined) {
      const one = await releaseRowById(sql, input.release_id);
      if (!one) throw new GccServiceError('not_found', `No release ${input.release_id}.`);
      rows = [one];
      paths = ['/release_id'];
    } else if (input.release_ids !== undefined) {
      const found = await sql.query<ReleaseRow>('SELECT * FROM releases WHERE id = ANY($1::text[])', [
        input.release_ids,
      ]);
      const byId = new Map(found.rows.map((r) => [r.id, r]));
      rows = input.release_ids.map((id) => byId.get(id));
      paths = input.release_ids.map((_, i) => `/release_ids/${i}`);
      input.release_ids.forEach((id, i) => {
        if (!byId.has(id)) missing.push({ path: paths[i]!, message: `no release ${id}` });
      });
    } else {
      const wanted = Object.entries(input.versions!);
      const found = await sql.query<ReleaseRow>(
        `SELECT r.* FROM releases r JOIN unnest($1::text[], $2::text[]) AS w(component, version)
           ON r.component = w.component AND r.version = w.version`,
        [wanted.map(([c]) => c), wanted.map(([, v]) => v)],
      );
      const byKey = new Map(found.rows.map((r) => [`${r.component}\u0000${r.version}`, r]));
      rows = wanted.map(([c, v]) => byKey.get(`${c}\u0000${v}`));
      paths = wanted.map(([c]) => `/versions/${c.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      wanted.forEach(([c, v], i) => {
        // An unmanaged component is reported by the set rules below, not as a missing release too.
        if (!rows[i] && this.ctx.components.has(c)) {
          missing.push({ path: paths[i]!, message: `no release of ${c} ${v} is registered` });
        }
      });
    }
    const members = rows.map((r, i) =>
      r
        ? { component: r.component, registry: imageLocation(r.image_url).registry, path: paths[i]! }
        : input.versions
          ? { component: Object.keys(input.versions)[i]!, registry: null, path: paths[i]! }
          : null,
    );
    // A `versions` key with no release still counts for the component rules (e.g. an unmanaged component).
    const present = members.filter((m): m is ReleaseSetMember => m !== null);
    const problems = [
      ...missing,
      ...releaseSetProblems(present, this.ctx.components).map(({ path, message }) => ({ path, message })),
    ].sort(byPointer);
    if (problems.length) {
      throw new GccServiceError(
        'invalid_release_set',
        problems.length === 1
          ? `The release set is not acceptable: ${problems[0]!.path}: ${problems[0]!.message}.`
          : `The release set is not acceptable (${problems.length} problems; see errors).`,
        problems,
      );
    }
    const found = rows as ReleaseRow[];
    return {
      lead: found[0]!,
      members: found.map((r) => ({
        component: r.component,
        release_id: r.id,
        version: r.version,
        image_url: r.image_url,
        image_digest: r.image_digest ?? null,
      })),
    };
  }

  /**
   * What `create` would do with the same request, writing nothing: the same checks and problems, the matched
   * clients (count and the first 20 by id), the effective strategy and approval policy, the planner's stages for
   * that many clients, and how many tasks would be approved at once.
   */
  async preview(input: DeploymentCreate): Promise<DeploymentPreview> {
    const sql = this.ctx.db;
    const resolved = await this.resolve(sql, input);
    const targets = targetsCte(resolved, 2);
    const counted = await sql.query<{ matched: number; auto: number }>(
      `WITH ${targets.sql}
       SELECT count(*)::int AS matched,
              count(*) FILTER (WHERE NOT $1::boolean OR policy IS NOT NULL)::int AS auto
       FROM targets`,
      [resolved.approval.required, ...targets.params],
    );
    const { matched, auto } = counted.rows[0] ?? { matched: 0, auto: 0 };
    if (matched === 0) throw new GccServiceError('no_targets', 'The targets select no client.');
    const listed = targetsCte(resolved, 1);
    const sample = await sql.query<ClientRow>(
      `WITH ${listed.sql}
       SELECT c.* FROM clients c JOIN targets t ON t.id = c.id ORDER BY c.id LIMIT 20`,
      listed.params,
    );
    return {
      matched,
      sample: sample.rows.map(clientOf),
      strategy: resolved.strategy,
      approval: resolved.approval,
      stages: plannedStages(resolved.strategy, matched, { leaseSeconds: this.ctx.leaseSeconds }),
      auto_approved: auto,
    };
  }

  /** One deployment with its task counts. */
  async get(id: string): Promise<Deployment> {
    return this.view(this.ctx.db, id);
  }

  /** Deployments, newest first. */
  async list(filter: { status?: DeploymentStatus }, page: PageRequest = {}): Promise<Page<Deployment>> {
    const limit = page.limit ?? 50;
    const after = decodeCursor(page.cursor, filter, 2);
    const params: unknown[] = [filter.status ?? null, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after[0], after[1]);
      keyset = 'AND (created_at, id) < ($3::timestamptz, $4::text)';
    }
    const r = await this.ctx.db.query<DeploymentRow>(
      `SELECT * FROM deployments WHERE ($1::text IS NULL OR status = $1) ${keyset}
       ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    const rows = r.rows.slice(0, limit);
    // One grouped read of every listed deployment's tasks, for their counts and their stages.
    const tallies = await stageTallies(
      this.ctx.db,
      rows.map((d) => d.id),
    );
    const stages = new Map<string, Schemas['StageSummary'][]>();
    const now = this.ctx.now();
    for (const d of rows) {
      stages.set(
        d.id,
        await stageSummaries(this.ctx.db, d, now, { leaseSeconds: this.ctx.leaseSeconds }, tallies.get(d.id)),
      );
    }
    return toPage(
      r.rows,
      limit,
      (d) => deploymentOf(d, countsOfTally(tallies.get(d.id) ?? []), stages.get(d.id)),
      (d) => [isoOf(d.created_at), d.id],
      filter,
    );
  }

  /** Tasks of a deployment by stage, then client id (no stages yet: by client id). */
  async listTasks(
    deploymentId: string,
    filter: { status?: TaskStatus; client_id?: string; stage?: number; q?: string },
    page: PageRequest = {},
  ): Promise<Page<Task>> {
    const limit = page.limit ?? 50;
    const exists = await this.ctx.db.query('SELECT 1 FROM deployments WHERE id = $1', [deploymentId]);
    if (!exists.rows[0]) throw new GccServiceError('not_found', `No deployment ${deploymentId}.`);
    const after = decodeCursor(page.cursor, { deploymentId, ...filter }, 1);
    const params: unknown[] = [
      deploymentId,
      filter.status ?? null,
      filter.client_id ?? null,
      limit + 1,
      filter.stage ?? null,
      // Client ids are lowercase: a case-insensitive search is a search for the lowercased text.
      filter.q === undefined ? null : filter.q.toLowerCase(),
    ];
    let keyset = '';
    if (after) {
      params.push(after[0]);
      keyset = 'AND client_id > $7::text';
    }
    // `strpos`, not LIKE: `%` and `_` in the search text are plain characters.
    const r = await this.ctx.db.query<TaskRow>(
      `SELECT * FROM deployment_tasks
       WHERE deployment_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR client_id = $3)
         AND ($5::int IS NULL OR stage = $5) AND ($6::text IS NULL OR strpos(client_id, $6) > 0) ${keyset}
       ORDER BY client_id LIMIT $4`,
      params,
    );
    return toPage(r.rows, limit, taskOf, (t) => [t.client_id], { deploymentId, ...filter });
  }

  /** pause | resume | abort; asking for the state it is already in changes nothing. */
  async control(who: Principal, id: string, verb: 'pause' | 'resume' | 'abort'): Promise<Deployment> {
    const target = { pause: 'paused', resume: 'running', abort: 'aborted' }[verb];
    return inTransaction(this.ctx, undefined, async (sql, changed) => {
      const r = await sql.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1 FOR NO KEY UPDATE', [
        id,
      ]);
      const d = r.rows[0];
      if (!d) throw new GccServiceError('not_found', `No deployment ${id}.`);
      if (d.status === target) return this.view(sql, id);
      const status = nextDeploymentStatus(d, verb);
      const now = this.ctx.now();
      await sql.query(
        `UPDATE deployments SET status = $2, updated_at = $3, finished_at = CASE WHEN $4 THEN $3 ELSE finished_at END
         WHERE id = $1`,
        [id, status, now, verb === 'abort'],
      );
      let cancelled = 0;
      // Resuming after a threshold pause is the admin's override of that stage's threshold; resuming while a stage
      // holds (too few successes) accepts that stage as it is. Either way the pause's reason no longer applies.
      if (verb === 'resume') {
        await sql.query(
          `UPDATE deployment_stages SET threshold_overridden = true
           WHERE deployment_id = $1 AND failed_at IS NOT NULL AND NOT threshold_overridden`,
          [id],
        );
        await sql.query(
          `UPDATE deployment_stages SET hold_overridden = true
           WHERE deployment_id = $1 AND hold_reason IS NOT NULL AND finished_at IS NULL AND NOT hold_overridden`,
          [id],
        );
        await sql.query('UPDATE deployments SET status_reason = NULL WHERE id = $1', [id]);
      }
      await wakeWorker(this.ctx, sql, id);
      if (verb === 'abort') {
        const c = await sql.query<{ client_id: string }>(
          `UPDATE deployment_tasks SET status = 'cancelled', lease_expires_at = NULL, updated_at = $2
           WHERE deployment_id = $1 AND status = ANY($3::text[]) RETURNING client_id`,
          [id, now, statusesAllowing('cancel')],
        );
        cancelled = c.rows.length;
        await changed(c.rows.map((x) => x.client_id));
        // A waiting or paused deployment's reason no longer applies once it is aborted.
        await sql.query('UPDATE deployments SET status_reason = NULL WHERE id = $1', [id]);
        // An aborted rollback ends like any other: the deployment it rolled back leaves `rolling_back`.
        if (d.type === 'rollback' && d.rollback_of) await changed(await deploymentEnded(sql, d, status, now));
      } else {
        // Pausing hides queued tasks from agents; resuming shows them again: the offers of this deployment's
        // clients whose task is not settled change (no other client's).
        const c = await sql.query<{ client_id: string }>(
          'SELECT client_id FROM deployment_tasks WHERE deployment_id = $1 AND NOT (status = ANY($2::text[]))',
          [id, [...SETTLED_TASK_STATUSES]],
        );
        await changed(c.rows.map((x) => x.client_id));
      }
      await audit(sql, now, who, `deployment.${verb}`, 'deployment', id, {
        deploymentId: id,
        before: { status: d.status },
        after: { status, ...(verb === 'abort' && { cancelled_tasks: cancelled }) },
      });
      return this.view(sql, id);
    });
  }

  /**
   * An admin's rollback of a deployment: validates the request, then starts it through the one rollback code path
   * (`startRollback`, shared with the worker's automatic rollback): each client of the scope goes back to its own
   * previous version (the planner's `planRollback`), clients without one are skipped and listed. A deployment of
   * type `rollback` cannot be rolled back (409 `illegal_transition`): deploy the wanted release instead.
   */
  async rollback(who: Principal, id: string, input: RollbackRequest, tx?: Sql): Promise<Deployment> {
    if (input.scope === 'clients' && !input.client_ids?.length) {
      throw validationFailed([{ path: '/client_ids', message: 'required when scope is clients' }]);
    }
    return inTransaction(this.ctx, tx, async (sql, changed) => {
      const r = await sql.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1 FOR NO KEY UPDATE', [
        id,
      ]);
      const original = r.rows[0];
      if (!original) throw new GccServiceError('not_found', `No deployment ${id}.`);
      if (original.type === 'rollback') {
        throw new GccServiceError(
          'illegal_transition',
          `Deployment ${id} is a rollback (of ${original.rollback_of}) and cannot be rolled back itself; to return ` +
            'its clients to a version, deploy that release instead.',
          undefined,
          { deployment_status: original.status, deployment_type: original.type },
        );
      }
      // The state machine's verdict first (a deployment already rolled back, or not started, is a 409).
      nextDeploymentStatus(original, 'rollback_start');
      const scope = input.scope ?? original.strategy.rollback?.scope ?? 'failed_stage';
      if (scope === 'clients') {
        const have = await sql.query<{ client_id: string }>(
          'SELECT client_id FROM deployment_tasks WHERE deployment_id = $1 AND client_id = ANY($2::text[])',
          [id, input.client_ids],
        );
        const set = new Set(have.rows.map((x) => x.client_id));
        const missing = input.client_ids!.map((c, i) => ({ c, i })).filter((x) => !set.has(x.c));
        if (missing.length) {
          throw new GccServiceError(
            'unknown_client',
            `Not part of ${id}: ${missing.map((m) => m.c).join(', ')}.`,
            missing
              .slice(0, 100)
              .map((m) => ({ path: `/client_ids/${m.i}`, message: `no task for ${m.c} in ${id}` })),
          );
        }
      }
      const started = await startRollback(sql, {
        original,
        scope,
        ...(scope === 'clients' && { clientIds: input.client_ids }),
        reason: input.reason ?? null,
        by: who,
        batchSize: original.strategy.rollback?.batch_size ?? null,
        waitSeconds: original.strategy.rollback?.wait_seconds ?? 0,
        // The admin's request is the approval.
        requireApproval: false,
        now: this.ctx.now(),
        leaseSeconds: this.ctx.leaseSeconds,
        wake: (t, rbId) => wakeWorker(this.ctx, t, rbId, { rollback: true }),
      });
      if (started.id === null) {
        throw new GccServiceError(
          'no_targets',
          started.inScope === 0
            ? `Nothing of ${id} to roll back.`
            : `No client of ${id} has an earlier version to return to.`,
        );
      }
      const touched = started.changedClientIds;
      await changed(touched);
      return this.view(sql, started.id);
    });
  }

  /**
   * Admin approval on the client's behalf (`force_approve`), audited with the admin's identity and reason. The task
   * keeps its requested start time (the deployment's, or one its approver postponed it to).
   */
  async forceApprove(
    who: Principal,
    deploymentId: string,
    taskId: string,
    input: ForceApproveRequest,
  ): Promise<Task> {
    return inTransaction(this.ctx, undefined, async (sql, changed) => {
      const r = await sql.query<TaskRow & { d_status: DeploymentStatus }>(
        `SELECT t.*, d.status AS d_status
         FROM deployment_tasks t JOIN deployments d ON d.id = t.deployment_id
         WHERE t.id = $1 AND t.deployment_id = $2 FOR UPDATE OF t`,
        [taskId, deploymentId],
      );
      const task = r.rows[0];
      if (!task) throw new GccServiceError('not_found', `No task ${taskId} in deployment ${deploymentId}.`);
      if (task.approval_status === 'approved' || task.approval_status === 'not_required') return taskOf(task);
      const now = this.ctx.now();
      // Stays approved: the rollout worker, woken below, places it in a stage by the deployment's strategy.
      const status = nextTaskStatus(task, 'force_approve');
      const u = await sql.query<TaskRow>(
        `UPDATE deployment_tasks SET status = $2, approval_status = 'approved', approval_source = $5,
                approved_at = $3, approved_by = $4, updated_at = $3
         WHERE id = $1 RETURNING *`,
        [task.id, status, now, input.approved_by, APPROVAL_SOURCE.adminForce],
      );
      const after = taskOf(u.rows[0]!);
      await audit(sql, now, who, 'task.force_approve', 'task', task.id, {
        deploymentId,
        clientId: task.client_id,
        before: { status: task.status, approval_status: task.approval_status },
        after: {
          status,
          approval_status: 'approved',
          approval_source: APPROVAL_SOURCE.adminForce,
          approved_by: input.approved_by,
          reason: input.reason,
        },
      });
      await enqueueNotification(
        sql,
        {
          type: 'task_approved',
          taskId: task.id,
          clientId: task.client_id,
          deploymentId,
          component: task.component,
          version: task.version,
          by: actorOf(who),
          source: APPROVAL_SOURCE.adminForce,
        },
        now,
      );
      await wakeWorker(this.ctx, sql, deploymentId);
      await changed([task.client_id]);
      return after;
    });
  }
}
