import { createHash } from 'node:crypto';
import { type DeploymentStatus, PICKUP_READY_TASK_STATUSES } from '@wrktalk/rollout-planner';
import { type StatusAccepted, type StatusReport, type UpdatesResponse, updateOf } from '@wrktalk/sdk-gcc';
import { PREPARED } from '../db/database';
import { GccServiceError } from '../errors/gcc-service-error';
import { audit } from './audit-log';
import { type Principal, type ServiceContext, wakeWorker } from './context';
import { isoOf } from './iso-time';
import { statusListSql } from './status-sql';
import { boundLogs, type TaskRow, taskComponentsOf } from './task-rows';
import type { TokenRecord } from './tokens';
import { inTransaction } from './transaction';
import { nextTaskStatus } from './transitions';

/** How long an agent may take to see its workload healthy before reporting `failed` (the contract's rule). */
export { VERIFY_TIMEOUT_SECONDS } from '@wrktalk/sdk-gcc';

/** What an agent is offered right now, with its entity tag. */
export interface Offer {
  /** Entity tag of `body` (quoted). */
  etag: string;
  /** The answer of `getUpdates`. */
  body: UpdatesResponse;
  /** `body` serialised once (`JSON.stringify`), so a cached answer is written without serialising it again. */
  json: string;
  /** Epoch ms until which this answer holds without a change notification (an approved task's start time). */
  validUntil: number;
}

/** Rows per statement of a batched write on PGlite (about 15 ms each), see {@link AgentService.recordSeen}. */
export const PGLITE_SLICE = 1000;

type OfferRow = TaskRow & {
  /** The attempt the GCC applies itself (Argo CD fast path), if it does. */
  gcc_attempt: number | null;
  d_status: DeploymentStatus;
  lease_seconds: number | null;
  /** The release's image digest (migration 011), when the task's image is the release's. */
  image_digest?: string | null;
};

/** Who picks a task up or reports on it: the client's agent, or the GCC's own executor (the Argo CD fast path). */
export type TaskHolder = 'agent' | 'gcc';

/** The update the GCC's own executor claimed (see {@link AgentService.claimForGcc}). */
export type ClaimedUpdate = NonNullable<UpdatesResponse['update']>;

/**
 * Tasks an agent's poll looks at: the one it holds (`in_progress`) and those ready for pickup. Approved tasks are not
 * among them: the rollout worker releases those (queues them) by the deployment's strategy.
 */
const OFFER_CANDIDATES = statusListSql(['in_progress', ...PICKUP_READY_TASK_STATUSES]);

/**
 * One client and the tasks its agent's poll looks at (one row per task, or one row with null task columns), in one
 * statement: without locks, what a poll with nothing to hand out needs; with `lock`, the pickup's read, which locks
 * those task rows (`FOR UPDATE OF t`) so that of two pollers (an agent and the GCC's fast path) one picks a task up.
 * Callers add `WHERE c.id = …`.
 */
const offerRead = (lock: boolean) => `SELECT c.id AS c_id, t.* FROM clients c LEFT JOIN LATERAL (
    SELECT t.*, d.status AS d_status, (d.strategy ->> 'lease_seconds')::int AS lease_seconds,
           CASE WHEN r.image_url = t.image_url THEN r.image_digest END AS image_digest
    FROM deployment_tasks t JOIN deployments d ON d.id = t.deployment_id
    LEFT JOIN releases r ON r.component = t.component AND r.version = t.version
    WHERE t.client_id = c.id AND t.status IN ${OFFER_CANDIDATES}
    ORDER BY (t.type = 'rollback') DESC, t.queued_at NULLS LAST, t.created_at, t.id${lock ? '\n    FOR UPDATE OF t' : ''}) t ON true`;

/** {@link offerRead} without locks. */
const OFFER_READ = offerRead(false);
/** {@link offerRead} locking the client's candidate tasks: the pickup's one read. */
const OFFER_PICKUP_READ = `${offerRead(true)} WHERE c.id = $1`;

