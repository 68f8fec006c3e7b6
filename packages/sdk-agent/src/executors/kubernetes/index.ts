import type { AppsV1Api, KubeConfig, V1Deployment } from '@kubernetes/client-node';
import {
  type CurrentState,
  type DoctorCheck,
  deployedVersion,
  type Executor,
  type ExecutorContext,
  ExecutorError,
  type UpdateInstruction,
  type VerifyResult,
} from '../../executor';
import { sleep, throwIfAborted } from '../shared/abort';
import {
  accessCheck,
  contextNamespace,
  type KubeModule,
  kubeError,
  loadKube,
  resolveKubeConfig,
} from '../shared/kube';
import { lookupComponent } from '../shared/options';
import { evaluateRollout } from '../shared/rollout';
import { assertSafeVersion, imageVersion, withVersion } from '../shared/version';
import { compileKubernetesOptions, type KubernetesExecutorOptions } from './options';

export type { DeploymentTarget, KubernetesExecutorOptions } from './options';
export { compileKubernetesOptions } from './options';

const NAME = 'kubernetes';

/**
 * Updates a plain Kubernetes Deployment (no Argo CD): a strategic merge patch sets the component's container image
 * (containers are matched by name, as `kubectl set image` does), then the rollout is awaited exactly as
 * `kubectl rollout status` defines it; ProgressDeadlineExceeded is a failure. Only the tag changes: the image
 * repository stays what the cluster runs.
 */
export function createKubernetesExecutor(options: KubernetesExecutorOptions = {}): Executor {
  const opts = compileKubernetesOptions(options);
  let clients: Promise<{ kube: KubeModule; kc: KubeConfig; apps: AppsV1Api; namespace: string }> | undefined;
  const connect = () => {
    clients ??= (async () => {
      const kube = await loadKube();
      const kc = await resolveKubeConfig(NAME, options.kubeConfig);
      const namespace = opts.namespace ?? contextNamespace(kc) ?? 'default';
      return { kube, kc, apps: kc.makeApiClient(kube.AppsV1Api), namespace };
    })();
    clients.catch(() => {
      clients = undefined;
    });
    return clients;
  };
  /** Image before our patch, per task, for revert when the GCC does not know the previous version. */
  const previousImages = new Map<string, string>();

  type Target = { name: string; namespace: string; container: string };
  const target = async (component: string): Promise<Target> => {
    const t = lookupComponent(NAME, opts.components, component);
    return { ...t, namespace: t.namespace ?? (await connect()).namespace };
  };

  const read = async (t: Target): Promise<V1Deployment> => {
    const { apps } = await connect();
    try {
      return await apps.readNamespacedDeployment({ name: t.name, namespace: t.namespace });
    } catch (error) {
      throw kubeError(NAME, `read deployment ${t.namespace}/${t.name}`, error);
    }
  };

  const containerImage = (deployment: V1Deployment, t: Target): string => {
    const image = deployment.spec?.template.spec?.containers.find((c) => c.name === t.container)?.image;
    if (!image) {
      throw new ExecutorError({
        executor: NAME,
        code: 'invalid_config',
        message: `deployment ${t.namespace}/${t.name} has no container ${JSON.stringify(t.container)}`,
      });
    }
    return image;
  };

  const setVersion = async (instruction: UpdateInstruction, version: string, ctx: ExecutorContext) => {
    assertSafeVersion(NAME, version);
    const t = await target(instruction.component);
    const current = containerImage(await read(t), t);
    const image = withVersion(current, version);
    if (image === current) {
      ctx.log(`${t.namespace}/${t.name}: ${t.container} already runs ${image}`);
      return;
    }
    throwIfAborted(NAME, ctx.signal);
    const body = { spec: { template: { spec: { containers: [{ name: t.container, image }] } } } };
    const { apps, kube } = await connect();
    try {
      await apps.patchNamespacedDeployment(
        { name: t.name, namespace: t.namespace, body, fieldManager: 'wrktalk-agent' },
        kube.setHeaderOptions('Content-Type', kube.PatchStrategy.StrategicMergePatch),
      );
    } catch (error) {
      throw kubeError(NAME, `patch deployment ${t.namespace}/${t.name}`, error);
    }
    if (!previousImages.has(instruction.taskId)) previousImages.set(instruction.taskId, current);
    ctx.log(`${t.namespace}/${t.name}: ${t.container} ${current} -> ${image}`);
  };

  return {
    name: NAME,
    async current(instruction): Promise<CurrentState> {
      const t = await target(instruction.component);
      const image = containerImage(await read(t), t);
      return { version: imageVersion(image), detail: `${t.namespace}/${t.name} ${t.container}: ${image}` };
    },
    // By digest (`repo@sha256:…`) when the release pinned one, else by tag.
    apply: (instruction, ctx) => setVersion(instruction, deployedVersion(instruction), ctx),
    async verify(instruction, ctx): Promise<VerifyResult> {
      const version = deployedVersion(instruction);
      assertSafeVersion(NAME, version);
      const t = await target(instruction.component);
      const deadline = Date.now() + instruction.verifyTimeoutSeconds * 1000;
      let last = '';
      for (;;) {
        const deployment = await read(t);
        const image = containerImage(deployment, t);
        if (imageVersion(image) !== version) {
          return {
            healthy: false,
            message: `${t.namespace}/${t.name} runs ${image}, not ${version}`,
          };
        }
        const verdict = evaluateRollout(deployment);
        if (verdict.state === 'healthy') return { healthy: true, message: verdict.message };
        if (verdict.state === 'failed') return { healthy: false, message: verdict.message };
        if (Date.now() >= deadline) return { healthy: false, message: `timed out: ${verdict.message}` };
        if (verdict.message !== last) ctx.log(verdict.message);
        last = verdict.message;
        await sleep(NAME, opts.pollIntervalMs, ctx.signal);
      }
    },
    async revert(instruction, ctx) {
      const previous =
        instruction.previousVersion ?? imageVersion(previousImages.get(instruction.taskId) ?? '');
      if (!previous) {
        throw new ExecutorError({
          executor: NAME,
          code: 'invalid_config',
          message: 'no previous version to revert to',
        });
      }
      await setVersion(instruction, previous, ctx);
    },
    async doctor(): Promise<DoctorCheck[]> {
      const checks: DoctorCheck[] = [];
      let kc: KubeConfig;
      try {
        kc = (await connect()).kc;
      } catch (error) {
        const code = error instanceof ExecutorError ? error.code : 'invalid_config';
        return [
          {
            name: 'Kubernetes access',
            ok: false,
            code,
            detail: error instanceof Error ? error.message : String(error),
          },
        ];
      }
      for (const component of Object.keys(opts.components)) {
        const t = await target(component);
        try {
          const image = containerImage(await read(t), t);
          checks.push({
            name: `deployment ${t.namespace}/${t.name}`,
            ok: true,
            detail: `${t.container} runs ${image}`,
          });
        } catch (error) {
          checks.push({
            name: `deployment ${t.namespace}/${t.name}`,
            ok: false,
            code: error instanceof ExecutorError ? error.code : 'api_error',
            detail: error instanceof Error ? error.message : String(error),
          });
        }
        checks.push(
          await accessCheck(kc, {
            group: 'apps',
            resource: 'deployments',
            verb: 'patch',
            namespace: t.namespace,
            name: t.name,
          }),
        );
      }
      return checks;
    },
  };
}
