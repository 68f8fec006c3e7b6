import type { TaskStatus } from '@wrktalk/rollout-planner';
import {
  type AutoApprovePreference,
  type Client,
  type ClientCreate,
  type ClientPatch,
  type ClientSettings,
  type ClientSettingsPatch,
  clientSettingsProblems,
  isKnownTimeZone,
  type Task,
} from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import { type FieldError, GccServiceError, validationFailed } from '../errors/gcc-service-error';
import { audit } from './audit-log';
import type { Principal, ServiceContext } from './context';
import { iso, isoOf } from './iso-time';
import { decodeCursor, type Page, type PageRequest, toPage } from './paging';
import { parseSelectorOrThrow, selectorSql } from './selector-sql';
import { type TaskRow, taskOf } from './task-rows';
import { inTransaction } from './transaction';

/** A client row as stored. */
export interface ClientRow {
  id: string;
  name: string;
  labels: Record<string, string>;
  target_kind: Client['target_kind'];
  argocd_instance: string | null;
  timezone: string;
  maintenance_windows: Client['maintenance_windows'];
  auto_approve: AutoApprovePreference;
  current_versions: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  last_seen_at: Date | null;
  agent_version: string | null;
  /** Addresses the notifier e-mails about this client (`ClientSettings.notification_emails`). */
  notify_emails?: string[];
}

/** The wire form of a client row. */
export const clientOf = (r: ClientRow): Client => ({
  id: r.id,
  name: r.name,
  labels: r.labels ?? {},
  target_kind: r.target_kind,
  argocd_instance: r.argocd_instance,
  timezone: r.timezone,
  maintenance_windows: r.maintenance_windows ?? [],
  auto_approve: r.auto_approve ?? { all: false, components: [] },
  created_at: isoOf(r.created_at),
  updated_at: isoOf(r.updated_at),
  last_seen_at: iso(r.last_seen_at),
  agent_version: r.agent_version,
  current_versions: r.current_versions ?? {},
});

/** The client's own settings, as `getClientSettings` answers. */
const settingsOf = (r: ClientRow): ClientSettings => ({
  client_id: r.id,
  timezone: r.timezone,
  maintenance_windows: r.maintenance_windows ?? [],
  notification_emails: r.notify_emails ?? [],
  auto_approve: r.auto_approve ?? { all: false, components: [] },
  updated_at: isoOf(r.updated_at),
});

/** Cross-field rules the JSON schema cannot carry (argocd needs an instance, known time zone, known components). */
function checkClient(
  c: Pick<Client, 'target_kind' | 'argocd_instance' | 'timezone' | 'auto_approve'>,
  components: ReadonlySet<string>,
): void {
  const errors: FieldError[] = [];
  if (c.target_kind === 'argocd' && !c.argocd_instance) {
    errors.push({ path: '/argocd_instance', message: 'required when target_kind is argocd' });
  }
  if (!isKnownTimeZone(c.timezone))
    errors.push({ path: '/timezone', message: `unknown time zone ${c.timezone}` });
  c.auto_approve.components.forEach((comp, i) => {
    if (!components.has(comp))
      errors.push({ path: `/auto_approve/components/${i}`, message: `unknown component ${comp}` });
  });
  if (errors.length) throw validationFailed(errors);
}

