/**
 * Pure helpers behind `<wrktalk-client-settings>`: the editable draft of a client's settings, the patch it saves,
 * and where a problem the GCC reports belongs on the form. Data in, data out: no DOM.
 */

/** A weekday as the contract spells it. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** The weekdays in display order, with their names. */
export const WEEKDAYS: readonly { day: Weekday; name: string }[] = [
  { day: 'mon', name: 'Monday' },
  { day: 'tue', name: 'Tuesday' },
  { day: 'wed', name: 'Wednesday' },
  { day: 'thu', name: 'Thursday' },
  { day: 'fri', name: 'Friday' },
  { day: 'sat', name: 'Saturday' },
  { day: 'sun', name: 'Sunday' },
];

/** The settings fields the form reads (the contract's `ClientSettings`). */
export interface SettingsLike {
  timezone: string;
  maintenance_windows: readonly { days: readonly string[]; start: string; end: string }[];
  notification_emails: readonly string[];
  auto_approve: { all: boolean; components: readonly string[] };
}

/** One maintenance window row being edited; `key` keeps a row's DOM when rows before it are removed. */
export interface WindowDraft {
  key: number;
  days: string[];
  start: string;
  end: string;
}

/** One notification address row being edited. */
export interface EmailDraft {
  key: number;
  value: string;
}

/** The form's state. */
export interface SettingsDraft {
  timezone: string;
  all: boolean;
  components: string[];
  windows: WindowDraft[];
  emails: EmailDraft[];
}

/** What the form saves (`updateClientSettings`' body): every section the approver edits. */
export interface SettingsPatch {
  timezone: string;
  maintenance_windows: { days: Weekday[]; start: string; end: string }[];
  notification_emails: string[];
  auto_approve: { all: boolean; components: string[] };
}

/** The components offered when the host names none. @default backend, media, ct (the GCC's default list) */
export const DEFAULT_COMPONENTS: readonly string[] = ['backend', 'media', 'ct'];

let nextKey = 1;
/** A new row key (unique within the page). */
export function rowKey(): number {
  return nextKey++;
}

/** The draft of loaded settings. */
export function draftOf(s: SettingsLike): SettingsDraft {
  return {
    timezone: s.timezone,
    all: s.auto_approve.all,
    components: [...s.auto_approve.components],
    windows: s.maintenance_windows.map((w) => ({
      key: rowKey(),
      days: [...w.days],
      start: w.start,
      end: w.end,
    })),
    emails: s.notification_emails.map((value) => ({ key: rowKey(), value })),
  };
}

/**
 * The patch of a draft. Empty address rows are left out (an added row nobody filled in); everything else is sent
 * as typed, so the GCC's validation, not the browser's, decides and reports every problem at once.
 */
export function patchOf(d: SettingsDraft): SettingsPatch {
  const order = new Map(WEEKDAYS.map((w, i) => [w.day as string, i]));
  return {
    timezone: d.timezone.trim(),
    maintenance_windows: d.windows.map((w) => ({
      // Only the day checkboxes write `days`, so every entry is a weekday.
      days: [...w.days].sort((a, b) => (order.get(a) ?? 9) - (order.get(b) ?? 9)) as Weekday[],
      start: w.start,
      end: w.end,
    })),
    notification_emails: d.emails.map((e) => e.value.trim()).filter((v) => v !== ''),
    auto_approve: { all: d.all, components: d.all ? [] : [...d.components] },
  };
}

/** The components the form offers: the host's list, then any the client already auto-approves. */
export function componentsOffered(hostList: readonly string[] | undefined, s: SettingsLike | undefined) {
  const list = [...(hostList?.length ? hostList : DEFAULT_COMPONENTS)];
  for (const c of s?.auto_approve.components ?? []) if (!list.includes(c)) list.push(c);
  return list;
}

/**
 * Where a problem belongs on the form, from its JSON pointer: `auto_approve`, `timezone`, `windows` (the list),
 * `window:<i>` (a row), `window:<i>:<days|start|end>`, `emails` (the list), `email:<i>`, or `general`.
 * The index is the row's position in the patch that was sent.
 */
export function slotOf(pointer: string): string {
  const [first, index, field] = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const i = index !== undefined && /^\d+$/.test(index) ? index : undefined;
  switch (first) {
    case 'auto_approve':
      return 'auto_approve';
    case 'timezone':
      return 'timezone';
    case 'maintenance_windows':
      if (i === undefined) return 'windows';
      return field === 'days' || field === 'start' || field === 'end'
        ? `window:${i}:${field}`
        : `window:${i}`;
    case 'notification_emails':
      return i === undefined ? 'emails' : `email:${i}`;
    default:
      return 'general';
  }
}

/** Problems grouped by {@link slotOf}. */
export function problemsBySlot(
  problems: readonly { path: string; message: string }[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of problems) {
    const slot = slotOf(p.path);
    out.set(slot, [...(out.get(slot) ?? []), p.message]);
  }
  return out;
}

/**
 * The email rows' positions in the patch (blank rows are left out of it), so a problem at
 * `/notification_emails/<i>` is shown next to the row that produced it: row key → index in the patch.
 */
export function emailPatchIndex(d: SettingsDraft): Map<number, number> {
  const out = new Map<number, number>();
  let i = 0;
  for (const e of d.emails) if (e.value.trim() !== '') out.set(e.key, i++);
  return out;
}
