import { WrktalkAdminConsole } from './admin-console';
import { WrktalkAutoApprovePolicies } from './auto-approve-policies';
import { WrktalkClients } from './clients';
import { WrktalkDeploymentDetail } from './deployment-detail';
import { WrktalkDeployments } from './deployments';
import { WrktalkNewDeployment } from './new-deployment';
import { WrktalkReleases } from './releases';

export { WrktalkAdminConsole } from './admin-console';
export { type PolicyChangedDetail, WrktalkAutoApprovePolicies } from './auto-approve-policies';
export { WrktalkClients } from './clients';
export {
  DEFAULT_POLL_MS,
  DEPLOYMENT_ACTION_EVENT,
  type DeploymentAction,
  type DeploymentActionDetail,
  WrktalkDeploymentDetail,
} from './deployment-detail';
export {
  DEFAULT_DEPLOYMENT_HREF,
  DEPLOYMENT_OPEN_EVENT,
  type DeploymentOpenDetail,
  deploymentHref,
  WrktalkDeployments,
} from './deployments';
export {
  type AdminRoute,
  type AllowedActions,
  allowedActions,
  approvalSourceText,
  canForceApprove,
  changeText,
  DEFAULT_STAGE_DRAFTS,
  DEPLOYMENT_STATUSES,
  type DeploymentChangeView,
  type DeploymentForm,
  deploymentBody,
  durationText,
  emptyDeploymentForm,
  FIRST_PAGE,
  type FormProblem,
  labelsText,
  MAX_SET_SIZE,
  nextSetRelease,
  nonZeroCounts,
  type Pager,
  type PolicyForm,
  type Progress,
  pagerCursor,
  pagerLoaded,
  pagerNext,
  pagerPrev,
  pagerText,
  parseClientIds,
  parseRoute,
  policyBody,
  progressOf,
  progressText,
  relativeTime,
  releaseProblems,
  releaseRowOf,
  routeHash,
  routeSection,
  type SetComponentView,
  type StageDraft,
  setOf,
  setText,
  stagesFromDrafts,
  statusLabel,
  statusTone,
  TASK_STATUSES,
  type Tone,
  versionsText,
} from './format';
export {
  DEPLOYMENT_CREATED_EVENT,
  type DeploymentCreatedDetail,
  PREVIEW_DEBOUNCE_MS,
  WrktalkNewDeployment,
} from './new-deployment';
export { PagedListElement, type PageLoadedDetail } from './paged-list';
export { RELEASE_SELECT_EVENT, type ReleaseSelectDetail, WrktalkReleases } from './releases';
export { adminStyles } from './styles';

/** The admin elements' default tag names. `<wrktalk-admin-console>` renders the others by these names. */
export const ADMIN_TAGS = {
  'wrktalk-admin-console': WrktalkAdminConsole,
  'wrktalk-releases': WrktalkReleases,
  'wrktalk-deployments': WrktalkDeployments,
  'wrktalk-new-deployment': WrktalkNewDeployment,
  'wrktalk-deployment-detail': WrktalkDeploymentDetail,
  'wrktalk-clients': WrktalkClients,
  'wrktalk-auto-approve-policies': WrktalkAutoApprovePolicies,
} as const;

/** Registers every admin element under its default tag name; names already taken are left alone. */
export function defineAdminElements(registry: CustomElementRegistry = customElements): void {
  for (const [tag, ctor] of Object.entries(ADMIN_TAGS)) if (!registry.get(tag)) registry.define(tag, ctor);
}

declare global {
  interface HTMLElementTagNameMap {
    'wrktalk-admin-console': WrktalkAdminConsole;
    'wrktalk-releases': WrktalkReleases;
    'wrktalk-deployments': WrktalkDeployments;
    'wrktalk-new-deployment': WrktalkNewDeployment;
    'wrktalk-deployment-detail': WrktalkDeploymentDetail;
    'wrktalk-clients': WrktalkClients;
    'wrktalk-auto-approve-policies': WrktalkAutoApprovePolicies;
  }
}
