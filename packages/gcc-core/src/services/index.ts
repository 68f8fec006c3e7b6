import { AgentService } from './agent';
import { ApprovalsService } from './approvals';
import { AuditService } from './audit';
import { ClientsService } from './clients';
import type { ServiceContext } from './context';
import { DeploymentsService } from './deployments';
import { IdempotencyService } from './idempotency';
import { PoliciesService } from './policies';
import { ReleasesService } from './releases';
import { TokensService } from './tokens';

/** The GCC's domain services; they know nothing about HTTP and throw `GccServiceError`s. */
export interface GccServices {
  releases: ReleasesService;
  clients: ClientsService;
  tokens: TokensService;
  deployments: DeploymentsService;
  approvals: ApprovalsService;
  agent: AgentService;
  audit: AuditService;
  idempotency: IdempotencyService;
  policies: PoliciesService;
}

/** Builds the services on one context. */
export function createServices(ctx: ServiceContext): GccServices {
  return {
    releases: new ReleasesService(ctx),
    clients: new ClientsService(ctx),
    tokens: new TokensService(ctx),
    deployments: new DeploymentsService(ctx),
    approvals: new ApprovalsService(ctx),
    agent: new AgentService(ctx),
    audit: new AuditService(ctx),
    idempotency: new IdempotencyService(ctx),
    policies: new PoliciesService(ctx),
  };
}
