/**
 * The agent chart (deploy/agent): its values schema against the agent's own configuration rules (imported from
 * reference/agent-node, so a renamed variable or executor fails here), every executor's rendering validated as
 * Kubernetes objects, and the chart against the raw least-privilege manifests in reference/agent-node/deploy: the
 * two must not disagree on RBAC, security context, resources, probes, args, volumes or what the environment means.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { type AgentConfig, EXECUTOR_NAMES, loadConfig } from '../../reference/agent-node/src/config';
import {
  ChartRenderError,
  canRenderCharts,
  chartRenderBinary,
  DEPLOY_DIR,
  find,
  helmNotes,
  type K8sObject,
  mergeValues as merge,
  overlayProblems,
  REPO_DIR,
  type RenderOptions,
  renderObjects,
} from './helpers/chart-render';
import { validateK8s } from './helpers/k8s-schemas';

const CHART = join(DEPLOY_DIR, 'agent');
const RAW_DIR = join(REPO_DIR, 'reference/agent-node/deploy');
const chartValues = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as K8sObject;
const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as K8sObject;

/** The executors the chart offers: every one the agent has, except the in-memory fake. */
const CHART_EXECUTORS = EXECUTOR_NAMES.filter((n) => n !== 'fake');
type ChartExecutor = (typeof CHART_EXECUTORS)[number];

const PER_CLIENT = { clientId: 'acme', gccUrl: 'https://gcc.wrktalk.com' };

/** Values each executor needs beyond the per-client three (argocd-api: its server and token Secret; the Docker
 *  executors: their variables, which this chart passes only through extraEnv). */
const EXECUTOR_EXTRAS: Record<ChartExecutor, K8sObject> = {
  'argocd-k8s': {},
  'argocd-api': {
    argocd: { server: 'https://argocd-server.argocd.svc', authToken: { existingSecret: 'argocd-api-token' } },
  },
  'argocd-cli': {},
  kubernetes: {},
  'docker-compose': { extraEnv: [{ name: 'COMPOSE_FILE', value: '/opt/wrktalk/compose.yaml' }] },
  watchtower: {
    extraEnv: [
      { name: 'WATCHTOWER_TOKEN', value: 'wt-token' },
      { name: 'WATCHTOWER_IMAGE_BACKEND', value: 'registry.wrktalk.com/wrktalk/backend' },
      { name: 'WATCHTOWER_IMAGE_MEDIA', value: 'registry.wrktalk.com/wrktalk/media' },
      { name: 'WATCHTOWER_IMAGE_CT', value: 'registry.wrktalk.com/wrktalk/ct' },
    ],
  },
};

/** Schema problems of values.yaml overlaid with `values` (the schema is checked without rendering, no Go needed). */
const problems = (values: K8sObject) => overlayProblems(CHART, values);

/** The agent's verdict on the same value (its own zod rules), given a valid rest of the environment. */
function agentAccepts(env: Record<string, string>): boolean {
  try {
    loadConfig({
      GCC_URL: 'https://gcc.wrktalk.com',
      CLIENT_ID: 'acme',
      AGENT_TOKEN: 't',
      EXECUTOR: 'argocd-k8s',
      ...env,
    });
    return true;
  } catch {
    return false;
  }
}

const release = (extra: Partial<RenderOptions> = {}): RenderOptions => ({
  release: 'wrktalk-agent',
  namespace: 'wrktalk-agent',
  ...extra,
});

/** Renders the chart for an executor (with what it needs) and validates every object against its schema. */
function render(
  executor: ChartExecutor,
  values: K8sObject = {},
  o: Partial<RenderOptions> = {},
): K8sObject[] {
  const objects = renderObjects(
    CHART,
    release({ values: merge(merge({ ...PER_CLIENT, executor }, EXECUTOR_EXTRAS[executor]), values), ...o }),
  );
  for (const object of objects) validateK8s(object);
  return objects;
}

const container = (objects: K8sObject[]) => find(objects, 'Deployment').spec.template.spec.containers[0];

