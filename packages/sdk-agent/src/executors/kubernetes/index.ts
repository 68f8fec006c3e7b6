import type { AppsV1Api, KubeConfig, V1Deployment } from '@kubernetes/client-node';
import {
  type CurrentState,
  componentsOf,
  type DoctorCheck,
  deployedVersion,
  type Executor,
  type ExecutorContext,
  ExecutorError,
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
import { partialRevertError } from '../shared/set';
import { assertSafeVersion, imageVersion, withVersion } from '../shared/version';
import { compileKubernetesOptions, type KubernetesExecutorOptions } from './options';

export type { DeploymentTarget, KubernetesExecutorOptions } from './options';
export { compileKubernetesOptions } from './options';

const NAME = 'kubernetes';

/**
 * Updates plain Kubernetes Deployments (no Argo CD): a strategic merge patch sets each component's container image
 * (containers are matched by name, as `kubectl set image` does), then the rollouts are awaited exactly as
 * `kubectl rollout status` defines it; ProgressDeadlineExceeded is a failure. Only the tag changes: the image
 * repository stays what the cluster runs. A release set patches every component's Deployment first, then waits
 * for all their rollouts; its revert patches them all back. Kubernetes has no transaction over several objects, so
 * a failed patch midway leaves the earlier ones changed: the agent then reverts the whole set.
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
  /** Image before our patch, per task and component, for revert when the GCC does not know the previous version. */
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

  /** Moves each `[component, version]` to its version: every Deployment patched before any rollout is awaited. */
  const setVersions = async (
    taskId: string,
    moves: readonly { component: string; version: string }[],
    ctx: ExecutorContext,
  ) => {
    for (const m of moves) assertSafeVersion(NAME, m.version);
    const targets = await Promise.all(moves.map((m) => target(m.component)));
    for (const [i, m] of moves.entries()) {
      const t = targets[i]!;
      const current = containerImage(await read(t), t);
      const image = withVersion(current, m.version);
      if (image === current) {
        ctx.log(`${t.namespace}/${t.name}: ${t.container} already runs ${image}`);
        continue;
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
      const key = `${taskId}/${m.component}`;
      if (!previousImages.has(key)) previousImages.set(key, current);
      ctx.log(`${t.namespace}/${t.name}: ${t.container} ${current} -> ${image}`);
    }
  };

  return {
    name: NAME,
    async current(instruction): Promise<CurrentState> {
      const set = componentsOf(instruction);
      const images = await Promise.all(
        set.map(async (c) => {
          const t = await target(c.component);
          return { t, image: containerImage(await read(t), t) };
        }),
      );
      const versions = Object.fromEntries(set.map((c, i) => [c.component, imageVersion(images[i]!.image)]));
      return {
        version: versions[set[0]!.component] ?? null,
        versions,
        detail: images.map(({ t, image }) => `${t.namespace}/${t.name} ${t.container}: ${image}`).join('; '),
      };
    },
    // By digest (`repo@sha256:…`) when the release pinned one, else by tag.
    apply: async (instruction, ctx) =>
      setVersions(
        instruction.taskId,
        componentsOf(instruction).map((c) => ({ component: c.component, version: deployedVersion(c) })),
        ctx,
      ),
    async verify(instruction, ctx): Promise<VerifyResult> {
      const set = componentsOf(instruction);
      const many = set.length > 1;
      const watched = await Promise.all(
        set.map(async (c) => {
          const version = deployedVersion(c);
          assertSafeVersion(NAME, version);
          return { component: c.component, version, t: await target(c.component) };
        }),
      );
      const named = (component: string, message: string) => (many ? `${component}: ${message}` : message);
      const deadline = Date.now() + instruction.verifyTimeoutSeconds * 1000;
      let last = '';
      for (;;) {
        // Every rollout is read each round; the first failure decides (the agent then reverts the whole set).
        const pending: string[] = [];
        for (const w of watched) {
          const deployment = await read(w.t);
          const image = containerImage(deployment, w.t);
          if (imageVersion(image) !== w.version) {
            return {
              healthy: false,
              message: named(w.component, `${w.t.namespace}/${w.t.name} runs ${image}, not ${w.version}`),
            };
          }
          const verdict = evaluateRollout(deployment);
          if (verdict.state === 'failed')
            return { healthy: false, message: named(w.component, verdict.message) };
          if (verdict.state === 'pending') pending.push(named(w.component, verdict.message));
          else if (!many) return { healthy: true, message: verdict.message };
        }
        if (pending.length === 0) {
          return {
            healthy: true,
            message: `${watched.length} deployments successfully rolled out (${watched.map((w) => w.t.name).join(', ')})`,
          };
        }
        const message = pending.join('; ');
        if (Date.now() >= deadline) return { healthy: false, message: `timed out: ${message}` };
        if (message !== last) ctx.log(message);
        last = message;
        await sleep(NAME, opts.pollIntervalMs, ctx.signal);
      }
    },
    async revert(instruction, ctx) {
      const set = componentsOf(instruction);
      const moves = set.flatMap((c) => {
        const previous =
          c.previousVersion ?? imageVersion(previousImages.get(`${instruction.taskId}/${c.component}`) ?? '');
        return previous ? [{ component: c.component, version: previous }] : [];
      });
      if (moves.length === 0) {
        throw new ExecutorError({
          executor: NAME,
          code: 'invalid_config',
          message: 'no previous version to revert to',
        });
      }
      await setVersions(instruction.taskId, moves, ctx);
      const missing = set
        .filter((c) => !moves.some((m) => m.component === c.component))
        .map((c) => c.component);
      if (missing.length > 0)
        throw partialRevertError(
          NAME,
          missing,
          moves.map((m) => m.component),
        );
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
