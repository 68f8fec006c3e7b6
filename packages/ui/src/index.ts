import { WrktalkApprovalDialog } from './approval-dialog';
import { WrktalkPendingApprovals } from './pending-approvals';
import { WrktalkUpdateHistory } from './update-history';

export {
  DECIDED_EVENT,
  type DecidedDetail,
  type ShowOptions,
  WrktalkApprovalDialog,
} from './approval-dialog';
export { errorHeading, type ShownError, shownError } from './errors';
export {
  deadlineText,
  localInputToIso,
  RELEASE_NOTES_KEYS,
  releaseNotes,
  type VersionChange,
  versionChange,
} from './format';
export { type FetchLike, GccElement } from './gcc-element';
export { type LoadedDetail, WrktalkPendingApprovals } from './pending-approvals';
export { baseStyles } from './styles';
export { WrktalkUpdateHistory } from './update-history';

/** The default tag names. */
export const TAGS = {
  'wrktalk-pending-approvals': WrktalkPendingApprovals,
  'wrktalk-approval-dialog': WrktalkApprovalDialog,
  'wrktalk-update-history': WrktalkUpdateHistory,
} as const;

/** Registers every element under its default tag name; names already taken are left alone. */
export function defineWrktalkElements(registry: CustomElementRegistry = customElements): void {
  for (const [tag, ctor] of Object.entries(TAGS)) if (!registry.get(tag)) registry.define(tag, ctor);
}

declare global {
  interface HTMLElementTagNameMap {
    'wrktalk-pending-approvals': WrktalkPendingApprovals;
    'wrktalk-approval-dialog': WrktalkApprovalDialog;
    'wrktalk-update-history': WrktalkUpdateHistory;
  }
}
