import { WrktalkApprovalDialog } from './approval-dialog';
import { WrktalkClientSettings } from './client-settings';
import { WrktalkPendingApprovals } from './pending-approvals';
import { WrktalkUpdateHistory } from './update-history';

// The admin console's elements (`<wrktalk-admin-console>` and the pages it renders), `ADMIN_TAGS`, `defineAdminElements`.
export * from './admin/index';
export {
  DECIDED_EVENT,
  type DecidedDetail,
  type ShowOptions,
  WrktalkApprovalDialog,
} from './approval-dialog';
export { SAVED_EVENT, type SavedDetail, WrktalkClientSettings } from './client-settings';
export { errorHeading, type FieldProblem, type ShownError, shownError } from './errors';
export {
  type ChangeSource,
  type ComponentChange,
  componentChanges,
  componentList,
  deadlineText,
  fromText,
  localInputToIso,
  RELEASE_NOTES_KEYS,
  releaseNotes,
  setApprovalText,
  TASK_STATUS_TEXT,
  taskMessage,
  taskStatusText,
  type VersionChange,
  versionChange,
} from './format';
export { type FetchLike, GccElement } from './gcc-element';
export { type LoadedDetail, WrktalkPendingApprovals } from './pending-approvals';
export {
  componentsOffered,
  DEFAULT_COMPONENTS,
  draftOf,
  patchOf,
  type SettingsDraft,
  type SettingsPatch,
  slotOf,
  WEEKDAYS,
  type Weekday,
} from './settings-form';
export { baseStyles } from './styles';
export { type HistoryLoadedDetail, WrktalkUpdateHistory } from './update-history';

/** The default tag names. */
export const TAGS = {
  'wrktalk-pending-approvals': WrktalkPendingApprovals,
  'wrktalk-approval-dialog': WrktalkApprovalDialog,
  'wrktalk-update-history': WrktalkUpdateHistory,
  'wrktalk-client-settings': WrktalkClientSettings,
} as const;

/** Registers every CT element under its default tag name; names already taken are left alone. */
export function defineWrktalkElements(registry: CustomElementRegistry = customElements): void {
  for (const [tag, ctor] of Object.entries(TAGS)) if (!registry.get(tag)) registry.define(tag, ctor);
}

declare global {
  interface HTMLElementTagNameMap {
    'wrktalk-pending-approvals': WrktalkPendingApprovals;
    'wrktalk-approval-dialog': WrktalkApprovalDialog;
    'wrktalk-update-history': WrktalkUpdateHistory;
    'wrktalk-client-settings': WrktalkClientSettings;
  }
}
