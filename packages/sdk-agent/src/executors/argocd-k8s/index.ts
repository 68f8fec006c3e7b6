import type { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { type DoctorCheck, type Executor, ExecutorError } from '../../executor';
import { throwIfAborted } from '../shared/abort';
import type { Application } from '../shared/argocd';
import { createArgoCdFlow } from '../shared/argocd-flow';
import {
  accessCheck,
  type KubeModule,
  kubeError,
  kubeStatus,
  loadKube,
  resolveKubeConfig,
} from '../shared/kube';
import { applicationName } from '../shared/options';
import { type ArgoCdK8sExecutorOptions, compileArgoCdK8sOptions } from './options';

export type { ArgoCdK8sExecutorOptions } from './options';
export { compileArgoCdK8sOptions } from './options';

const NAME = 'argocd-k8s';
const GROUP = 'argoproj.io';
const VERSION = 'v1alpha1';
const PLURAL = 'applications';

/**
 * Updates a client's Argo CD application from inside the cluster through the Kubernetes API, with no Argo CD
 * credentials and no CLI: read the Application custom resource, replace the Helm parameter in the whole list and
 * write it back as a merge patch carrying the resourceVersion read (the list is replaced whole; 409 = re-read, retry),
 * then, when `.operation` is empty, start a sync by merge-patching `.operation` (with the resourceVersion read, so a
 * sync started meanwhile makes it fail instead of being overwritten), and poll with the stale-status guard.
 * RBAC: argoproj.io applications get/list/watch/patch.
 */
export function createArgoCdK8sExecutor(options: ArgoCdK8sExecutorOptions = {}): Executor {
  const opts = compileArgoCdK8sOptions(options);
  let clients: Promise<{ kube: KubeModule; kc: KubeConfig; api: CustomObjectsApi }> | undefined;
  const connect = () => {
    clients ??= (async () => {
      const kube = await loadKube();
      const kc = await resolveKubeConfig(NAME, options.kubeConfig);
      return { kube, kc, api: kc.makeApiClient(kube.CustomObjectsApi) };
    })();
    clients.catch(() => {
      clients = undefined;
    });
    return clients;
  };
  const ref = (name: string) => ({
    group: GROUP,
    version: VERSION,
    namespace: opts.namespace,
    plural: PLURAL,
    name,
  });

  const get = async (name: string): Promise<Application> => {
    const { api } = await connect();
    try {
      return (await api.getNamespacedCustomObject(ref(name))) as Application;
    } catch (error) {
      throw kubeError(NAME, `read application ${opts.namespace}/${name}`, error);
    }
  };

  const flow = createArgoCdFlow(NAME, opts, {
    get: (name) => get(name),
    async writeSpec(name, found, edit, signal) {
      let app = found;
      for (let attempt = 0; ; attempt++) {
        throwIfAborted(NAME, signal);
        // A merge patch replaces lists whole, so the full edited spec goes out; the resourceVersion makes the
        // write conditional (409 when someone wrote in between) while needing only the `patch` verb.
        const body = {
          metadata: { resourceVersion: app.metadata?.resourceVersion },
          spec: edit(app.spec ?? {}),
        };
        try {
          const { api, kube } = await connect();
          await api.patchNamespacedCustomObject(
            { ...ref(name), body, fieldManager: 'wrktalk-agent' },
            kube.setHeaderOptions('Content-Type', kube.PatchStrategy.MergePatch),
          );
          return;
        } catch (error) {
          if (kubeStatus(error) !== 409 || attempt >= opts.conflictRetries) {
            throw kubeError(NAME, `write application ${opts.namespace}/${name}`, error);
          }
          app = await get(name);
        }
      }
    },
    async sync(name, _found, signal) {
      for (let attempt = 0; ; attempt++) {
        throwIfAborted(NAME, signal);
        // Nothing server-side refuses a second operation: check, then patch conditioned on what we checked.
        const app = await get(name);
        if (app.operation != null) return 'in_progress';
        const body = {
          metadata: { resourceVersion: app.metadata?.resourceVersion },
          operation: { initiatedBy: { username: opts.initiatedBy }, sync: { syncStrategy: { hook: {} } } },
        };
        try {
          const { api, kube } = await connect();
          await api.patchNamespacedCustomObject(
            { ...ref(name), body, fieldManager: 'wrktalk-agent' },
            kube.setHeaderOptions('Content-Type', kube.PatchStrategy.MergePatch),
          );
          return 'started';
        } catch (error) {
          if (kubeStatus(error) !== 409 || attempt >= opts.conflictRetries) {
            throw kubeError(NAME, `start sync of ${opts.namespace}/${name}`, error);
          }
        }
      }
    },
  });

  return {
    ...flow,
    async doctor(ctx): Promise<DoctorCheck[]> {
      const name = applicationName(NAME, opts.appName, ctx.clientId);
      const checks: DoctorCheck[] = [];
      try {
        await get(name);
        checks.push({ name: `application ${opts.namespace}/${name}`, ok: true, detail: 'readable' });
      } catch (error) {
        checks.push({
          name: `application ${opts.namespace}/${name}`,
          ok: false,
          code: error instanceof ExecutorError ? error.code : 'api_error',
          detail: error instanceof Error ? error.message : String(error),
        });
      }
      const connected = await connect().catch(() => undefined);
      if (!connected) return checks;
      checks.push(
        await accessCheck(connected.kc, {
          group: GROUP,
          resource: PLURAL,
          verb: 'patch',
          namespace: opts.namespace,
          name,
        }),
      );
      return checks;
    },
  };
}
