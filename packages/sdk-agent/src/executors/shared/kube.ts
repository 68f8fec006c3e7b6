import type { KubeConfig } from '@kubernetes/client-node';
import { type DoctorCheck, ExecutorError } from '../../executor';

/** The client-node module. */
export type KubeModule = typeof import('@kubernetes/client-node');

let kubeModule: Promise<KubeModule> | undefined;

/**
 * Loads `@kubernetes/client-node` on first use: importing it costs about 85 MB of resident memory, which agents on
 * Docker hosts should not pay.
 */
export function loadKube(): Promise<KubeModule> {
  if (!kubeModule) kubeModule = import('@kubernetes/client-node');
  return kubeModule;
}

/** The KubeConfig to use: the injected one, else in-cluster / KUBECONFIG / ~/.kube/config (`loadFromDefault`). */
export async function resolveKubeConfig(
  executor: string,
  kubeConfig: KubeConfig | undefined,
): Promise<KubeConfig> {
  if (kubeConfig) return kubeConfig;
  const { KubeConfig: Config } = await loadKube();
  const kc = new Config();
  try {
    kc.loadFromDefault();
  } catch (cause) {
    throw new ExecutorError({
      executor,
      code: 'invalid_config',
      message: `no Kubernetes configuration found (in-cluster, KUBECONFIG or ~/.kube/config): ${String(cause)}`,
      cause,
    });
  }
  return kc;
}

/** The namespace of the KubeConfig's current context, if it names one. */
export function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace;
}

/** HTTP status of a client-node error (ApiException carries `code` and `body`), if it has one. */
export function kubeStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Maps a client-node error to an {@link ExecutorError}. */
export function kubeError(executor: string, what: string, error: unknown): ExecutorError {
  if (error instanceof ExecutorError) return error;
  const status = kubeStatus(error);
  let detail = error instanceof Error ? error.message : String(error);
  const body = (error as { body?: unknown } | null)?.body;
  if (status !== undefined && body !== undefined) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    try {
      detail = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      detail = text;
    }
  }
  const message = `${what}: ${status ? `HTTP ${status}: ` : ''}${detail.slice(0, 300)}`;
  if (status === 401 || status === 403)
    return new ExecutorError({ executor, code: 'forbidden', message, cause: error });
  if (status === 404) return new ExecutorError({ executor, code: 'not_found', message, cause: error });
  return new ExecutorError({
    executor,
    code: 'api_error',
    retryable: status === undefined || status === 409 || status === 429 || status >= 500,
    message,
    cause: error,
  });
}

/** Asks the API server (SelfSubjectAccessReview) whether the agent may `verb` the resource; one doctor line. */
export async function accessCheck(
  kc: KubeConfig,
  attributes: { group: string; resource: string; verb: string; namespace: string; name?: string },
): Promise<DoctorCheck> {
  const label = `${attributes.verb} ${attributes.resource}${attributes.group ? `.${attributes.group}` : ''} in ${attributes.namespace}`;
  try {
    const { AuthorizationV1Api } = await loadKube();
    const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: attributes },
      },
    });
    return review.status?.allowed === true
      ? { name: `RBAC: ${label}`, ok: true, detail: 'allowed' }
      : {
          name: `RBAC: ${label}`,
          ok: false,
          code: 'forbidden',
          detail: `not allowed; grant it in the agent's Role`,
        };
  } catch (error) {
    return {
      name: `RBAC: ${label}`,
      ok: false,
      code: 'api_error',
      detail: error instanceof Error ? error.message : String(error),
    };
  }
}
