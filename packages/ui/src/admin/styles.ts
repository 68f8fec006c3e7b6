import { css } from 'lit';
import { dialogStyles } from '../styles';

/**
 * The admin elements' look on top of `baseStyles`: tables, filters, status badges, pagers and modal dialogs. Every
 * colour and size is a `--wrktalk-*` custom property, so a host themes the admin console like the CT elements.
 */
export const adminStyles = css`
  h2 {
    font-size: 1.15em;
    margin: 0 0 0.6em;
  }
  h3 {
    font-size: 1em;
    margin: 1.2em 0 0.5em;
  }
  table {
    border-collapse: collapse;
    width: 100%;
    background: var(--wrktalk-color-surface, #fff);
  }
  caption {
    text-align: left;
    font-weight: 600;
    padding: 0.3em 0;
  }
  th,
  td {
    text-align: left;
    vertical-align: top;
    padding: 0.4em 0.6em;
    border-bottom: 1px solid var(--wrktalk-color-border, #c9ced8);
  }
  th {
    font-weight: 600;
    white-space: nowrap;
  }
  td.num,
  th.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .filters,
  .pager,
  .actions,
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5em 1em;
    align-items: end;
    margin: 0 0 var(--wrktalk-spacing, 12px);
  }
  .pager {
    margin-top: var(--wrktalk-spacing, 12px);
    align-items: center;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 0.2em;
    font-weight: 500;
  }
  label.inline {
    flex-direction: row;
    align-items: center;
    gap: 0.4em;
    font-weight: normal;
  }
  input,
  select,
  textarea {
    font: inherit;
    color: inherit;
    background: var(--wrktalk-color-surface, #fff);
    padding: 0.3em 0.4em;
    border: 1px solid var(--wrktalk-color-border, #c9ced8);
    border-radius: var(--wrktalk-radius, 6px);
  }
  input[type='checkbox'],
  input[type='radio'] {
    width: auto;
  }
  select:focus-visible,
  a:focus-visible {
    outline: 2px solid var(--wrktalk-color-focus, #2457d6);
    outline-offset: 2px;
  }
  fieldset {
    border: 1px solid var(--wrktalk-color-border, #c9ced8);
    border-radius: var(--wrktalk-radius, 6px);
    margin: 0 0 var(--wrktalk-spacing, 12px);
    padding: var(--wrktalk-spacing, 12px);
  }
  legend {
    font-weight: 600;
    padding: 0 0.3em;
  }
  a {
    color: var(--wrktalk-color-accent, #2457d6);
  }
  .badge {
    display: inline-block;
    padding: 0.05em 0.5em;
    border-radius: 999px;
    font-size: 0.9em;
    white-space: nowrap;
    border: 1px solid currentColor;
  }
  .badge[data-tone='ok'] {
    color: var(--wrktalk-color-ok, #067647);
  }
  .badge[data-tone='bad'] {
    color: var(--wrktalk-color-danger, #b42318);
  }
  .badge[data-tone='busy'] {
    color: var(--wrktalk-color-accent, #2457d6);
  }
  .badge[data-tone='wait'] {
    color: var(--wrktalk-color-warning, #93370d);
  }
  .badge[data-tone='off'] {
    color: var(--wrktalk-color-muted, #5b6475);
  }
  .problems {
    margin: 0.4em 0;
    padding-left: 1.2em;
  }
  dl.summary {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.25em 1em;
    margin: 0 0 var(--wrktalk-spacing, 12px);
  }
  dl.summary dt {
    font-weight: 600;
  }
  dl.summary dd {
    margin: 0;
  }
  ${dialogStyles}
  dialog {
    width: min(32rem, calc(100vw - 2rem));
  }
  dialog footer {
    display: flex;
    justify-content: flex-end;
    gap: 0.5em;
    margin-top: 1.2em;
  }
  dialog label {
    margin-top: 0.6em;
  }
  [tabindex='-1']:focus {
    outline: none;
  }
`;
