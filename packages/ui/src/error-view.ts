import { html, nothing, type TemplateResult } from 'lit';
import { errorHeading, type ShownError } from './errors';

/**
 * What an element shows in place of what it could not load: the error's heading and message in an alert, and a
 * "Try again" button (`part="retry-button"`) calling `retry`, when given.
 */
export function errorView(e: ShownError, retry?: () => unknown, part = 'error'): TemplateResult {
  return html`<div class="error" part=${part} role="alert">
    <strong>${errorHeading(e)}</strong>
    <p>${e.message}</p>
    ${retry ? html`<button part="retry-button" @click=${() => retry()}>Try again</button>` : nothing}
  </div>`;
}
