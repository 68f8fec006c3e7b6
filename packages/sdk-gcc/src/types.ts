import type { operations } from './generated/gcc';
import type { Schemas } from './schemas';

/** A release recorded by CI. */
export type Release = Schemas['Release'];
/** Body of `POST /api/v1/releases`. */
export type ReleaseCreate = Schemas['ReleaseCreate'];
/** A client (one customer installation). */
export type Client = Schemas['Client'];
/** Body of `POST /api/v1/clients`. */
export type ClientCreate = Schemas['ClientCreate'];
/** JSON merge patch of a client. */
export type ClientPatch = Schemas['ClientPatch'];
/** A token as issued (the secret is shown once). */
export type TokenIssued = Schemas['TokenIssued'];
/** Body of `POST /api/v1/clients/{id}/tokens`. */
export type TokenCreate = Schemas['TokenCreate'];
/** A client's auto-approve preference. */
export type AutoApprovePreference = Schemas['AutoApprovePreference'];
/** A deployment: one release to a set of clients. */
export type Deployment = Schemas['Deployment'];
/** Body of `POST /api/v1/deployments`. */
export type DeploymentCreate = Schemas['DeploymentCreate'];
/** Rollout strategy of a deployment. */
export type Strategy = Schemas['Strategy'];
/** Approval policy of a deployment. */
export type ApprovalPolicy = Schemas['ApprovalPolicy'];
/** One client's part of a deployment. */
export type Task = Schemas['Task'];
/** Status of a task. */
export type TaskStatus = Schemas['TaskStatus'];
/** Status of a deployment. */
export type DeploymentStatus = Schemas['DeploymentStatus'];
/** Body of `POST /api/v1/deployments/{id}/rollback`. */
export type RollbackRequest = Schemas['RollbackRequest'];
/** Body of `POST …/force-approve`. */
export type ForceApproveRequest = Schemas['ForceApproveRequest'];
/** An update waiting for a client's approval. */
export type PendingApproval = Schemas['PendingApproval'];
/** Body of `POST …/approve`. */
export type ApproveRequest = Schemas['ApproveRequest'];
/** Body of `POST …/reject`. */
export type RejectRequest = Schemas['RejectRequest'];
/** What the GCC offers an agent. */
export type UpdatesResponse = Schemas['UpdatesResponse'];
/** One update offered to an agent. */
export type Update = Schemas['Update'];
/** Body of `POST /api/v1/clients/{id}/status`. */
export type StatusReport = Schemas['StatusReport'];
/** Answer to a status report. */
export type StatusAccepted = Schemas['StatusAccepted'];
/** One audit log entry. */
export type AuditEntry = Schemas['AuditEntry'];
/** Readiness answer of `/readyz`. */
export type Readiness = Schemas['Readiness'];
/** Liveness answer of `/healthz`. */
export type Health = Schemas['Health'];
/** The public keys that sign offered updates (`/.well-known/wrktalk-signing-keys`). */
export type SigningKeys = Schemas['SigningKeys'];
/** A client's own settings (time zone, maintenance windows, notification addresses, auto-approve preference). */
export type ClientSettings = Schemas['ClientSettings'];
/** Body of `PATCH /api/v1/clients/{id}/settings`: each given field replaces the stored one. */
export type ClientSettingsPatch = Schemas['ClientSettingsPatch'];
/** An admin auto-approve policy. */
export type AutoApprovePolicy = Schemas['AutoApprovePolicy'];
/** Body of `POST /api/v1/auto-approve-policies`. */
export type AutoApprovePolicyCreate = Schemas['AutoApprovePolicyCreate'];
/** An auto-approve policy as a deployment keeps it (`Deployment.approval.auto_approve_policies`). */
export type AutoApprovePolicyRule = Schemas['AutoApprovePolicyRule'];
/** The effective approval policy of a deployment. */
export type DeploymentApproval = Schemas['DeploymentApproval'];
/** What `POST /api/v1/deployments` would do with a body (`POST /api/v1/deployments/preview`). */
export type DeploymentPreview = Schemas['DeploymentPreview'];
/** One stage of a preview's plan. */
export type PlannedStage = Schemas['PlannedStage'];
/** What the caller's bearer token is (`GET /api/v1/whoami`): id, role, client or name, expiry. */
export type Whoami = Schemas['Whoami'];
/** A page of a list. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

type QueryOf<Op extends keyof operations> = operations[Op]['parameters'] extends { query?: infer Q }
  ? NonNullable<Q>
  : never;

/** Query of `GET /api/v1/releases`. */
export type ListReleasesQuery = QueryOf<'listReleases'>;
/** Query of `GET /api/v1/clients`. */
export type ListClientsQuery = QueryOf<'listClients'>;
/** Query of `GET /api/v1/deployments`. */
export type ListDeploymentsQuery = QueryOf<'listDeployments'>;
/** Query of `GET /api/v1/deployments/{id}/tasks`. */
export type ListDeploymentTasksQuery = QueryOf<'listDeploymentTasks'>;
/** Query of `GET /api/v1/clients/{id}/pending-approvals`. */
export type ListPendingApprovalsQuery = QueryOf<'listPendingApprovals'>;
/** Query of `GET /api/v1/clients/{id}/tasks`. */
export type ListClientTasksQuery = QueryOf<'listClientTasks'>;
/** Query of `GET /api/v1/auto-approve-policies`. */
export type ListAutoApprovePoliciesQuery = QueryOf<'listAutoApprovePolicies'>;
/** Query of `GET /api/v1/audit`. */
export type ListAuditQuery = QueryOf<'listAudit'>;