/** A row of {@link OFFER_READ}: the client's id, and a task's columns (all null when the client has none). */
type OfferReadRow = { c_id: string | null } & { [K in keyof OfferRow]: OfferRow[K] | null };

/** The token columns of {@link AgentService.authorizedOffer}. */
interface TokenReadRow {
  k_id: string;
  k_role: Principal['role'];
  k_client_id: string | null;
  k_name: string;
  k_expires_at: Date | string | null;
}

/** The agent API: offers and status reports. */
export class AgentService {
  /** The one "nothing new" answer (see {@link offerOf}). */
  private none: Offer | undefined;

  constructor(private readonly ctx: ServiceContext) {}

  /**
   * The answer for `task`. With a signer (`GccOptions.signing`) the update carries its signature, which expires with
   * the task's lease (`expires_at` = `lease_expires_at`): every change of the lease (pickup, an `in_progress` report)
   * changes the task row in a transaction that drops the cached answer, so the signature is made again with the
   * answer, and a cached answer never carries a signature that expires before its own lease does. Ed25519 is
   * deterministic: the same update signs to the same bytes, so a rebuilt answer keeps its ETag.
   */
  private offerOf(task: OfferRow | undefined, validUntil: number): Offer {
    if (!task && validUntil === Number.POSITIVE_INFINITY) {
      // "Nothing new" is the same answer for every client: one object, so a cached idle client costs a map entry.
      this.none ??= this.buildOffer(undefined, validUntil);
      return this.none;
    }
    return this.buildOffer(task, validUntil);
  }

  private buildOffer(task: OfferRow | undefined, validUntil: number): Offer {
    let update: UpdatesResponse['update'];
    if (task) {
      update = updateOf({
        ...task,
        lease_expires_at: isoOf(task.lease_expires_at),
        // A set's digests were taken from its releases when the task was written; a single release's is joined.
        components: task.components?.length ? task.components : null,
        image_digest: task.components?.length
          ? (task.components[0]!.image_digest ?? null)
          : task.image_digest,
      });
      if (this.ctx.signer)
        update.signature = this.ctx.signer.sign(task.client_id, update, update.lease_expires_at);
    }
    const body: UpdatesResponse = update
      ? { available: true, poll_after_seconds: this.ctx.pollAfterSeconds, update }
      : { available: false, poll_after_seconds: this.ctx.pollAfterSeconds };
    const etag = task
      ? `"u-${createHash('sha256').update(JSON.stringify(body.update)).digest('base64url').slice(0, 22)}"`
      : '"none"';
    return { etag, body, json: JSON.stringify(body), validUntil };
  }

  /**
   * Reads (and if needed claims) the client's current task: an `in_progress` one is offered again; otherwise the
   * first queued one (rollbacks first) is picked up (`pickup`) and leased. Approved tasks wait for the rollout
   * worker to release them, whatever the deployment's strategy. An `overdue` task (nobody picked it up in time) whose deployment runs is queued
   * again when its agent finally polls, at the same attempt, so the agent can still run it.
   */
  async currentOffer(clientId: string): Promise<Offer> {
    const r = await this.db().query<OfferReadRow>(`${OFFER_READ} WHERE c.id = $1`, [clientId], PREPARED);
    if (!r.rows[0]) throw new GccServiceError('not_found', `No client ${clientId}.`);
    return this.offerFromRead(r.rows) ?? (await this.pickup(clientId, 'agent')).offer;
  }