/** The environment a container gets: secretKeyRef resolved to a recognisable stand-in for the Secret's value. */
function resolveEnv(env: K8sObject[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const ref = e.valueFrom?.secretKeyRef;
    out[e.name] = ref ? `secret:${ref.name}/${ref.key}` : e.value;
  }
  return out;
}

/** The raw manifests, as `kubectl apply -k` reads them (the files kustomization.yaml lists, in order). */
function rawObjects(): K8sObject[] {
  const kustomization = parse(readFileSync(join(RAW_DIR, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
  };
  return kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(RAW_DIR, file), 'utf8')).map((d) => d.toJS() as K8sObject),
  );
}

describe('Chart.yaml and values.yaml', () => {
  const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as K8sObject;
  const agentPkg = JSON.parse(readFileSync(join(REPO_DIR, 'reference/agent-node/package.json'), 'utf8'));

  it("is wrktalk-agent 0.1.0 (apiVersion v2) whose appVersion is the reference agent's version", () => {
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'wrktalk-agent', version: '0.1.0' });
    expect(chart.appVersion).toBe(agentPkg.version);
    expect(chart.dependencies).toBeUndefined();
  });

  it('leaves the per-client values empty in the one shared values.yaml, and the token out of it', () => {
    expect(chartValues.clientId).toBe('');
    expect(chartValues.gccUrl).toBe('');
    expect(chartValues.executor).toBe('');
    expect(chartValues.token).toEqual({
      existingSecret: 'wrktalk-agent-token',
      key: 'AGENT_TOKEN',
      value: '',
    });
  });

  it('has the value names the client onboarding chart (deploy/client) sets', () => {
    for (const path of ['clientId', 'gccUrl', 'executor', 'argocd.application', 'workloadNamespace']) {
      const parts = path.split('.');
      const value = parts.reduce<K8sObject | undefined>((o, p) => o?.[p], chartValues);
      expect(value, path).toBeDefined();
      const property = parts.reduce<K8sObject | undefined>((s, p) => s?.properties?.[p], schema);
      expect(property, `schema: ${path}`).toBeDefined();
    }
    expect(chartValues.argocd).toMatchObject({ application: '', namespace: 'argocd' });
    expect(chartValues.workloadNamespace).toBe('wrktalk');
  });
});

