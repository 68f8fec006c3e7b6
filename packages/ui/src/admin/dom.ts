/**
 * Small DOM helpers the admin elements share: events. The focus trap of their modal dialogs and the focused element
 * through shadow roots are in `../dom` (shared with the CT approval dialog).
 */

/** Dispatches a bubbling, composed `CustomEvent` (a listener on `document` sees it); returns false if cancelled. */
export function emit(target: EventTarget, type: string, detail: unknown, cancelable = false): boolean {
  return target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
}
