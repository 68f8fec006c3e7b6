import { createGccClient, type GccClient } from '@wrktalk/sdk-gcc';
import { LitElement, type PropertyDeclarations } from 'lit';

/** The `fetch` a host can hand an element instead of a token, to proxy the GCC through its own backend. */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/**
 * Base of the elements that talk to the GCC. Two ways to connect:
 * - `base-url` + `token` attributes (or properties): the browser calls the GCC with the approver token;
 * - the `fetch` property (and optionally `base-url`, default the page's origin): every request goes through the
 *   host's function, so a host backend can proxy it and keep the token server-side. Properties only.
 * A ready `gcc` client (property) wins over both.
 */
export abstract class GccElement extends LitElement {
  static override properties: PropertyDeclarations = {
    clientId: { type: String, attribute: 'client-id', reflect: true },
    baseUrl: { type: String, attribute: 'base-url' },
    token: { type: String },
    fetch: { attribute: false },
    gcc: { attribute: false },
  };

  /** The client (tenant) id whose data the element shows. */
  declare clientId: string | undefined;
  /** GCC base URL, absolute or relative to the page (`/api/v1` is added by the SDK). */
  declare baseUrl: string | undefined;
  /** Approver token of that client (bearer). Leave unset with a proxying `fetch`. */
  declare token: string | undefined;
  /** Host-provided fetch, e.g. one that calls the host backend's GCC proxy. */
  declare fetch: FetchLike | undefined;
  /** A ready client; when set, `base-url`, `token` and `fetch` are ignored. */
  declare gcc: GccClient | undefined;

  #cached: { key: readonly unknown[]; client: GccClient } | undefined;

  /** The client to call the GCC with, or `undefined` while the element is not configured yet. */
  protected gccClient(): GccClient | undefined {
    if (this.gcc) return this.gcc;
    if (!this.baseUrl && !this.fetch) return undefined;
    const key = [this.baseUrl, this.token, this.fetch] as const;
    if (this.#cached?.key.every((v, i) => v === key[i])) return this.#cached.client;
    const baseUrl = new URL(this.baseUrl ?? '/', document.baseURI).href;
    const userFetch = this.fetch;
    const client = createGccClient({
      baseUrl,
      ...(this.token ? { token: this.token } : {}),
      // Bound so a host's plain function and `window.fetch` both work (the latter needs `this === window`).
      ...(userFetch ? { fetch: ((input, init) => userFetch(input, init)) as typeof fetch } : {}),
      // A person is waiting on the screen: one retry at most, and a short per-attempt timeout.
      retry: { limit: 1 },
      timeoutMs: 15_000,
    });
    this.#cached = { key, client };
    return client;
  }

  /** True when a property that changes what the element reads has changed. */
  protected static connectionChanged(changed: Map<PropertyKey, unknown>): boolean {
    return ['clientId', 'baseUrl', 'token', 'fetch', 'gcc'].some((k) => changed.has(k));
  }
}