describe('values.schema.json', () => {
  const valid = { ...PER_CLIENT, executor: 'argocd-k8s' };

  it("offers exactly the agent's executors except fake (EXECUTOR_NAMES, imported)", () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.properties.executor.enum).toEqual(CHART_EXECUTORS);
    expect(schema.properties.executor.enum).not.toContain('fake');
    expect(problems(valid)).toEqual([]);
    for (const executor of CHART_EXECUTORS) {
      expect(problems({ ...valid, executor, ...EXECUTOR_EXTRAS[executor] }), executor).toEqual([]);
    }
  });

  it('refuses a missing or unknown executor', () => {
    expect(problems({ ...PER_CLIENT })).not.toEqual([]); // values.yaml's "" is not an executor
    for (const executor of ['fake', 'argocd', 'ArgoCD-k8s', 'helm']) {
      expect(problems({ ...valid, executor }), executor).not.toEqual([]);
    }
  });

  it("takes a clientId exactly when the agent's CLIENT_ID rule does (a DNS label)", () => {
    const ids = [
      'acme',
      'adani-prod',
      'a',
      '0',
      'a'.repeat(63),
      'a'.repeat(64),
      'Acme',
      'acme_prod',
      '-acme',
      'acme-',
      'ac me',
      '',
    ];
    for (const clientId of ids) {
      const schemaSays = problems({ ...valid, clientId }).length === 0;
      expect(schemaSays, JSON.stringify(clientId)).toBe(agentAccepts({ CLIENT_ID: clientId }));
    }
    expect(problems({ ...valid, clientId: 'acme' })).toEqual([]);
    expect(problems({ ...valid, clientId: 'Acme' })).not.toEqual([]);
  });

  it('takes an https GCC URL, http only to a host that stays on the machine or in the cluster', () => {
    const accepted = [
      'https://gcc.wrktalk.com',
      'https://gcc.wrktalk.com:8443',
      'https://gcc.wrktalk.com/base/path',
      'https://10.0.0.5',
      'http://localhost:8080',
      'http://127.0.0.1:9090',
      'http://[::1]:9090',
      'http://host.minikube.internal:9090',
      'http://wrktalk-gcc.wrktalk-gcc.svc:8080',
      'http://wrktalk-gcc.wrktalk-gcc.svc.cluster.local',
    ];
    const refused = [
      '',
      'gcc.wrktalk.com',
      'http://gcc.wrktalk.com',
      'http://gcc.svc.attacker.example',
      'ftp://gcc.wrktalk.com',
      'https://',
      'https://gcc.wrktalk.com x',
      'https://gcc.wrktalk.com?token=1',
      'HTTPS://gcc.wrktalk.com',
    ];
    for (const gccUrl of accepted) {
      expect(problems({ ...valid, gccUrl }), gccUrl).toEqual([]);
      // Never stricter than the agent: every URL the chart takes, the agent takes.
      expect(agentAccepts({ GCC_URL: gccUrl }), gccUrl).toBe(true);
    }
    for (const gccUrl of refused) expect(problems({ ...valid, gccUrl }), gccUrl).not.toEqual([]);
  });

  it('refuses typos, chart-managed variables in extraEnv, and argocd-api without its server and token', () => {
    expect(problems({ ...valid, clientID: 'acme' })).not.toEqual([]);
    expect(problems({ ...valid, argocd: { namespace: 'Argo CD' } })).not.toEqual([]);
    expect(problems({ ...valid, workloadNamespace: 'wrktalk_acme' })).not.toEqual([]);
    expect(problems({ ...valid, allowedRegistries: [] })).not.toEqual([]);
    expect(problems({ ...valid, allowedRegistries: ['a/,b/'] })).not.toEqual([]);
    expect(problems({ ...valid, image: { tag: 'v1 ; rm' } })).not.toEqual([]);
    expect(problems({ ...valid, token: { value: 'a\nb' } })).not.toEqual([]);
    expect(problems({ ...valid, extraEnv: [{ name: 'LOG_LEVEL', value: 'debug' }] })).toEqual([]);
    for (const name of ['CLIENT_ID', 'AGENT_TOKEN', 'EXECUTOR', 'KUBE_NAMESPACE']) {
      expect(problems({ ...valid, extraEnv: [{ name, value: 'x' }] }), name).not.toEqual([]);
    }
    expect(problems({ ...valid, executor: 'argocd-api' })).not.toEqual([]);
    expect(
      problems({ ...valid, executor: 'argocd-api', argocd: { server: 'https://argocd.acme.internal' } }),
    ).not.toEqual([]);
    expect(problems({ ...valid, executor: 'argocd-api', ...EXECUTOR_EXTRAS['argocd-api'] })).toEqual([]);
  });
});

