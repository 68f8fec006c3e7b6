import type { TargetKind } from '../statuses';

/** Day of the week as used by maintenance windows. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Weekly window in the client's local time; `end <= start` means the window runs past midnight. */
export interface MaintenanceWindow {
  /** Days on which the window opens. */
  days: Weekday[];
  /** Local opening time, `HH:MM`. */
  start: string;
  /** Local closing time, `HH:MM` (exclusive). */
  end: string;
}

/** Standing consent a client gave: approve every update, or updates of the listed components. */
export interface ClientAutoApprove {
  /** Approve every component. */
  all: boolean;
  /** Components approved without asking. */
  components: string[];
}

/** One target client as the planner sees it. */
export interface Client {
  /** Stable client id. */
  id: string;
  /** Labels matched by selectors, e.g. `{ tier: 'premium' }`. */
  labels: Record<string, string>;
  /** How the client is updated. */
  targetKind: TargetKind;
  /** Argo CD instance the client's application lives in; groups jobs so one instance is not flooded. */
  argocdInstance?: string | null;
  /** IANA time zone of the maintenance windows, e.g. `Asia/Kolkata`. @default 'UTC' */
  timezone?: string;
  /** Weekly windows during which updates may start; none means any time. */
  maintenanceWindows?: MaintenanceWindow[];
  /** The client's own auto-approve settings. */
  autoApprove?: ClientAutoApprove;
}
