import { createHash, randomBytes } from 'node:crypto';
import { type LabelRequirement, parseSelector } from '@wrktalk/rollout-planner';
import type { AuditEntry } from '@wrktalk/sdk-gcc';
import type { Database, Sql } from '../db/database';
import { GccServiceError } from '../errors/gcc-service-error';

/** Who is acting: the authenticated principal of a request, or the GCC itself. */
export interface Principal {
  role: 'admin' | 'ci' | 'approver' | 'agent';
  clientId?: string;
  name: string;
}

/** The channel every GCC replica listens on for cache invalidation. */
export const EVENTS_CHANNEL = 'gcc_events';

/**
 * Who releases approved tasks: `immediate` queues a task as soon as it is approved (no stages); `worker` leaves it
 * `approved` and the staged-rollout worker (`createWorker`) places it in a stage and queues it.
 */
export type Orchestration = 'immediate' | 'worker';

/** The channel a deployment id is sent on when something the rollout worker must look at changed. */
export const WORKER_CHANNEL = 'gcc_worker';

/** What the services share. */
export interface ServiceContext {
  db: Database;
  now: () => Date;
  components: ReadonlySet<string>;
  leaseSeconds: number;
  pollAfterSeconds: number;
  /** Drops this replica's cached agent offers at once (other replicas learn it through NOTIFY). */
  invalidateLocal(clientIds: readonly string[] | '*'): void;
  /** How new deployments release approved tasks. @default 'immediate' */
  orchestration?: Orchestration;
  /**
   * Asks the rollout worker to look at a deployment, inside the caller's transaction (a queued job that commits
   * or rolls back with the change). @default a NOTIFY on {@link WORKER_CHANNEL}, also sent on commit only
   */
  wake?(tx: Sql, deploymentId: string, options?: WakeOptions): Promise<void>;
}

/** How urgent a wake-up is. */
export interface WakeOptions {
  /** The deployment is a rollback: its ticks are fetched before any update's. @default false */
  rollback?: boolean;
}

/** Wakes the rollout worker for a deployment inside `tx` (see {@link ServiceContext.wake}). */
export async function wakeWorker(
  ctx: ServiceContext,
  tx: Sql,
  deploymentId: string,
  options?: WakeOptions,
): Promise<void> {
  if (ctx.wake) await ctx.wake(tx, deploymentId, options);
  else await notifyWorker(tx, deploymentId);
}

/** NOTIFY on {@link WORKER_CHANNEL} inside `tx`: delivered on commit to every listening worker. */
export async function notifyWorker(tx: Sql, deploymentId: string): Promise<void> {
  await tx.query(`SELECT pg_notify('${WORKER_CHANNEL}', $1::text)`, [deploymentId]);
}

/** One page of a list. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Paging input of a list operation. */
export interface PageRequest {
  cursor?: string;
  /** @default 50 */
  limit?: number;
}

/** `<role>:<name>`, or `system`. */
export const actorOf = (who: Principal | 'system'): string =>
  who === 'system' ? 'system' : `${who.role}:${who.name}`;

/** RFC 3339 of a timestamp column (null stays null). */
export function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/** RFC 3339 of a NOT NULL timestamp column. */
export const isoOf = (value: unknown): string => iso(value)!;

/** A new id: prefix, time in base 36 (roughly sortable), 10 random bytes base64url. */
export function newId(prefix: 'rel' | 'dpl' | 'tsk' | 'tok'): string {
  return `${prefix}-${Date.now().toString(36)}${randomBytes(10).toString('base64url')}`;
}

/** sha256 hex of a string. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Opaque keyset cursor: the last row's sort key plus a hash of the filters it is valid with. */
export function encodeCursor(key: (string | number)[], filters: unknown): string {
  return Buffer.from(
    JSON.stringify({ k: key, f: sha256(JSON.stringify(filters ?? null)).slice(0, 16) }),
  ).toString('base64url');
}