// The renders need deploy/tools/chart-render, built with Go and Debian's sprig/yaml.v3 Go libraries (no helm binary
// can be installed here); skipped only where those are missing. .ci/run installs them.
describe.skipIf(!canRenderCharts())('rendered chart', () => {
  // Built once, in a hook (120 s), not inside the first test (a cold Go build takes longer than a test's time).
  beforeAll(() => {
    chartRenderBinary();
  });
  it('fails the render the way helm does when a per-client value is missing or invalid', () => {
    const bad: K8sObject[] = [
      { gccUrl: 'https://gcc.wrktalk.com', executor: 'argocd-k8s' },
      { clientId: 'Acme', gccUrl: 'https://gcc.wrktalk.com', executor: 'argocd-k8s' },
      { clientId: 'acme', gccUrl: 'gcc.wrktalk.com', executor: 'argocd-k8s' },
      { clientId: 'acme', gccUrl: 'https://gcc.wrktalk.com', executor: 'fake' },
    ];
    for (const values of bad) {
      expect(() => renderObjects(CHART, release({ values })), JSON.stringify(values)).toThrow(
        ChartRenderError,
      );
    }
    expect(() =>
      renderObjects(
        CHART,
        release({ set: { clientId: 'acme', gccUrl: 'https://gcc.wrktalk.com', executor: 'argocd-k8s' } }),
      ),
    ).not.toThrow();
  });

  it.each(CHART_EXECUTORS)(
    '%s: valid objects; one non-root, read-only, Recreate agent; RBAC only where needed',
    (executor) => {
      const objects = render(executor);
      const kinds = objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort();
      const expected = [
        'Deployment/wrktalk-agent/wrktalk-agent',
        'ServiceAccount/wrktalk-agent/wrktalk-agent',
      ];
      if (executor === 'argocd-k8s')
        expected.push('Role/argocd/wrktalk-agent-argocd', 'RoleBinding/argocd/wrktalk-agent-argocd');
      if (executor === 'kubernetes')
        expected.push('Role/wrktalk/wrktalk-agent-workloads', 'RoleBinding/wrktalk/wrktalk-agent-workloads');
      expect(kinds).toEqual(expected.sort());
      const usesKubeApi = executor === 'argocd-k8s' || executor === 'kubernetes';
      expect(find(objects, 'ServiceAccount').automountServiceAccountToken).toBe(usesKubeApi);

      const dep = find(objects, 'Deployment');
      expect(dep.spec.replicas).toBe(1);
      expect(dep.spec.strategy).toEqual({ type: 'Recreate' });
      expect(dep.spec.template.metadata.labels).toMatchObject(dep.spec.selector.matchLabels);
      expect(dep.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      expect(dep.spec.template.spec.serviceAccountName).toBe('wrktalk-agent');
      const c = container(objects);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(c.image).toBe('registry.wrktalk.com/wrktalk-agent:0.1.0');
      expect(resolveEnv(c.env).EXECUTOR).toBe(executor);
      for (const o of objects) expect(o.metadata.labels['wrktalk.com/client']).toBe('acme');
      expect(objects.some((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toBe(false);
    },
  );

  it('puts the Roles in argocd.namespace and workloadNamespace, bound to the release namespace', () => {
    const argo = render('argocd-k8s', { argocd: { namespace: 'argo-system' } }, { namespace: 'agents' });
    expect(find(argo, 'Role').metadata.namespace).toBe('argo-system');
    expect(find(argo, 'RoleBinding').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'wrktalk-agent', namespace: 'agents' },
    ]);
    const kube = render('kubernetes', { workloadNamespace: 'acme-apps' });
    expect(find(kube, 'Role').metadata.namespace).toBe('acme-apps');
    expect(find(kube, 'RoleBinding').metadata.namespace).toBe('acme-apps');
  });

  describe("every variable the chart sets is one the agent reads (the agent's own loadConfig)", () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    // Non-default values everywhere, so that a variable the agent no longer reads changes the outcome.
    const values = {
      clientId: 'acme-prod',
      gccUrl: 'https://gcc.example.org:8443',
      argocd: { application: 'acme-wrktalk', namespace: 'argo-system' },
      workloadNamespace: 'acme-apps',
      allowedRegistries: ['registry.wrktalk.com/', 'mirror.acme.internal/wrktalk/'],
      signing: { publicKey: pem },
    };

    it.each(CHART_EXECUTORS)('%s', (executor) => {
      const env = resolveEnv(container(render(executor, values)).env);
      const config: AgentConfig = loadConfig(env);
      expect(config).toMatchObject({
        GCC_URL: 'https://gcc.example.org:8443',
        CLIENT_ID: 'acme-prod',
        AGENT_TOKEN: 'secret:wrktalk-agent-token/AGENT_TOKEN',
        EXECUTOR: executor,
        STATE_FILE: '/var/lib/wrktalk-agent/state.json',
        ALLOWED_REGISTRIES: ['registry.wrktalk.com/', 'mirror.acme.internal/wrktalk/'],
      });
      expect(config.TRUSTED_KEYS).toEqual([pem]);
      if (config.EXECUTOR === 'argocd-k8s')
        expect(config.executorOptions).toMatchObject({ appName: 'acme-wrktalk', namespace: 'argo-system' });
      if (config.EXECUTOR === 'argocd-api')
        expect(config.executorOptions).toMatchObject({
          appName: 'acme-wrktalk',
          baseUrl: 'https://argocd-server.argocd.svc',
          token: 'secret:argocd-api-token/ARGOCD_AUTH_TOKEN',
        });
      if (config.EXECUTOR === 'argocd-cli') expect(config.executorOptions.appName).toBe('acme-wrktalk');
      if (config.EXECUTOR === 'kubernetes') expect(config.executorOptions.namespace).toBe('acme-apps');
      if (config.EXECUTOR === 'docker-compose')
        expect(config.executorOptions.file).toBe('/opt/wrktalk/compose.yaml');

      // Each variable matters: without it (STATE_FILE: with another value, as the chart's equals the default) the
      // agent's configuration differs or is refused.
      const before = JSON.stringify(config);
      for (const name of Object.keys(env)) {
        const changed = { ...env };
        if (name === 'STATE_FILE') changed[name] = '/var/lib/wrktalk-agent/other.json';
        else delete changed[name];
        let after: string;
        try {
          after = JSON.stringify(loadConfig(changed));
        } catch {
          after = 'refused';
        }
        expect(after, `${name} is not read by the agent`).not.toBe(before);
      }
    });
  });

  it('uses wrktalk-<clientId> as the Argo CD Application unless argocd.application is set', () => {
    const env = (v: K8sObject) => resolveEnv(container(render('argocd-k8s', v)).env);
    expect(env({}).ARGOCD_APP_NAME).toBe('wrktalk-acme');
    expect(env({ clientId: 'globex' }).ARGOCD_APP_NAME).toBe('wrktalk-globex');
    expect(env({ argocd: { application: 'globex-chat' } }).ARGOCD_APP_NAME).toBe('globex-chat');
    expect(resolveEnv(container(render('kubernetes')).env).ARGOCD_APP_NAME).toBeUndefined();
  });

  it('renders the token Secret only from token.value, and restarts the agent when it changes', () => {
    expect(render('argocd-k8s').some((o) => o.kind === 'Secret')).toBe(false);
    const a = render('argocd-k8s', { token: { value: 'tok-1' } });
    const secret = find(a, 'Secret', 'wrktalk-agent-token');
    expect(secret.stringData).toEqual({ AGENT_TOKEN: 'tok-1' });
    const b = render('argocd-k8s', { token: { value: 'tok-2' } });
    const annotation = (o: K8sObject[]) =>
      find(o, 'Deployment').spec.template.metadata.annotations['checksum/token'];
    expect(annotation(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(annotation(a)).not.toBe(annotation(b));
  });

  it('keeps the state on an emptyDir by default, on a PVC (new or existing) when asked', () => {
    const volume = (o: K8sObject[]) =>
      find(o, 'Deployment').spec.template.spec.volumes.find((v: K8sObject) => v.name === 'state');
    expect(volume(render('argocd-k8s'))).toEqual({ name: 'state', emptyDir: {} });
    const pvc = render('argocd-k8s', {
      state: { persistence: { enabled: true, storageClass: 'fast', size: '128Mi' } },
    });
    expect(find(pvc, 'PersistentVolumeClaim', 'wrktalk-agent-state').spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '128Mi' } },
    });
    expect(volume(pvc).persistentVolumeClaim).toEqual({ claimName: 'wrktalk-agent-state' });
    const existing = render('argocd-k8s', {
      state: { persistence: { enabled: true, existingClaim: 'agent-data' } },
    });
    expect(existing.some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);
    expect(volume(existing).persistentVolumeClaim).toEqual({ claimName: 'agent-data' });
  });

  it('appends extraEnv after its own variables, and takes image, resources and pull secrets from values', () => {
    const objects = render('argocd-k8s', {
      extraEnv: [{ name: 'LOG_LEVEL', value: 'debug' }],
      image: { repository: 'mirror.acme.internal/wrktalk-agent', tag: '0.2.0' },
      imagePullSecrets: [{ name: 'wrktalk-registry' }],
      resources: { limits: { memory: '256Mi' } },
    });
    const c = container(objects);
    expect(c.env.at(-1)).toEqual({ name: 'LOG_LEVEL', value: 'debug' });
    expect(c.image).toBe('mirror.acme.internal/wrktalk-agent:0.2.0');
    expect(c.resources.limits).toEqual({ cpu: '200m', memory: '256Mi' });
    expect(find(objects, 'Deployment').spec.template.spec.imagePullSecrets).toEqual([
      { name: 'wrktalk-registry' },
    ]);
  });

  it('NOTES tell how to create the token Secret and warn when offers are not verified', () => {
    const notes = helmNotes(CHART, release({ values: { ...PER_CLIENT, executor: 'argocd-k8s' } }));
    expect(notes).toContain(
      'kubectl -n wrktalk-agent create secret generic wrktalk-agent-token --from-literal=AGENT_TOKEN=...',
    );
    expect(notes).toContain('Application wrktalk-acme in namespace argocd');
    expect(notes).toMatch(/WARNING: signing\.publicKey is empty/);
    const signed = helmNotes(
      CHART,
      release({
        values: { ...PER_CLIENT, executor: 'kubernetes', signing: { publicKey: 'x' }, token: { value: 't' } },
      }),
    );
    expect(signed).not.toMatch(/signing\.publicKey is empty/);
    expect(signed).not.toContain('create secret');
    expect(signed).toContain('Deployments in namespace wrktalk');
  });

  it("the README's install command renders, with exactly the per-client values it sets", () => {
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('helm upgrade --install wrktalk-agent'));
    expect(line).toBe(
      'helm upgrade --install wrktalk-agent ./deploy/agent -n wrktalk-agent --create-namespace --set clientId=acme --set gccUrl=https://gcc.wrktalk.com --set executor=argocd-k8s',
    );
    expect(readme).toContain(
      'kubectl -n wrktalk-agent create secret generic wrktalk-agent-token --from-literal=AGENT_TOKEN=...',
    );
    const words = line!.split(' ');
    const set = Object.fromEntries(
      words.flatMap((w, i) => (words[i - 1] === '--set' ? [w.split('=') as [string, string]] : [])),
    );
    const objects = renderObjects(CHART, release({ release: words[3]!, namespace: words[6]!, set }));
    for (const o of objects) validateK8s(o);
    expect(resolveEnv(container(objects).env)).toMatchObject({
      CLIENT_ID: 'acme',
      GCC_URL: 'https://gcc.wrktalk.com',
      EXECUTOR: 'argocd-k8s',
    });
  });

  describe('agrees with the raw manifests in reference/agent-node/deploy', () => {
    const raw = rawObjects();
    const rawDep = find(raw, 'Deployment');
    const rawContainer = rawDep.spec.template.spec.containers[0];
    const rawEnv = resolveEnv(rawContainer.env);
    // The raw file's placeholder is not a valid id; the same id on both sides.
    const clientId = 'acme';
    const rawExecutor = rawEnv.EXECUTOR as ChartExecutor;
    const [repository, tag] = (rawContainer.image as string).split(/:(?=[^:/]+$)/);
    /** The chart's values that describe the raw install, read from the raw manifests themselves. */
    const asRaw = (executor: ChartExecutor) =>
      render(
        executor,
        {
          clientId,
          gccUrl: rawEnv.GCC_URL,
          allowedRegistries: rawEnv.ALLOWED_REGISTRIES!.split(','),
          image: { repository, tag },
        },
        { release: rawDep.metadata.name, namespace: rawDep.metadata.namespace },
      );

    it('is the raw install read from kustomization.yaml (the sanity of what follows)', () => {
      expect(rawExecutor).toBe('argocd-k8s');
      expect(raw.map((o) => o.kind).sort()).toEqual([
        'Deployment',
        'Namespace',
        'Role',
        'Role',
        'RoleBinding',
        'RoleBinding',
        'Secret',
        'ServiceAccount',
      ]);
      for (const o of raw) validateK8s(o);
    });

    it('the same Roles and RoleBindings (names, namespaces, rules, subjects): argocd-k8s and kubernetes each get theirs', () => {
      const rbac = (objects: K8sObject[]) =>
        objects
          .filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding')
          .map((o) => ({
            kind: o.kind,
            name: o.metadata.name,
            namespace: o.metadata.namespace,
            rules: o.rules,
            roleRef: o.roleRef,
            subjects: o.subjects,
          }))
          .sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
      // The raw files grant both Roles at once; the chart grants only the chosen executor's, so their union must be
      // the raw set, and the executors without Kubernetes API access get none.
      const union = rbac([...asRaw('argocd-k8s'), ...asRaw('kubernetes')]);
      expect(union).toEqual(rbac(raw));
      expect(rbac(asRaw('argocd-api')).concat(rbac(asRaw('argocd-cli')))).toEqual([]);
    });

    it('the same ServiceAccount and token Secret reference', () => {
      const objects = asRaw(rawExecutor);
      const sa = find(objects, 'ServiceAccount');
      const rawSa = find(raw, 'ServiceAccount');
      expect([sa.metadata.name, sa.metadata.namespace, sa.automountServiceAccountToken]).toEqual([
        rawSa.metadata.name,
        rawSa.metadata.namespace,
        rawSa.automountServiceAccountToken,
      ]);
      const rawSecret = find(raw, 'Secret');
      expect(
        container(objects).env.find((e: K8sObject) => e.name === 'AGENT_TOKEN').valueFrom.secretKeyRef,
      ).toEqual({
        name: rawSecret.metadata.name,
        key: Object.keys(rawSecret.stringData)[0],
      });
      // And rendered from token.value, it is the raw Secret (but the value).
      const secret = find(render(rawExecutor, { token: { value: 'x' } }), 'Secret');
      expect([secret.metadata.name, secret.type, Object.keys(secret.stringData)]).toEqual([
        rawSecret.metadata.name,
        rawSecret.type,
        Object.keys(rawSecret.stringData),
      ]);
    });

    it('the same Deployment: replicas, strategy, pod and container security context, resources, probes, args, volumes', () => {
      /** The spec without what legitimately differs: labels/selector (Helm's), env (compared below), and the
       *  imagePullPolicy the API server would default for a pinned tag anyway. */
      const comparable = (dep: K8sObject) => {
        const spec = structuredClone(dep.spec);
        delete spec.selector;
        delete spec.template.metadata;
        for (const c of spec.template.spec.containers) {
          delete c.env;
          c.imagePullPolicy ??= c.image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
        }
        return spec;
      };
      const dep = find(asRaw(rawExecutor), 'Deployment');
      expect(comparable(dep)).toEqual(comparable(rawDep));
      expect([dep.metadata.name, dep.metadata.namespace]).toEqual([
        rawDep.metadata.name,
        rawDep.metadata.namespace,
      ]);
      // No probes on either side (the agent serves no port): toEqual above would also catch one added to only one.
      expect(
        rawContainer.livenessProbe ?? rawContainer.readinessProbe ?? rawContainer.startupProbe,
      ).toBeUndefined();
    });

    it('an environment that means the same to the agent: every raw variable as is, the rest its defaults', () => {
      const env = find(asRaw(rawExecutor), 'Deployment').spec.template.spec.containers[0].env as K8sObject[];
      for (const e of rawContainer.env as K8sObject[]) {
        const ours = env.find((x) => x.name === e.name);
        expect(ours, e.name).toEqual(e.name === 'CLIENT_ID' ? { ...e, value: clientId } : e);
      }
      // The agent replaces {clientId} in ARGOCD_APP_NAME when it runs (sdk-agent's applicationName); the chart writes
      // the resulting name, so it shows in `kubectl describe`.
      const resolved = (config: AgentConfig) =>
        JSON.parse(JSON.stringify(config).replaceAll('{clientId}', config.CLIENT_ID)) as AgentConfig;
      expect(resolved(loadConfig(resolveEnv(env)))).toEqual(
        resolved(loadConfig({ ...rawEnv, CLIENT_ID: clientId })),
      );
    });
  });
});
