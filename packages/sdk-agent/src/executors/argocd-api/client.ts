import { ExecutorError } from '../../executor';
import type { Application, ApplicationSpec } from '../shared/argocd';
import { isBlockedBySyncWindow, isOperationInProgress } from '../shared/argocd';

/** How to reach Argo CD's REST API. */
export interface ArgoCdApiClientOptions {
  /** Base URL of the Argo CD server, e.g. `https://argocd.acme.internal`. */
  baseUrl: string;
  /** API token of an account with `applications get, update, sync` (sent as `Authorization: Bearer <token>`). */
  token: string;
  /**
   * Argo CD project of the applications; lets a missing app answer 404 instead of 403.
   * @default undefined
   */
  project?: string;
  /**
   * Namespace of the Application when Argo CD manages apps in several namespaces.
   * @default undefined
   */
  appNamespace?: string;
  /**
   * Per-request timeout in ms.
   * @default 30_000
   */
  requestTimeoutMs?: number;
  /**
   * The fetch implementation (inject one with a custom TLS agent for private CAs).
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /** Name used in errors. @default 'argocd-api' */
  executorName?: string;
}

/** The body of `POST /api/v1/applications/{name}/sync` (applicationApplicationSyncRequest). */
export interface ArgoCdSyncRequest {
  name: string;
  prune?: boolean;
  dryRun?: boolean;
  revision?: string;
  strategy?: { hook?: { force?: boolean }; apply?: { force?: boolean } };
  appNamespace?: string;
  project?: string;
}

/** A thin typed client over the Argo CD Application endpoints this package needs; shared with the GCC fast path. */
export interface ArgoCdApiClient {
  /** GET /api/v1/applications/{name} (`refresh: 'normal'` forces a comparison). */
  getApplication(
    name: string,
    init?: { refresh?: 'normal' | 'hard'; signal?: AbortSignal },
  ): Promise<Application>;
  /** PUT /api/v1/applications/{name}/spec with the whole spec (last writer wins). */
  updateSpec(name: string, spec: ApplicationSpec, init?: { signal?: AbortSignal }): Promise<ApplicationSpec>;
  /** POST /api/v1/applications/{name}/sync. */
  sync(
    name: string,
    request?: Omit<ArgoCdSyncRequest, 'name'>,
    init?: { signal?: AbortSignal },
  ): Promise<Application>;
}

/** Maps an Argo CD HTTP error to an {@link ExecutorError} with the right code and retryability. */
export function argoCdHttpError(
  executor: string,
  method: string,
  path: string,
  status: number,
  text: string,
) {
  let message = text;
  try {
    const parsed = JSON.parse(text) as { message?: string; error?: string };
    message = parsed.message || parsed.error || text;
  } catch {
    // not JSON: keep the text
  }
  const prefix = `Request failed with status code ${status}: ${method} ${path}: ${message.slice(0, 300)}`;
  if (isOperationInProgress(message)) {
    return new ExecutorError({ executor, code: 'operation_in_progress', retryable: true, message: prefix });
  }
  if (status === 403 && isBlockedBySyncWindow(message)) {
    return new ExecutorError({ executor, code: 'forbidden', retryable: true, message: prefix });
  }
  if (status === 401 || status === 403)
    return new ExecutorError({ executor, code: 'forbidden', message: prefix });
  if (status === 404) return new ExecutorError({ executor, code: 'not_found', message: prefix });
  return new ExecutorError({
    executor,
    code: 'api_error',
    retryable: status >= 500 || status === 429,
    message: prefix,
  });
}

/** Creates an {@link ArgoCdApiClient}. */
export function createArgoCdApiClient(options: ArgoCdApiClientOptions): ArgoCdApiClient {
  const executor = options.executorName ?? 'argocd-api';
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const scope = (query: URLSearchParams) => {
    if (options.appNamespace) query.set('appNamespace', options.appNamespace);
    if (options.project) query.set('project', options.project);
  };

  const request = async <T>(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<T> => {
    const qs = query.toString();
    const url = `${base}${path}${qs ? `?${qs}` : ''}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${options.token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (cause) {
      const aborted = signal?.aborted || timeout.aborted;
      throw new ExecutorError({
        executor,
        code: aborted ? 'timeout' : 'api_error',
        retryable: true,
        message: `${method} ${path}: ${aborted ? 'timed out or aborted' : 'Argo CD unreachable'}`,
        cause,
      });
    }
    const text = await response.text();
    if (!response.ok) throw argoCdHttpError(executor, method, path, response.status, text);
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new ExecutorError({
        executor,
        code: 'api_error',
        message: `${method} ${path}: response is not JSON`,
        cause,
      });
    }
  };

  const appPath = (name: string) => `/api/v1/applications/${encodeURIComponent(name)}`;
  return {
    getApplication(name, init = {}) {
      const query = new URLSearchParams();
      if (init.refresh) query.set('refresh', init.refresh);
      scope(query);
      return request('GET', appPath(name), query, undefined, init.signal);
    },
    updateSpec(name, spec, init = {}) {
      const query = new URLSearchParams({ validate: 'true' });
      scope(query);
      return request('PUT', `${appPath(name)}/spec`, query, spec, init.signal);
    },
    sync(name, syncRequest = {}, init = {}) {
      const body: ArgoCdSyncRequest = {
        name,
        prune: false,
        dryRun: false,
        strategy: { hook: {} },
        ...(options.appNamespace ? { appNamespace: options.appNamespace } : {}),
        ...(options.project ? { project: options.project } : {}),
        ...syncRequest,
      };
      return request('POST', `${appPath(name)}/sync`, new URLSearchParams(), body, init.signal);
    },
  };
}