/** Clients: customer installations. */
export class ClientsService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Registers a client; an existing id is `client_exists`. */
  async create(who: Principal, input: ClientCreate, tx?: Sql): Promise<Client> {
    const client = {
      labels: input.labels ?? {},
      argocd_instance: input.argocd_instance ?? null,
      timezone: input.timezone ?? 'UTC',
      maintenance_windows: input.maintenance_windows ?? [],
      auto_approve: input.auto_approve ?? { all: false, components: [] },
    };
    checkClient({ ...client, target_kind: input.target_kind }, this.ctx.components);
    return inTransaction(this.ctx, tx, async (sql) => {
      const now = this.ctx.now();
      const r = await sql.query<ClientRow>(
        `INSERT INTO clients (id, name, labels, target_kind, argocd_instance, timezone, maintenance_windows,
                              auto_approve, created_at, updated_at)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $9)
         ON CONFLICT (id) DO NOTHING RETURNING *`,
        [
          input.id,
          input.name,
          JSON.stringify(client.labels),
          input.target_kind,
          client.argocd_instance,
          client.timezone,
          JSON.stringify(client.maintenance_windows),
          JSON.stringify(client.auto_approve),
          now,
        ],
      );
      if (!r.rows[0]) throw new GccServiceError('client_exists', `Client ${input.id} exists.`);
      const created = clientOf(r.rows[0]);
      await audit(sql, now, who, 'client.create', 'client', created.id, {
        clientId: created.id,
        after: created,
      });
      return created;
    });
  }

  /** One client, or `not_found`. */
  async get(id: string, tx?: Sql): Promise<Client> {
    const r = await (tx ?? this.ctx.db).query<ClientRow>('SELECT * FROM clients WHERE id = $1', [id]);
    if (!r.rows[0]) throw new GccServiceError('not_found', `No client ${id}.`);
    return clientOf(r.rows[0]);
  }

  /** Applies a JSON merge patch (RFC 7396) to a client. */
  async update(who: Principal, id: string, patch: ClientPatch): Promise<Client> {
    return inTransaction(this.ctx, undefined, async (sql) => {
      const r = await sql.query<ClientRow>('SELECT * FROM clients WHERE id = $1 FOR UPDATE', [id]);
      if (!r.rows[0]) throw new GccServiceError('not_found', `No client ${id}.`);
      const before = clientOf(r.rows[0]);
      const next = structuredClone(before);
      if (patch.name !== undefined && patch.name !== null) next.name = patch.name;
      if (patch.labels !== undefined) {
        if (patch.labels === null) next.labels = {};
        else
          for (const [k, v] of Object.entries(patch.labels)) {
            if (v === null) delete next.labels[k];
            else next.labels[k] = v;
          }
        if (Object.keys(next.labels).length > 64) {
          throw validationFailed([{ path: '/labels', message: 'a client has at most 64 labels' }]);
        }
      }
      if (patch.target_kind !== undefined && patch.target_kind !== null) next.target_kind = patch.target_kind;
      if (patch.argocd_instance !== undefined) next.argocd_instance = patch.argocd_instance ?? null;
      if (patch.timezone !== undefined) next.timezone = patch.timezone ?? 'UTC';
      if (patch.maintenance_windows !== undefined) next.maintenance_windows = patch.maintenance_windows ?? [];
      if (patch.auto_approve !== undefined) {
        next.auto_approve =
          patch.auto_approve === null
            ? { all: false, components: [] }
            : { ...next.auto_approve, ...patch.auto_approve };
      }
      checkClient(next, this.ctx.components);
      const now = this.ctx.now();
      const u = await sql.query<ClientRow>(
        `UPDATE clients SET name = $2, labels = $3::jsonb, target_kind = $4, argocd_instance = $5, timezone = $6,
                maintenance_windows = $7::jsonb, auto_approve = $8::jsonb, updated_at = $9
         WHERE id = $1 RETURNING *`,
        [
          id,
          next.name,
          JSON.stringify(next.labels),
          next.target_kind,
          next.argocd_instance,
          next.timezone,
          JSON.stringify(next.maintenance_windows),
          JSON.stringify(next.auto_approve),
          now,
        ],
      );
      const after = clientOf(u.rows[0]!);
      await audit(sql, now, who, 'client.update', 'client', id, { clientId: id, before, after });
      return after;
    });
  }

  /** Clients ordered by id, optionally filtered by a label selector. */
  async list(filter: { selector?: string }, page: PageRequest = {}): Promise<Page<Client>> {
    const limit = page.limit ?? 50;
    const requirements = filter.selector ? parseSelectorOrThrow(filter.selector, '/query/selector') : [];
    const after = decodeCursor(page.cursor, filter, 1);
    const where = selectorSql(requirements, 'labels', 3);
    const r = await this.ctx.db.query<ClientRow>(
      `SELECT * FROM clients WHERE ($1::text IS NULL OR id > $1) AND ${where.sql} ORDER BY id LIMIT $2`,
      [after ? String(after[0]) : null, limit + 1, ...where.params],
    );
    return toPage(r.rows, limit, clientOf, (row) => [row.id], filter);
  }

  /** The client's auto-approve preference. */
  async getAutoApprove(id: string): Promise<AutoApprovePreference> {
    return (await this.get(id)).auto_approve;
  }

  /** Replaces the client's auto-approve preference. */
  async setAutoApprove(
    who: Principal,
    id: string,
    pref: AutoApprovePreference,
  ): Promise<AutoApprovePreference> {
    pref.components.forEach((comp, i) => {
      if (!this.ctx.components.has(comp)) {
        throw validationFailed([{ path: `/components/${i}`, message: `unknown component ${comp}` }]);
      }
    });
    return inTransaction(this.ctx, undefined, async (sql) => {
      const r = await sql.query<ClientRow>('SELECT * FROM clients WHERE id = $1 FOR UPDATE', [id]);
      if (!r.rows[0]) throw new GccServiceError('not_found', `No client ${id}.`);
      const now = this.ctx.now();
      await sql.query('UPDATE clients SET auto_approve = $2::jsonb, updated_at = $3 WHERE id = $1', [
        id,
        JSON.stringify(pref),
        now,
      ]);
      await audit(sql, now, who, 'client.set_auto_approve', 'client', id, {
        clientId: id,
        before: r.rows[0].auto_approve,
        after: pref,
      });
      return pref;
    });
  }

  /** The rules of a settings patch past its schema (read defensively: the patch may not have passed the schema). */
  settingsProblems(patch: unknown): FieldError[] {
    return clientSettingsProblems(patch, this.ctx.components);
  }

  /** The settings a client's administrator manages from the CT. */
  async getSettings(id: string): Promise<ClientSettings> {
    const r = await this.ctx.db.query<ClientRow>('SELECT * FROM clients WHERE id = $1', [id]);
    if (!r.rows[0]) throw new GccServiceError('not_found', `No client ${id}.`);
    return settingsOf(r.rows[0]);
  }

  /**
   * Replaces each given settings field (the router has checked the patch with {@link clientSettingsProblems}
   * already; checked again here for callers of the service). Audited with the changed fields before and after.
   */
  async updateSettings(who: Principal, id: string, patch: ClientSettingsPatch): Promise<ClientSettings> {
    const problems = clientSettingsProblems(patch, this.ctx.components);
    if (problems.length) throw validationFailed(problems);
    return inTransaction(this.ctx, undefined, async (sql) => {
      const r = await sql.query<ClientRow>('SELECT * FROM clients WHERE id = $1 FOR UPDATE', [id]);
      if (!r.rows[0]) throw new GccServiceError('not_found', `No client ${id}.`);
      const before = settingsOf(r.rows[0]);
      const now = this.ctx.now();
      const u = await sql.query<ClientRow>(
        `UPDATE clients SET timezone = COALESCE($2, timezone),
                maintenance_windows = COALESCE($3::jsonb, maintenance_windows),
                notify_emails = COALESCE($4::text[], notify_emails),
                auto_approve = COALESCE($5::jsonb, auto_approve), updated_at = $6
         WHERE id = $1 RETURNING *`,
        [
          id,
          patch.timezone ?? null,
          patch.maintenance_windows === undefined ? null : JSON.stringify(patch.maintenance_windows),
          patch.notification_emails ?? null,
          patch.auto_approve === undefined ? null : JSON.stringify(patch.auto_approve),
          now,
        ],
      );
      const after = settingsOf(u.rows[0]!);
      const fields = (Object.keys(patch) as (keyof ClientSettingsPatch)[]).sort();
      await audit(sql, now, who, 'client.update_settings', 'client', id, {
        clientId: id,
        before: Object.fromEntries(fields.map((f) => [f, before[f]])),
        after: Object.fromEntries(fields.map((f) => [f, after[f]])),
      });
      return after;
    });
  }

  /** The client's tasks across deployments, newest first, optionally in one status. */
  async listTasks(id: string, filter: { status?: TaskStatus }, page: PageRequest = {}): Promise<Page<Task>> {
    const limit = page.limit ?? 50;
    const c = await this.ctx.db.query('SELECT 1 FROM clients WHERE id = $1', [id]);
    if (!c.rows[0]) throw new GccServiceError('not_found', `No client ${id}.`);
    const filters = { clientId: id, ...filter };
    const after = decodeCursor(page.cursor, filters, 2);
    const params: unknown[] = [id, filter.status ?? null, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after[0], after[1]);
      keyset = 'AND (created_at, id) < ($4::timestamptz, $5::text)';
    }
    const r = await this.ctx.db.query<TaskRow>(
      `SELECT * FROM deployment_tasks WHERE client_id = $1 AND ($2::text IS NULL OR status = $2) ${keyset}
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      params,
    );
    return toPage(r.rows, limit, taskOf, (t) => [isoOf(t.created_at), t.id], filters);
  }
}
