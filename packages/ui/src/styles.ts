import { css } from 'lit';

/**
 * Shared look, entirely driven by CSS custom properties so a host page themes every element from one place:
 * `wrktalk-pending-approvals { --wrktalk-color-accent: #0a7; }`. Each fallback is the default.
 */
export const baseStyles = css`
  :host {
    display: block;
    font-family: var(--wrktalk-font-family, system-ui, sans-serif);
    font-size: var(--wrktalk-font-size, 14px);
    color: var(--wrktalk-color-text, #1d2330);
    line-height: 1.4;
  }
  :host([hidden]) {
    display: none;
  }
  button {
    font: inherit;
    cursor: pointer;
    border-radius: var(--wrktalk-radius, 6px);
    border: 1px solid var(--wrktalk-color-border, #c9ced8);
    background: var(--wrktalk-color-surface, #fff);
    color: inherit;
    padding: 0.35em 0.9em;
  }
  button.primary {
    background: var(--wrktalk-color-accent, #2457d6);
    border-color: var(--wrktalk-color-accent, #2457d6);
    color: var(--wrktalk-color-accent-text, #fff);
  }
  button.danger {
    background: var(--wrktalk-color-danger, #b42318);
    border-color: var(--wrktalk-color-danger, #b42318);
    color: var(--wrktalk-color-accent-text, #fff);
  }
  button:disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
  button:focus-visible,
  input:focus-visible,
  textarea:focus-visible {
    outline: 2px solid var(--wrktalk-color-focus, #2457d6);
    outline-offset: 2px;
  }
  .muted {
    color: var(--wrktalk-color-muted, #5b6475);
  }
  .state {
    padding: var(--wrktalk-spacing, 12px);
    border: 1px dashed var(--wrktalk-color-border, #c9ced8);
    border-radius: var(--wrktalk-radius, 6px);
  }
  .error {
    border: 1px solid var(--wrktalk-color-danger, #b42318);
    color: var(--wrktalk-color-danger, #b42318);
    background: var(--wrktalk-color-danger-bg, #fef3f2);
    border-radius: var(--wrktalk-radius, 6px);
    padding: var(--wrktalk-spacing, 12px);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  code {
    font-family: var(--wrktalk-font-family-mono, ui-monospace, monospace);
  }
`;

/**
 * The frame of a modal `<dialog>` (the CT approval dialog and the admin elements' confirmations); each element sets
 * its own `width` after it.
 */
export const dialogStyles = css`
  dialog {
    border: 1px solid var(--wrktalk-color-border, #c9ced8);
    border-radius: var(--wrktalk-radius, 6px);
    background: var(--wrktalk-color-bg, #fff);
    color: inherit;
    padding: calc(2 * var(--wrktalk-spacing, 12px));
  }
  dialog::backdrop {
    background: var(--wrktalk-backdrop, rgb(0 0 0 / 0.4));
  }
`;
