/**
 * DOM helpers the modal dialogs share (the CT approval dialog and the admin elements'): the focus trap and the
 * focused element through shadow roots.
 */

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled])';

/**
 * Keeps Tab and Shift+Tab inside `dialog` (a native modal makes the page inert, but Tab can still reach the
 * browser's own UI): bind to the dialog's `keydown`.
 */
export function trapTab(e: KeyboardEvent, dialog: HTMLDialogElement): void {
  if (e.key !== 'Tab') return;
  const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)];
  if (items.length === 0) return;
  const first = items[0]!;
  const last = items[items.length - 1]!;
  const root = dialog.getRootNode() as Document | ShadowRoot;
  const active = root.activeElement;
  const inside = active !== null && items.includes(active as HTMLElement);
  if (e.shiftKey && (active === first || !inside)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (active === last || !inside)) {
    e.preventDefault();
    first.focus();
  }
}

/** The focused element, looking through open shadow roots (a dialog's opener usually sits inside one). */
export function deepActiveElement(): HTMLElement | null {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el instanceof HTMLElement ? el : null;
}
