import type { DeploymentStatus } from '@wrktalk/rollout-planner';
import type { Deployment } from '@wrktalk/sdk-gcc';
import type { Orchestration } from './context';

/** A `deployments` row as stored (what `SELECT *` returns). */
export interface DeploymentRow {
  id: string;
  type: Deployment['type'];
  release_id: string;
  component: string;
  version: string;
  /** The release set, first entry the row's own release (migration 013). */
  components: Deployment['components'];
  rollback_of: string | null;
  status: DeploymentStatus;
  strategy: Deployment['strategy'];
  approval: Deployment['approval'];
  requested_start_time: Date | null;
  description: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  orchestration: Orchestration;
  status_reason: string | null;
  rollback_scope: Deployment['rollback_scope'];
  rolled_back_by: string | null;
}
