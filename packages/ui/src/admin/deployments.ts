import type { Deployment, DeploymentStatus, GccClient, Page } from '@wrktalk/sdk-gcc';
import { html, type PropertyDeclarations } from 'lit';
import { baseStyles } from '../styles';
import { emit } from './dom';
import { DEPLOYMENT_STATUSES, progressText, setOf, statusLabel, statusTone } from './format';
import { PagedListElement } from './paged-list';
import { adminStyles } from './styles';

/** Detail of `wrktalk-deployment-open`. */
export interface DeploymentOpenDetail {
  deploymentId: string;
}

/**
 * Name of the event fired when the admin opens a deployment (bubbles, composed, cancelable: call `preventDefault()`
 * to handle it yourself instead of following the link).
 */
export const DEPLOYMENT_OPEN_EVENT = 'wrktalk-deployment-open';

/** The link of a deployment: `{id}` is replaced by its id. @default '#/deployments/{id}' (the admin console's route) */
export const DEFAULT_DEPLOYMENT_HREF = '#/deployments/{id}';

/** A link to a deployment from an href template. */
export const deploymentHref = (template: string, id: string): string =>
  template.replaceAll('{id}', encodeURIComponent(id));

/**
 * `<wrktalk-deployments base-url token status page-size deployment-href>`: deployments (updates and rollbacks),
 * newest first, one server page at a time, optionally in one status. Each links to `deployment-href` and fires
 * `wrktalk-deployment-open` ({@link DeploymentOpenDetail}) when opened.
 */
export class WrktalkDeployments extends PagedListElement<Deployment> {
  static override properties: PropertyDeclarations = {
    ...PagedListElement.properties,
    statusFilter: { type: String, reflect: true, attribute: 'status' },
    deploymentHref: { type: String, attribute: 'deployment-href' },
  };

  static override styles = [baseStyles, adminStyles];

  /** Link of each deployment, `{id}` replaced. @default '#/deployments/{id}' */
  declare deploymentHref: string;
  /** Only deployments in this status; empty for all. */
  declare statusFilter: DeploymentStatus | undefined;

  constructor() {
    super();
    this.deploymentHref = DEFAULT_DEPLOYMENT_HREF;
  }

  protected override filterProperties() {
    return ['statusFilter'];
  }

  protected override fetchPage(
    gcc: GccClient,
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<Deployment>> {
    return gcc.deployments.list({
      ...(this.statusFilter ? { status: this.statusFilter } : {}),
      cursor,
      limit,
    });
  }

  #open(e: MouseEvent, id: string) {
    if (!emit(this, DEPLOYMENT_OPEN_EVENT, { deploymentId: id } satisfies DeploymentOpenDetail, true))
      e.preventDefault();
  }

  override render() {
    return html`<section part="container" aria-labelledby="heading">
      <h2 id="heading" part="heading">Deployments</h2>
      <div class="filters" part="filters">
        <label
          >Status
          <select
            part="status-filter"
            @change=${(e: Event) => {
              const v = (e.target as HTMLSelectElement).value;
              this.statusFilter = v ? (v as DeploymentStatus) : undefined;
            }}
          >
            <option value="" ?selected=${!this.statusFilter}>Any status</option>
            ${DEPLOYMENT_STATUSES.map(
              (s) => html`<option value=${s} ?selected=${this.statusFilter === s}>${statusLabel(s)}</option>`,
            )}
          </select>
        </label>
        <button part="refresh-button" @click=${() => this.refresh()}>Refresh</button>
      </div>
      ${
        this.renderState(
          this.statusFilter
            ? `No ${statusLabel(this.statusFilter).toLowerCase()} deployments.`
            : 'No deployments yet.',
        ) ?? this.#table()
      }
      ${this.renderPager('Deployments')}
    </section>`;
  }

  /** One component: `backend 5.0.0`; a set: one such line per component, and how many. */
  #release(d: Deployment) {
    const set = setOf(d);
    if (set.length === 1) return html`${d.component} <code>${d.version}</code>`;
    return html`<span class="muted">Set of ${set.length}</span>
      ${set.map(
        (c) =>
          html`<div part="set-component" data-component=${c.component}>${c.component} <code>${c.version}</code></div>`,
      )}`;
  }

  #table() {
    return html`<table part="table">
      <caption class="visually-hidden">
        Deployments, newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Deployment</th>
          <th scope="col">Release</th>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Progress</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        ${this.items.map(
          (d) => html`<tr part="row" data-deployment-id=${d.id}>
            <th scope="row">
              <a
                part="deployment-link"
                href=${deploymentHref(this.deploymentHref, d.id)}
                @click=${(e: MouseEvent) => this.#open(e, d.id)}
                ><code>${d.id}</code></a
              >
              ${d.description ? html`<div class="muted">${d.description}</div>` : ''}
            </th>
            <td part="release" data-components=${setOf(d).length}>${this.#release(d)}</td>
            <td>${d.type === 'rollback' ? html`Rollback of <code>${d.rollback_of}</code>` : 'Update'}</td>
            <td>
              <span class="badge" part="status" data-tone=${statusTone(d.status)}>${statusLabel(d.status)}</span>
            </td>
            <td part="progress">${progressText(d.task_counts)}</td>
            <td>
              <time datetime=${d.created_at}>${new Date(d.created_at).toLocaleString()}</time>
              <div class="muted">${d.created_by}</div>
            </td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }
}