  /**
   * The agent token with this sha256 and, when it is a live agent token of `clientId`, that client's offer, in one
   * statement (the poll of an agent whose token is not cached: one round trip, not a token lookup then a read).
   * `offer` is undefined when the token is not the client's agent token, or when there is something to hand out
   * (a queued task to pick up: {@link currentOffer} does it, under row locks).
   */
  async authorizedOffer(
    hash: string,
    clientId: string,
  ): Promise<{ record: TokenRecord | undefined; offer: Offer | undefined }> {
    const r = await this.db().query<OfferReadRow & TokenReadRow>(
      `SELECT k.id AS k_id, k.role AS k_role, k.client_id AS k_client_id, k.name AS k_name,
              k.expires_at AS k_expires_at, o.*
       FROM tokens k
       LEFT JOIN LATERAL (${OFFER_READ} WHERE c.id = k.client_id AND k.role = 'agent' AND k.client_id = $2) o
         ON true
       WHERE k.hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $3)`,
      [hash, clientId, this.ctx.now()],
      PREPARED,
    );
    const row = r.rows[0];
    if (!row) return { record: undefined, offer: undefined };
    const expiresAt = row.k_expires_at === null ? undefined : new Date(row.k_expires_at);
    const principal: Principal = { role: row.k_role, name: row.k_name, tokenId: row.k_id };
    if (row.k_client_id) principal.clientId = row.k_client_id;
    if (expiresAt) principal.expiresAt = expiresAt;
    const record: TokenRecord = { id: row.k_id, principal, ...(expiresAt && { expiresAt }) };
    const offer = row.c_id === null ? undefined : this.offerFromRead(r.rows);
    return { record, offer };
  }

  /**
   * The offer a client's read rows ({@link OFFER_READ}) give without writing anything: the task it holds, or
   * "nothing new"; undefined when a task waits to be picked up (or an overdue one to be queued again), which only
   * the locking {@link pickup} may do.
   */
  private offerFromRead(rows: readonly OfferReadRow[]): Offer | undefined {
    const tasks = rows.filter((t) => t.id !== null) as OfferRow[];
    const validUntil = Number.POSITIVE_INFINITY;
    const running = tasks.find((t) => t.status === 'in_progress');
    if (running)
      return this.offerOf(running.gcc_attempt === running.attempt ? undefined : running, validUntil);
    if (tasks.some((t) => t.d_status === 'running' && (t.status === 'queued' || t.status === 'overdue')))
      return undefined;
    return this.offerOf(undefined, validUntil);
  }

  private db() {
    return this.ctx.db;
  }

  /**
   * Claims the client's next task for the GCC's own executor (the Argo CD fast path) through the very pickup an
   * agent's poll does (same order, rollbacks first; same lease), and records the attempt as the GCC's, so that no
   * agent is offered it or may report on it. Serialised with agents' polls by the row locks on the client's tasks:
   * of an agent and the GCC, exactly one picks a task up.
   * @returns the claimed update, or null when the client already has a task in progress (anyone's) or none is ready
   */
  async claimForGcc(clientId: string): Promise<ClaimedUpdate | null> {
    const r = await this.pickup(clientId, 'gcc');
    return r.claimed ? (r.offer.body.update ?? null) : null;
  }

  private async pickup(clientId: string, by: TaskHolder): Promise<{ offer: Offer; claimed: boolean }> {
    return inTransaction(this.ctx, undefined, async (sql, changed) => {
      // The client and its candidate tasks, locked, in one statement (no row at all: no such client).
      const read = await sql.query<OfferReadRow>(OFFER_PICKUP_READ, [clientId], PREPARED);
      if (!read.rows[0]) throw new GccServiceError('not_found', `No client ${clientId}.`);
      const r = { rows: read.rows.filter((t) => t.id !== null) as OfferRow[] };
      const now = this.ctx.now();
      const nowMs = now.getTime();
      const running = r.rows.find((t) => t.status === 'in_progress');
      // Nothing here turns later by itself: the worker's release invalidates the cached answer.
      const validUntil = Number.POSITIVE_INFINITY;
      if (running) {
        // One task at a time per client; one the GCC applies itself is never offered to an agent.
        const held = by === 'gcc' || running.gcc_attempt === running.attempt;
        return { offer: this.offerOf(held ? undefined : running, validUntil), claimed: false };
      }
      for (const t of r.rows) {
        if (t.d_status !== 'running' || t.status !== 'overdue') continue;
        t.status = nextTaskStatus(t, 'enqueue');
        t.queued_at = now;
        await sql.query(
          `UPDATE deployment_tasks SET status = $2, queued_at = $3, updated_at = $3 WHERE id = $1`,
          [t.id, t.status, now],
          PREPARED,
        );
      }
      const next = r.rows.find((t) => t.status === 'queued' && t.d_status === 'running');
      if (!next) return { offer: this.offerOf(undefined, validUntil), claimed: false };
      const status = nextTaskStatus(next, 'pickup');
      const lease = new Date(nowMs + (next.lease_seconds ?? this.ctx.leaseSeconds) * 1000);
      const u = await sql.query<OfferRow>(
        `UPDATE deployment_tasks SET status = $2, lease_expires_at = $3, updated_at = $4,
                gcc_attempt = CASE WHEN $5::boolean THEN attempt ELSE gcc_attempt END
         WHERE id = $1 RETURNING *`,
        [next.id, status, lease, now, by === 'gcc'],
        PREPARED,
      );
      await changed([clientId]);
      return { offer: this.offerOf({ ...next, ...u.rows[0]! }, validUntil), claimed: true };
    });
  }