/** Reads a cursor of {@link encodeCursor}; a foreign or mismatching cursor is `validation_failed`. */
export function decodeCursor(
  cursor: string | undefined,
  filters: unknown,
  arity: number,
): (string | number)[] | null {
  if (cursor === undefined) return null;
  const bad = () =>
    new GccServiceError('validation_failed', 'cursor is not one this server issued for these filters.', [
      { path: '/query/cursor', message: 'unknown cursor, or used with other filters' },
    ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const p = parsed as { k?: unknown; f?: unknown };
  if (
    !p ||
    typeof p !== 'object' ||
    !Array.isArray(p.k) ||
    p.k.length !== arity ||
    !p.k.every((v) => typeof v === 'string' || typeof v === 'number') ||
    p.f !== sha256(JSON.stringify(filters ?? null)).slice(0, 16)
  ) {
    throw bad();
  }
  return p.k as (string | number)[];
}

/** Cuts a `limit + 1` result into a page. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  keyOf: (row: R) => (string | number)[],
  filters: unknown,
): Page<T> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return {
    items: slice.map(map),
    next_cursor: more ? encodeCursor(keyOf(slice[slice.length - 1]!), filters) : null,
  };
}

/** Appends an audit entry (inside the caller's transaction). */
export async function audit(
  tx: Sql,
  at: Date,
  who: Principal | 'system',
  action: string,
  subjectType: AuditEntry['subject_type'],
  subjectId: string,
  extra: { deploymentId?: string | null; clientId?: string | null; before?: unknown; after?: unknown } = {},
): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (at, actor, action, subject_type, subject_id, deployment_id, client_id, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)`,
    [
      at,
      actorOf(who),
      action,
      subjectType,
      subjectId,
      extra.deploymentId ?? null,
      extra.clientId ?? null,
      extra.before === undefined || extra.before === null ? null : JSON.stringify(extra.before),
      extra.after === undefined || extra.after === null ? null : JSON.stringify(extra.after),
    ],
  );
}

/** Above this many clients one change notifies "everything" instead of each client. */
const NOTIFY_EACH_MAX = 200;

/**
 * Tells every replica (inside the transaction, so only on commit) that tasks of these clients changed.
 * @returns what to invalidate locally after the commit
 */
export async function notifyClients(
  tx: Sql,
  clientIds: readonly string[] | '*',
): Promise<readonly string[] | '*'> {
  if (clientIds !== '*' && clientIds.length === 0) return [];
  if (clientIds === '*' || clientIds.length > NOTIFY_EACH_MAX) {
    await tx.query(`SELECT pg_notify('${EVENTS_CHANNEL}', '*')`);
    return '*';
  }
  await tx.query(`SELECT pg_notify('${EVENTS_CHANNEL}', 'c:' || x) FROM unnest($1::text[]) AS x`, [
    [...clientIds],
  ]);
  return clientIds;
}

/** Parses a label selector or throws `invalid_selector` located at `path`. */
export function parseSelectorOrThrow(selector: string, path: string): LabelRequirement[] {
  const parsed = parseSelector(selector);
  if (parsed.ok) return parsed.requirements;
  throw new GccServiceError(
    'invalid_selector',
    `Invalid selector: ${parsed.problems.map((p) => `${p.message} at position ${p.position}`).join('; ')}`,
    parsed.problems.map((p) => ({ path, message: `${p.message} at position ${p.position}` })),
  );
}

/**
 * Translates parsed selector requirements to an SQL condition over a jsonb `labels` column (Kubernetes
 * semantics: `!=` and `notin` also match a missing key). Values go in as parameters starting at `$<first>`.
 */
export function selectorSql(
  requirements: readonly LabelRequirement[],
  column: string,
  first: number,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${first + params.length - 1}`;
  };
  const parts = requirements.map((r) => {
    switch (r.op) {
      case 'exists':
        return `(${column} ? ${p(r.key)}::text)`;
      case 'not_exists':
        return `NOT (${column} ? ${p(r.key)}::text)`;
      case 'eq':
        return `(${column} ->> ${p(r.key)}::text) = ${p(r.value)}::text`;
      case 'neq':
        return `(${column} ->> ${p(r.key)}::text) IS DISTINCT FROM ${p(r.value)}::text`;
      case 'in':
        return `(${column} ->> ${p(r.key)}::text) = ANY(${p(r.values)}::text[])`;
      case 'notin':
        return `COALESCE(NOT ((${column} ->> ${p(r.key)}::text) = ANY(${p(r.values)}::text[])), true)`;
    }
    return 'false';
  });
  return { sql: parts.length ? parts.join(' AND ') : 'true', params };
}

/** A transaction with the notifications it sent, invalidated locally after commit. */
export async function inTransaction<T>(
  ctx: ServiceContext,
  tx: Sql | undefined,
  fn: (tx: Sql, changed: (ids: readonly string[] | '*') => Promise<void>) => Promise<T>,
): Promise<T> {
  const state: { all: boolean; ids: string[] } = { all: false, ids: [] };
  const bind = (sql: Sql) => async (ids: readonly string[] | '*') => {
    const sent = await notifyClients(sql, ids);
    if (sent === '*') state.all = true;
    else state.ids.push(...sent);
  };
  const result = tx ? await fn(tx, bind(tx)) : await ctx.db.transaction((t) => fn(t, bind(t)));
  if (state.all) ctx.invalidateLocal('*');
  else if (state.ids.length > 0) ctx.invalidateLocal([...new Set(state.ids)]);
  return result;
}
