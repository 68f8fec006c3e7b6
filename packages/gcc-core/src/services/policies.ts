import {
  type AutoApprovePolicy,
  type AutoApprovePolicyCreate,
  type AutoApprovePolicyRule,
  autoApprovePolicyProblems,
  policyRuleOf,
} from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import { GccServiceError } from '../errors/gcc-service-error';
import { audit } from './audit-log';
import { actorOf, type Principal, type ServiceContext } from './context';
import { isoOf } from './iso-time';
import { decodeCursor, type Page, type PageRequest, toPage } from './paging';
import { inTransaction } from './transaction';

/** An `auto_approve_policies` row. */
interface PolicyRow {
  id: string;
  components: string[] | null;
  label_selector: string | null;
  description: string | null;
  created_by: string;
  created_at: Date;
}

const policyOf = (r: PolicyRow): AutoApprovePolicy => ({
  id: r.id,
  components: r.components,
  label_selector: r.label_selector,
  description: r.description,
  created_by: r.created_by,
  created_at: isoOf(r.created_at),
});

/**
 * The current auto-approve policies as a new deployment keeps them, in the order the planner tries them (by id).
 * Read inside the transaction that creates the deployment.
 */
export async function currentPolicyRules(sql: Sql): Promise<AutoApprovePolicyRule[]> {
  const r = await sql.query<PolicyRow>('SELECT * FROM auto_approve_policies ORDER BY id');
  return r.rows.map((row) => policyRuleOf(row));
}

/** Admin auto-approve policies (by component and/or label selector), applied by the planner to new deployments. */
export class PoliciesService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Policies by id. */
  async list(page: PageRequest = {}): Promise<Page<AutoApprovePolicy>> {
    const limit = page.limit ?? 50;
    const after = decodeCursor(page.cursor, {}, 1);
    const r = await this.ctx.db.query<PolicyRow>(
      'SELECT * FROM auto_approve_policies WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2',
      [after ? String(after[0]) : null, limit + 1],
    );
    return toPage(r.rows, limit, policyOf, (row) => [row.id], {});
  }

  /**
   * Creates a policy: every problem of its id, components and selector at once (`invalid_policy`), an id in use is
   * `policy_exists`.
   */
  async create(who: Principal, input: AutoApprovePolicyCreate, tx?: Sql): Promise<AutoApprovePolicy> {
    const problems = autoApprovePolicyProblems(input, this.ctx.components);
    if (problems.length) {
      throw new GccServiceError('invalid_policy', `${problems.length} problem(s) in the policy.`, problems);
    }
    return inTransaction(this.ctx, tx, async (sql) => {
      const now = this.ctx.now();
      const r = await sql.query<PolicyRow>(
        `INSERT INTO auto_approve_policies (id, components, label_selector, description, created_by, created_at)
         VALUES ($1, $2::text[], $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING *`,
        [
          input.id,
          input.components ?? null,
          input.label_selector ?? null,
          input.description ?? null,
          actorOf(who),
          now,
        ],
      );
      if (!r.rows[0]) throw new GccServiceError('policy_exists', `Auto-approve policy ${input.id} exists.`);
      const created = policyOf(r.rows[0]);
      await audit(sql, now, who, 'auto_approve_policy.create', 'auto_approve_policy', created.id, {
        after: created,
      });
      return created;
    });
  }

  /** Deletes a policy (deployments created before keep it); an unknown id is `not_found`. */
  async delete(who: Principal, id: string): Promise<void> {
    await inTransaction(this.ctx, undefined, async (sql) => {
      const r = await sql.query<PolicyRow>('DELETE FROM auto_approve_policies WHERE id = $1 RETURNING *', [
        id,
      ]);
      if (!r.rows[0]) throw new GccServiceError('not_found', `No auto-approve policy ${id}.`);
      await audit(sql, this.ctx.now(), who, 'auto_approve_policy.delete', 'auto_approve_policy', id, {
        before: policyOf(r.rows[0]),
      });
    });
  }
}