  /**
   * Records a status report: idempotent per (task, attempt, status); a stale attempt or an illegal move is a
   * 409 and changes nothing. Success records the version in `deployment_history` (is_current) and on the client
   * in the same transaction. Logs are kept bounded (see `LOG_LINES`, `LOG_LINE_CHARS`). An agent's report on an
   * attempt the GCC applies itself (and the GCC's on one it does not hold) is `illegal_transition`.
   * @param by who reports: the client's agent, or the GCC's own executor (the Argo CD fast path) @default 'agent'
   */
  async report(
    who: Principal,
    clientId: string,
    report: StatusReport,
    by: TaskHolder = 'agent',
  ): Promise<StatusAccepted> {
    return inTransaction(this.ctx, undefined, async (sql, changed) => {
      const r = await sql.query<OfferRow & { reported: boolean }>(
        `SELECT t.*, d.status AS d_status,
                (d.strategy ->> 'lease_seconds')::int AS lease_seconds,
                EXISTS (SELECT 1 FROM task_reports x WHERE x.task_id = t.id AND x.attempt = $3 AND x.status = $4)
                  AS reported
         FROM deployment_tasks t JOIN deployments d ON d.id = t.deployment_id
         WHERE t.id = $1 AND t.client_id = $2 FOR UPDATE OF t`,
        [report.task_id, clientId, report.attempt, report.status],
        PREPARED,
      );
      const task = r.rows[0];
      if (!task) throw new GccServiceError('not_found', `No task ${report.task_id} for client ${clientId}.`);
      const answer = (task_status: StatusAccepted['task_status'], duplicate: boolean): StatusAccepted => ({
        task_id: task.id,
        attempt: report.attempt,
        status: report.status,
        task_status,
        duplicate,
      });
      // The same report again (an agent's retry): answered as it was, nothing written.
      if (task.reported) return answer(task.status, true);
      if (report.attempt !== task.attempt) {
        throw new GccServiceError(
          'stale_attempt',
          `Task ${task.id} is at attempt ${task.attempt}, not ${report.attempt}.`,
          undefined,
          { task_status: task.status, attempt: task.attempt },
        );
      }
      if ((task.gcc_attempt === task.attempt) !== (by === 'gcc')) {
        throw new GccServiceError(
          'illegal_transition',
          by === 'gcc'
            ? `Task ${task.id} attempt ${task.attempt} is not held by the GCC.`
            : `Task ${task.id} attempt ${task.attempt} is applied by the GCC itself (Argo CD fast path), not by an agent.`,
          undefined,
          { task_status: task.status, attempt: task.attempt },
        );
      }
      const now = this.ctx.now();
      let status = task.status;
      let lease: Date | null = task.lease_expires_at;
      if (report.status === 'in_progress') {
        if (status !== 'in_progress') status = nextTaskStatus(task, 'pickup');
        lease = new Date(now.getTime() + (task.lease_seconds ?? this.ctx.leaseSeconds) * 1000);
      } else {
        if (status === 'queued') status = nextTaskStatus(task, 'pickup');
        status = nextTaskStatus({ id: task.id, status }, report.status === 'success' ? 'succeed' : 'fail');
        lease = null;
      }
      const logs = boundLogs(task.logs ?? [], report.logs);
      const finished = report.status !== 'in_progress';
      // The task's new state and the report's record, in one statement.
      await sql.query(
        `WITH u AS (
           UPDATE deployment_tasks SET status = $2, lease_expires_at = $3, last_message = COALESCE($4, last_message),
                  logs = $5::jsonb, updated_at = $6, finished_at = CASE WHEN $7::boolean THEN $6 ELSE finished_at END
           WHERE id = $1 RETURNING id)
         INSERT INTO task_reports (task_id, attempt, status, received_at) SELECT u.id, $8, $9, $6 FROM u`,
        [
          task.id,
          status,
          lease,
          report.message ?? null,
          JSON.stringify(logs),
          now,
          finished,
          report.attempt,
          report.status,
        ],
        PREPARED,
      );
      // Success of a set is success of every component of it: each gets its history row (the client's last good set,
      // what a later rollback returns to) and its version on the client, in this one transaction.
      const applied = report.status === 'success' ? taskComponentsOf(task) : [];
      if (applied.length) {
        await sql.query(
          `UPDATE deployment_history SET is_current = false
           WHERE client_id = $1 AND component = ANY($2::text[]) AND is_current`,
          [clientId, applied.map((c) => c.component)],
          PREPARED,
        );
        await sql.query(
          `INSERT INTO deployment_history (client_id, component, version, image_url, deployment_id, task_id, is_current, created_at)
           SELECT $1, x.component, x.version, x.image_url, $5, $6, true, $7
           FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS x(component, version, image_url, n)
           ORDER BY x.n`,
          [
            clientId,
            applied.map((c) => c.component),
            applied.map((c) => c.version),
            applied.map((c) => c.image_url),
            task.deployment_id,
            task.id,
            now,
          ],
          PREPARED,
        );
      }
      await sql.query(
        `UPDATE clients SET agent_version = COALESCE($2, agent_version), last_seen_at = $3,
                current_versions = current_versions || $4::jsonb
         WHERE id = $1`,
        [
          clientId,
          report.agent_version ?? null,
          now,
          JSON.stringify(Object.fromEntries(applied.map((c) => [c.component, c.version]))),
        ],
        PREPARED,
      );
      await audit(sql, now, who, `task.report_${report.status}`, 'task', task.id, {
        deploymentId: task.deployment_id,
        clientId,
        before: { status: task.status },
        after: { status, attempt: report.attempt, message: report.message ?? null },
      });
      // The rollout worker judges the stage (thresholds, completion) in its own transaction.
      if (finished)
        await wakeWorker(this.ctx, sql, task.deployment_id, { rollback: task.type === 'rollback' });
      await changed([clientId]);
      return answer(status, false);
    });
  }

  /**
   * Writes batched `last_seen_at` values (the GCC collects every poll's client for 5 s): one statement on PostgreSQL,
   * however many clients polled; on PGlite, which runs in this process's
   * thread, in slices with a yield between them, so a large batch does not hold up the polls being answered.
   */
  async recordSeen(seen: ReadonlyMap<string, Date>): Promise<void> {
    if (seen.size === 0) return;
    // In id order, so that two replicas writing overlapping batches take the row locks in the same order (no
    // deadlock); a row already seen later (by another replica) is not written.
    const ids = [...seen.keys()].sort();
    const ats = ids.map((id) => seen.get(id)!);
    const slice = this.ctx.db.kind === 'pglite' ? PGLITE_SLICE : ids.length;
    for (let i = 0; i < ids.length; i += slice) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      await this.ctx.db.query(
        `UPDATE clients c SET last_seen_at = GREATEST(c.last_seen_at, s.at)
         FROM unnest($1::text[], $2::timestamptz[]) AS s(id, at)
         WHERE c.id = s.id AND (c.last_seen_at IS NULL OR c.last_seen_at < s.at)`,
        [ids.slice(i, i + slice), ats.slice(i, i + slice)],
        PREPARED,
      );
    }
  }
}
