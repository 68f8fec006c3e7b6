/**
 * The GCC chart (deploy/gcc): every object of every configuration validated as Kubernetes (and CloudNativePG,
 * prometheus-operator) objects, and the chart's promises checked on the rendered objects: two or more replicas
 * that the PDB and the Service select, probes on /healthz and /readyz, a read-only non-root container, migrations
 * in a Job (a pre-install/pre-upgrade hook, or a plain Job next to a CloudNativePG cluster) with the Deployment on
 * GCC_MIGRATE=false, DATABASE_URL never inline with credentials, a session-mode pooler, bad values refused with a
 * message. The variables the chart sets are checked against reference/gcc-express's own ENVIRONMENT and loadConfig,
 * so a renamed or newly validated variable fails here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENVIRONMENT, loadConfig } from '../../reference/gcc-express/src/config';
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
  renderObjects,
} from './helpers/chart-render';
import { validateK8s } from './helpers/k8s-schemas';

const CHART = join(DEPLOY_DIR, 'gcc');
const RELEASE = 'wrktalk-gcc';
const NAMESPACE = 'wrktalk-gcc';
const chartValues = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as K8sObject;
const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as K8sObject;

/** Schema problems of values.yaml overlaid with `values` (checked without rendering: no Go needed). */
const problems = (values: K8sObject) => overlayProblems(CHART, values);

const EXISTING = { secrets: { existingSecret: 'wrktalk-gcc-secrets' } };
const TOKENS = { adminToken: 'a'.repeat(32), ciToken: 'c'.repeat(32) };
const SIGNING_PEM = generateSigningKeyPair().privateKeyPem;
/** Every secret given as a value (no existingSecret): the chart renders its own Secret. */
const INLINE = {
  secrets: {
    ...TOKENS,
    databaseUrl: 'postgres://gcc:s3cret-password@db.internal:5432/gcc',
    signingKey: SIGNING_PEM,
  },
};
const CNPG = { postgresql: { mode: 'cloudnative-pg' } };

const render = (values: K8sObject = EXISTING) =>
  renderObjects(CHART, { release: RELEASE, namespace: NAMESPACE, values });
const renderError = (values: K8sObject): string => {
  try {
    render(values);
  } catch (e) {
    if (e instanceof ChartRenderError) return e.message;
    throw e;
  }
  throw new Error('the render succeeded');
};

const deploymentOf = (objects: K8sObject[]) => find(objects, 'Deployment', RELEASE);
const containerOf = (objects: K8sObject[]) => deploymentOf(objects).spec.template.spec.containers[0];
const jobOf = (objects: K8sObject[]) => find(objects, 'Job');
const envOf = (container: K8sObject): Map<string, K8sObject> =>
  new Map((container.env as K8sObject[]).map((e) => [e.name as string, e]));
/** Whether a label selector (matchLabels, and matchExpressions with In) selects these labels. */
function selects(selector: K8sObject, labels: Record<string, string>): boolean {
  const match = selector.matchLabels ?? (selector.matchExpressions ? {} : selector);
  for (const [k, v] of Object.entries(match)) if (labels[k] !== v) return false;
  for (const e of (selector.matchExpressions ?? []) as K8sObject[]) {
    if (e.operator !== 'In' || !(e.values as (string | undefined)[]).includes(labels[e.key])) return false;
  }
  return true;
}

/** The configurations rendered and validated object by object. */
const CONFIGURATIONS: Record<string, K8sObject> = {
  'defaults (existingSecret)': EXISTING,
  'secrets as values': INLINE,
  'cloudnative-pg with the pooler': merge(EXISTING, CNPG),
  'cloudnative-pg without the pooler': merge(EXISTING, {
    postgresql: { mode: 'cloudnative-pg', cloudnativePg: { pooler: { enabled: false } } },
  }),
  'cloudnative-pg, secrets as values': merge(INLINE, CNPG),
  'ingress, HPA, ServiceMonitor on': merge(EXISTING, {
    ingress: { enabled: true, host: 'gcc.wrktalk.com' },
    autoscaling: { enabled: true },
    serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
  }),
  'everything off or optional on': merge(EXISTING, {
    signing: { enabled: false },
    networkPolicy: { enabled: false },
    podDisruptionBudget: { enabled: false },
    podAntiAffinity: 'hard',
    zoneSpread: false,
    preStopSleepSeconds: 0,
    nodeOptions: '',
    argocd: { instancesSecret: 'gcc-argocd-instances' },
    image: { digest: `sha256:${'0'.repeat(64)}` },
    migrations: { strategy: 'job' },
  }),
  'network egress rules': merge(EXISTING, {
    networkPolicy: {
      egress: {
        databaseCidrs: ['10.20.0.0/16'],
        smtp: { enabled: true, cidrs: ['192.0.2.10/32'] },
        https: { enabled: true },
        extra: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 8443, protocol: 'TCP' }] }],
      },
      ingress: { extraFrom: [{ podSelector: { matchLabels: { app: 'probe' } } }] },
    },
  }),
};

describe('deploy/gcc: Chart.yaml and values.schema.json (no rendering)', () => {
  it('is wrktalk-gcc 0.1.0 whose appVersion is the reference gcc-express version', () => {
    const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as K8sObject;
    const gcc = JSON.parse(readFileSync(join(REPO_DIR, 'reference/gcc-express/package.json'), 'utf8'));
    expect(chart).toMatchObject({
      apiVersion: 'v2',
      name: 'wrktalk-gcc',
      version: '0.1.0',
      appVersion: gcc.version,
    });
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(problems({})).toEqual([]);
  });

  it('refuses bad values with the path and the rule', () => {
    const bad: [K8sObject, RegExp][] = [
      [{ replicaCount: 0 }, /\/replicaCount must be >= 1/],
      [{ postgresql: { mode: 'mysql' } }, /\/postgresql\/mode must be equal to one of the allowed values/],
      [{ image: { repository: '' } }, /\/image\/repository must NOT have fewer than 1 characters/],
      [{ image: { digest: 'latest' } }, /\/image\/digest must match pattern/],
      [{ maxSurge: 0 }, /\/maxSurge must be >= 1/],
      [{ replicas: 3 }, /must NOT have additional properties/],
      [{ secrets: { adminToken: 'short' } }, /\/secrets\/adminToken must match pattern/],
      [{ secrets: { databaseUrl: 'mysql://x' } }, /\/secrets\/databaseUrl must match pattern/],
      [{ env: { DATABASE_URL: 'postgres://u:p@h/db' } }, /\/env must be equal to one of the allowed values/],
      [{ env: { GCC_ADMIN_TOKEN: 'x'.repeat(20) } }, /\/env must be equal to one of the allowed values/],
      [{ env: { GCC_MIGRATE: 'true' } }, /\/env must be equal to one of the allowed values/],
      [{ env: { LOG_LEVEL: 'loud' } }, /\/env\/LOG_LEVEL must be equal to one of the allowed values/],
      [{ env: { DATABASE_POOL_SIZE: 'ten' } }, /\/env\/DATABASE_POOL_SIZE must match pattern/],
      [{ migrations: { strategy: 'init-container' } }, /\/migrations\/strategy must be equal to one of/],
      [
        { postgresql: { cloudnativePg: { pooler: { poolMode: 'transaction' } } } },
        /\/postgresql\/cloudnativePg\/pooler\/poolMode must be equal to constant/,
      ],
      [
        { podSecurityContext: { runAsNonRoot: false } },
        /\/podSecurityContext\/runAsNonRoot must be equal to constant/,
      ],
      [
        { securityContext: { readOnlyRootFilesystem: false } },
        /readOnlyRootFilesystem must be equal to constant/,
      ],
      [{ autoscaling: { minReplicas: 0 } }, /\/autoscaling\/minReplicas must be >= 1/],
      [{ ingress: { host: 'Not A Host' } }, /\/ingress\/host must match pattern/],
      [{ networkPolicy: { egress: { databaseCidrs: ['10.0.0.0'] } } }, /databaseCidrs\/0 must match pattern/],
    ];
    for (const [values, message] of bad)
      expect(problems(values).join('\n'), JSON.stringify(values)).toMatch(message);
  });

  it('names only variables the GCC reads, and accounts for every one of them', () => {
    const known = new Set(Object.keys(ENVIRONMENT));
    const configurable = schema.properties.env.propertyNames.enum as string[];
    for (const name of configurable) expect(known, name).toContain(name);
    for (const name of Object.keys(chartValues.env)) expect(configurable, name).toContain(name);
    // Every variable of the GCC is either configurable in `env`, or set by the chart (from a Secret, a mounted
    // file, or fixed), or deliberately left out: a new variable in config.ts must be placed in one of these.
    const setByChart = [
      'DATABASE_URL',
      'GCC_ADMIN_TOKEN',
      'GCC_CI_TOKEN',
      'SMTP_URL',
      'NOTIFY_WEBHOOKS',
      'GCC_SIGNING_KEY_FILE',
      'GCC_ARGOCD_INSTANCES_FILE',
      'GCC_MIGRATE',
      'PORT',
    ];
    const leftOut = {
      GCC_DATA_DIR: 'PGlite only; production uses DATABASE_URL',
      HOST: "the GCC's default (0.0.0.0) is what a pod needs",
      GCC_SIGNING_KEY: 'the key is mounted as a file (GCC_SIGNING_KEY_FILE)',
      GCC_ARGOCD_INSTANCES: 'mounted as a file (GCC_ARGOCD_INSTANCES_FILE): it holds Argo CD tokens',
    };
    expect([...configurable, ...setByChart, ...Object.keys(leftOut)].sort()).toEqual([...known].sort());
  });
});

describe('deploy/gcc/README.md', () => {
  const readme = readFileSync(join(CHART, 'README.md'), 'utf8');

  it('sizes from figures the cited READMEs contain (each value of the sizing table, in its source)', () => {
    const section = readme.slice(readme.indexOf('## Sizing'), readme.indexOf('## Values'));
    const rows = section.split('\n').filter((l) => /^\| [^-\s]/.test(l) && !l.startsWith('| Figure'));
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const row of rows) {
      const [, , value, source] = row.split('|').map((c) => c.trim());
      const file = /`([^`]+README\.md)`/.exec(source!)?.[1] ?? previousSource;
      previousSource = file;
      const text = readFileSync(join(REPO_DIR, file!), 'utf8');
      const figures =
        value!.replace(/\*\*/g, '').match(/\d[\d,.]*(?:–\d[\d,.]*)?(?: ?(?:KB|MB|ms|s)\b)?/g) ?? [];
      expect(figures.length, row).toBeGreaterThan(0);
      for (const f of figures) expect(text, `${f} (${row.slice(0, 60)}…) in ${file}`).toContain(f);
    }
  });
  let previousSource: string | undefined;

  it('documents every top-level value and the install command as a user runs it', () => {
    for (const key of Object.keys(chartValues)) {
      if (key === 'nameOverride' || key === 'fullnameOverride') continue;
      expect(readme, key).toContain(`\`${key}`);
    }
    expect(readme).toContain(
      'helm upgrade --install wrktalk-gcc ./deploy/gcc -n wrktalk-gcc --create-namespace -f my-values.yaml',
    );
    expect(readme).toContain(
      'docker build -f reference/gcc-express/Dockerfile -t registry.wrktalk.com/wrktalk-gcc:0.1.0 .',
    );
  });
});

// Rendering needs Go and Debian's sprig / yaml.v3 packages (deploy/tools/chart-render; no helm binary can be
// installed here). .ci/run installs them, so CI renders; a machine without them skips with this reason.
describe.skipIf(!canRenderCharts())('deploy/gcc rendered (needs Go: deploy/tools/chart-render)', () => {
  // Built once, in a hook (120 s), not inside the first test (a cold Go build takes longer than a test's time).
  beforeAll(() => {
    chartRenderBinary();
  });
  const rendered = new Map<string, K8sObject[]>();
  const objectsOf = (name: string) => {
    if (!rendered.has(name)) rendered.set(name, render(CONFIGURATIONS[name]));
    return rendered.get(name)!;
  };
  const tmp = mkdtempSync(join(tmpdir(), 'gcc-chart-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each(Object.keys(CONFIGURATIONS))('renders valid objects only: %s', (name) => {
    const objects = objectsOf(name);
    expect(objects.length).toBeGreaterThanOrEqual(4);
    const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(ids).size, ids.join(', ')).toBe(ids.length);
    for (const o of objects) {
      expect(
        o.metadata.namespace,
        `${o.kind} ${o.metadata.name} takes the release namespace`,
      ).toBeUndefined();
      expect(o.metadata.labels['app.kubernetes.io/instance']).toBe(RELEASE);
      validateK8s(o);
    }
  });

  it('runs two or more replicas that roll one by one, spread over nodes and zones', () => {
    const deployment = deploymentOf(objectsOf('defaults (existingSecret)'));
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const pod = deployment.spec.template;
    const anti =
      pod.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
    expect(anti.topologyKey).toBe('kubernetes.io/hostname');
    expect(selects(anti.labelSelector, pod.metadata.labels)).toBe(true);
    const spread = pod.spec.topologySpreadConstraints[0];
    expect(spread).toMatchObject({
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
    });
    expect(selects(spread.labelSelector, pod.metadata.labels)).toBe(true);
    const hard = deploymentOf(objectsOf('everything off or optional on')).spec.template.spec;
    expect(hard.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe(
      'kubernetes.io/hostname',
    );
    expect(hard.topologySpreadConstraints).toBeUndefined();
  });

  it('has a PDB and a Service that select the serving pods, and not the migration Job', () => {
    const objects = objectsOf('defaults (existingSecret)');
    const podLabels = deploymentOf(objects).spec.template.metadata.labels;
    const jobLabels = jobOf(objects).spec.template.metadata.labels;
    const pdb = find(objects, 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable ?? pdb.spec.minAvailable).toBe(1);
    expect(selects(pdb.spec.selector, podLabels)).toBe(true);
    expect(selects(pdb.spec.selector, jobLabels)).toBe(false);
    const service = find(objects, 'Service');
    expect(selects(service.spec.selector, podLabels)).toBe(true);
    expect(selects(service.spec.selector, jobLabels)).toBe(false);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(containerOf(objects).ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(selects(deploymentOf(objects).spec.selector, podLabels)).toBe(true);
    expect(envOf(containerOf(objects)).get('PORT')?.value).toBe('8080');
    expect(find(objectsOf('everything off or optional on'), 'Deployment').kind).toBe('Deployment');
    expect(
      objectsOf('everything off or optional on').filter((o) => o.kind === 'PodDisruptionBudget'),
    ).toEqual([]);
  });

  it('probes /healthz for start and liveness and /readyz for readiness, on the http port', () => {
    const c = containerOf(objectsOf('defaults (existingSecret)'));
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    // Liveness never depends on the database (a database outage must not restart every replica).
    expect(c.livenessProbe.httpGet.path).not.toBe('/readyz');
  });

  it('runs read-only, non-root, without capabilities, with /tmp as the only writable path', () => {
    for (const name of Object.keys(CONFIGURATIONS)) {
      const objects = objectsOf(name);
      for (const podSpec of [deploymentOf(objects).spec.template.spec, jobOf(objects).spec.template.spec]) {
        expect(podSpec.securityContext).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 10001,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(podSpec.automountServiceAccountToken).toBe(false);
        const c = podSpec.containers[0];
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        const tmpVolume = podSpec.volumes.find((v: K8sObject) => v.name === 'tmp');
        expect(tmpVolume.emptyDir).toBeDefined();
        expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
        for (const m of c.volumeMounts as K8sObject[]) if (m.name !== 'tmp') expect(m.readOnly).toBe(true);
      }
    }
  });

  it('drains before it stops: a preStop sleep, then serve’s own 10 s, within the grace period', () => {
    const pod = deploymentOf(objectsOf('defaults (existingSecret)')).spec.template.spec;
    const sleep = pod.containers[0].lifecycle.preStop.exec.command as string[];
    expect(sleep[0]).toBe('sleep');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(Number(sleep[1]) + 10);
    expect(Number(sleep[1])).toBeGreaterThan(0);
    expect(renderError(merge(EXISTING, { terminationGracePeriodSeconds: 15 }))).toMatch(
      /terminationGracePeriodSeconds \(15\) must be at least preStopSleepSeconds \(10\) \+ 15/,
    );
  });

  it('rolls the pods when the configuration or the chart’s Secret changes', () => {
    const annotations = (values: K8sObject) =>
      deploymentOf(render(values)).spec.template.metadata.annotations;
    const base = annotations(INLINE);
    expect(base['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(base['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
    const otherConfig = annotations(merge(INLINE, { env: { LOG_LEVEL: 'debug' } }));
    expect(otherConfig['checksum/config']).not.toBe(base['checksum/config']);
    expect(otherConfig['checksum/secret']).toBe(base['checksum/secret']);
    const otherSecret = annotations(merge(INLINE, { secrets: { ciToken: 'd'.repeat(32) } }));
    expect(otherSecret['checksum/secret']).not.toBe(base['checksum/secret']);
    expect(annotations(EXISTING)['checksum/secret']).toBeUndefined();
  });

  it('migrates in a pre-install/pre-upgrade hook Job running `migrate` with the same image, env source and context', () => {
    const objects = objectsOf('defaults (existingSecret)');
    const job = jobOf(objects);
    expect(job.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
    expect(Number(job.metadata.annotations['helm.sh/hook-weight'])).toBeGreaterThanOrEqual(0);
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const migrate = pod.containers[0];
    const serve = containerOf(objects);
    expect(migrate.args).toEqual(['migrate']);
    expect(serve.args).toEqual(['serve']);
    expect(migrate.image).toBe(serve.image);
    expect(migrate.image).toBe(`registry.wrktalk.com/wrktalk-gcc:${chartAppVersion()}`);
    expect(migrate.securityContext).toEqual(serve.securityContext);
    expect(pod.securityContext).toEqual(deploymentOf(objects).spec.template.spec.securityContext);
    expect(envOf(migrate).get('DATABASE_URL')).toEqual(envOf(serve).get('DATABASE_URL'));
    // The replicas leave the schema to it.
    expect(envOf(serve).get('GCC_MIGRATE')).toEqual({ name: 'GCC_MIGRATE', value: 'false' });
    expect(envOf(migrate).has('GCC_MIGRATE')).toBe(false);
    // A hook runs before the release's objects exist: it reads no ConfigMap of the release.
    expect(migrate.envFrom).toBeUndefined();
    // With existingSecret there is no hook Secret: the Job reads the user's Secret, which exists before the install.
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('gives the hook Job its own hook Secret when the chart renders the secrets (the release’s does not exist yet)', () => {
    const objects = objectsOf('secrets as values');
    const hookSecret = find(objects, 'Secret', `${RELEASE}-migrate`);
    const job = jobOf(objects);
    expect(hookSecret.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(Number(hookSecret.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(
      Number(job.metadata.annotations['helm.sh/hook-weight']),
    );
    expect(hookSecret.metadata.annotations['helm.sh/hook-delete-policy']).toContain('hook-succeeded');
    expect(Object.keys(hookSecret.stringData)).toEqual(['DATABASE_URL']);
    expect(envOf(job.spec.template.spec.containers[0]).get('DATABASE_URL')?.valueFrom.secretKeyRef).toEqual({
      name: `${RELEASE}-migrate`,
      key: 'DATABASE_URL',
    });
    const secret = find(objects, 'Secret', RELEASE);
    expect(secret.metadata.annotations).toBeUndefined();
    expect(Object.keys(secret.stringData).sort()).toEqual([
      'DATABASE_URL',
      'GCC_ADMIN_TOKEN',
      'GCC_CI_TOKEN',
      'signing-key.pem',
    ]);
  });

  it('takes DATABASE_URL from a Secret, never with credentials inline, in every configuration', () => {
    for (const name of Object.keys(CONFIGURATIONS)) {
      const objects = objectsOf(name);
      for (const c of [containerOf(objects), jobOf(objects).spec.template.spec.containers[0]]) {
        const env = envOf(c);
        const url = env.get('DATABASE_URL')!;
        expect(url, name).toBeDefined();
        if (url.value !== undefined) {
          // Only the pooler's address: user and password come from the operator's Secret (PGUSER / PGPASSWORD).
          expect(new URL(url.value).username, name).toBe('');
          expect(url.value).not.toContain('@');
          expect(env.get('PGPASSWORD')?.valueFrom?.secretKeyRef, name).toBeDefined();
          expect(env.get('PGUSER')?.valueFrom?.secretKeyRef, name).toBeDefined();
        } else {
          expect(url.valueFrom.secretKeyRef.name, name).toBeTruthy();
        }
        // No token, password or key is a literal anywhere in a pod spec.
        const literal = JSON.stringify(c.env);
        for (const secret of [TOKENS.adminToken, TOKENS.ciToken, 's3cret-password', 'BEGIN PRIVATE KEY']) {
          expect(literal).not.toContain(secret);
        }
        for (const e of c.env as K8sObject[]) {
          if (/TOKEN|PASSWORD|SMTP_URL|WEBHOOKS|_KEY$/.test(e.name))
            expect(e.valueFrom, e.name).toBeDefined();
        }
      }
    }
  });

  it('requires the secrets it renders, with a clear message, and never generates a token', () => {
    expect(
      renderError({ secrets: { ciToken: TOKENS.ciToken, databaseUrl: INLINE.secrets.databaseUrl } }),
    ).toMatch(
      /secrets\.adminToken is required: the admin bearer token, 16 to 512 printable characters .*existingSecret/,
    );
    expect(
      renderError({ secrets: { adminToken: TOKENS.adminToken, databaseUrl: INLINE.secrets.databaseUrl } }),
    ).toMatch(/secrets\.ciToken is required/);
    expect(renderError({ secrets: { ...TOKENS, signingKey: SIGNING_PEM } })).toMatch(
      /secrets\.databaseUrl is required with postgresql\.mode external/,
    );
    expect(renderError({ secrets: { ...TOKENS, databaseUrl: INLINE.secrets.databaseUrl } })).toMatch(
      /secrets\.signingKey is required with signing\.enabled/,
    );
    // cloudnative-pg: the database credentials are the operator's, so no DATABASE_URL is asked for.
    const objects = render(merge({ secrets: { ...TOKENS, signingKey: SIGNING_PEM } }, CNPG));
    expect(Object.keys(find(objects, 'Secret', RELEASE).stringData)).not.toContain('DATABASE_URL');
  });

  it('mounts the signing key and the Argo CD instances as files, read by the *_FILE variables', () => {
    const withSigning = containerOf(objectsOf('defaults (existingSecret)'));
    const file = envOf(withSigning).get('GCC_SIGNING_KEY_FILE')!.value as string;
    const mount = (withSigning.volumeMounts as K8sObject[]).find((m) => file.startsWith(`${m.mountPath}/`))!;
    const pod = deploymentOf(objectsOf('defaults (existingSecret)')).spec.template.spec;
    const volume = pod.volumes.find((v: K8sObject) => v.name === mount.name);
    expect(volume.secret).toMatchObject({
      secretName: 'wrktalk-gcc-secrets',
      items: [{ key: 'signing-key.pem' }],
    });
    // 0440: readable by the pod's fsGroup (the GCC's group), written in decimal so no YAML version reads it otherwise.
    expect(volume.secret.defaultMode).toBe(0o440);
    expect(`${mount.mountPath}/${volume.secret.items[0].path}`).toBe(file);
    const other = objectsOf('everything off or optional on');
    const c = containerOf(other);
    expect(envOf(c).has('GCC_SIGNING_KEY_FILE')).toBe(false);
    const argocdFile = envOf(c).get('GCC_ARGOCD_INSTANCES_FILE')!.value as string;
    const argocdMount = (c.volumeMounts as K8sObject[]).find((m) =>
      argocdFile.startsWith(`${m.mountPath}/`),
    )!;
    const argocdVolume = deploymentOf(other).spec.template.spec.volumes.find(
      (v: K8sObject) => v.name === argocdMount.name,
    );
    expect(argocdVolume.secret.secretName).toBe('gcc-argocd-instances');
    expect(c.image).toBe(`registry.wrktalk.com/wrktalk-gcc@sha256:${'0'.repeat(64)}`);
  });

  it('renders a configuration the GCC itself accepts (reference/gcc-express loadConfig)', () => {
    const { privateKeyPem } = generateSigningKeyPair();
    const files: Record<string, string> = {
      'signing-key.pem': privateKeyPem,
      'instances.json': JSON.stringify({
        'argo-eu': { url: 'https://argocd.eu.example.com', token: 't'.repeat(20) },
      }),
    };
    const secretValues: Record<string, string> = {
      DATABASE_URL: 'postgres://gcc:pw@db.internal:5432/gcc',
      GCC_ADMIN_TOKEN: TOKENS.adminToken,
      GCC_CI_TOKEN: TOKENS.ciToken,
      uri: 'postgresql://wrktalk_gcc:pw@wrktalk-gcc-db-rw.wrktalk-gcc:5432/wrktalk_gcc',
      username: 'wrktalk_gcc',
      password: 'pw',
    };
    for (const name of Object.keys(CONFIGURATIONS)) {
      const objects = objectsOf(name);
      const configMap = find(objects, 'ConfigMap', RELEASE);
      const env: Record<string, string> = { ...configMap.data };
      for (const e of containerOf(objects).env as K8sObject[]) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref?.optional) continue;
        const value = ref ? secretValues[ref.key] : (e.value as string);
        expect(value, `${name}: ${e.name}`).toBeDefined();
        env[e.name] = value!;
      }
      // The mounted files, at a place of this test's own.
      for (const [k, v] of Object.entries(env)) {
        if (!k.endsWith('_FILE')) continue;
        const base = v.split('/').pop()!;
        const path = join(tmp, base);
        writeFileSync(path, files[base]!);
        env[k] = path;
      }
      const config = loadConfig(env);
      expect(config.migrate, name).toBe(false);
      expect(config.port).toBe(8080);
      expect(config.databaseUrl, name).toMatch(/^postgres(ql)?:\/\//);
      expect(config.signing !== undefined, name).toBe(
        envOf(containerOf(objects)).has('GCC_SIGNING_KEY_FILE'),
      );
      // What the migration Job passes is accepted too.
      const jobEnv: Record<string, string> = {};
      for (const e of jobOf(objects).spec.template.spec.containers[0].env as K8sObject[]) {
        jobEnv[e.name] = e.valueFrom ? secretValues[e.valueFrom.secretKeyRef.key]! : e.value;
      }
      expect(loadConfig(jobEnv).databaseUrl, name).toBeDefined();
    }
  });

  it('sets only variables the GCC knows (or Node and node-postgres read)', () => {
    const known = new Set(Object.keys(ENVIRONMENT));
    // Not the GCC's own: NODE_OPTIONS is read by Node; PGUSER / PGPASSWORD by node-postgres (pg), which fills in
    // a DATABASE_URL without credentials from them (the pooler's URL in cloudnative-pg mode).
    const runtime = new Set(['NODE_OPTIONS', 'PGUSER', 'PGPASSWORD']);
    for (const name of Object.keys(CONFIGURATIONS)) {
      const objects = objectsOf(name);
      const names = [
        ...Object.keys(find(objects, 'ConfigMap', RELEASE).data),
        ...(containerOf(objects).env as K8sObject[]).map((e) => e.name as string),
        ...(jobOf(objects).spec.template.spec.containers[0].env as K8sObject[]).map((e) => e.name as string),
      ];
      for (const n of names) expect(known.has(n) || runtime.has(n), `${name}: ${n}`).toBe(true);
    }
  });

  it('cloudnative-pg: a 3-instance Cluster, a session-mode Pooler, DATABASE_URL on the pooler from the app Secret', () => {
    const objects = objectsOf('cloudnative-pg with the pooler');
    const cluster = find(objects, 'Cluster', `${RELEASE}-db`);
    expect(cluster.spec).toMatchObject({
      instances: 3,
      bootstrap: { initdb: { database: 'wrktalk_gcc', owner: 'wrktalk_gcc' } },
      storage: { size: '20Gi' },
      postgresql: { parameters: { max_connections: '200' } },
    });
    const pooler = find(objects, 'Pooler', `${RELEASE}-db-pooler`);
    expect(pooler.spec).toMatchObject({
      cluster: { name: `${RELEASE}-db` },
      type: 'rw',
      pgbouncer: { poolMode: 'session' },
    });
    const env = envOf(containerOf(objects));
    expect(env.get('DATABASE_URL')?.value).toBe(`postgresql://${RELEASE}-db-pooler:5432/wrktalk_gcc`);
    expect(env.get('PGUSER')?.valueFrom.secretKeyRef).toEqual({ name: `${RELEASE}-db-app`, key: 'username' });
    expect(env.get('PGPASSWORD')?.valueFrom.secretKeyRef).toEqual({
      name: `${RELEASE}-db-app`,
      key: 'password',
    });
    // The tokens stay in the user's Secret.
    expect(env.get('GCC_ADMIN_TOKEN')?.valueFrom.secretKeyRef.name).toBe('wrktalk-gcc-secrets');
    // Without the pooler: the operator's own URL of the primary (key `uri`).
    const direct = envOf(containerOf(objectsOf('cloudnative-pg without the pooler')));
    expect(direct.get('DATABASE_URL')?.valueFrom.secretKeyRef).toEqual({
      name: `${RELEASE}-db-app`,
      key: 'uri',
    });
    expect(direct.has('PGPASSWORD')).toBe(false);
    expect(objectsOf('cloudnative-pg without the pooler').filter((o) => o.kind === 'Pooler')).toEqual([]);
    expect(
      objectsOf('defaults (existingSecret)').filter((o) => o.apiVersion.startsWith('postgresql.cnpg.io')),
    ).toEqual([]);
  });

  it('cloudnative-pg: migrates in a plain Job (the cluster is part of the release), named after its spec', () => {
    const objects = objectsOf('cloudnative-pg with the pooler');
    const job = jobOf(objects);
    expect(job.metadata.annotations?.['helm.sh/hook']).toBeUndefined();
    expect(job.metadata.name).toMatch(new RegExp(`^${RELEASE}-migrate-[0-9a-f]{10}$`));
    expect(job.spec.template.spec.containers[0].args).toEqual(['migrate']);
    expect(envOf(job.spec.template.spec.containers[0]).get('PGPASSWORD')).toEqual(
      envOf(containerOf(objects)).get('PGPASSWORD'),
    );
    // A new image is a new Job (a Job's pod template cannot change in place); the same values keep the name.
    const again = jobOf(render(merge(EXISTING, CNPG)));
    expect(again.metadata.name).toBe(job.metadata.name);
    const newer = jobOf(render(merge(merge(EXISTING, CNPG), { image: { tag: '0.1.1' } })));
    expect(newer.metadata.name).not.toBe(job.metadata.name);
    expect(renderError(merge(merge(EXISTING, CNPG), { migrations: { strategy: 'hook' } }))).toMatch(
      /migrations\.strategy=hook cannot be used with postgresql\.mode=cloudnative-pg: a pre-install hook runs before this release creates the CloudNativePG cluster/,
    );
  });

  it('cloudnative-pg: refuses a connection budget the database or the pooler cannot hold', () => {
    const big = merge(merge(EXISTING, CNPG), { autoscaling: { enabled: true, maxReplicas: 20 } });
    // (20 + 1 surge) x (10 + 1) + 1 = 232 connections.
    expect(renderError(big)).toMatch(
      /postgresql\.cloudnativePg\.maxConnections \(200\) is too low: the GCC may hold 232 connections/,
    );
    const pooled = merge(big, { postgresql: { cloudnativePg: { maxConnections: 300 } } });
    expect(renderError(pooled)).toMatch(/pooler\.defaultPoolSize \(150\) is below the 232 connections/);
    const fits = merge(pooled, { postgresql: { cloudnativePg: { pooler: { defaultPoolSize: 250 } } } });
    expect(find(render(fits), 'Pooler').spec.pgbouncer.parameters.default_pool_size).toBe('250');
  });

  it('HPA on: autoscaling/v2 on CPU from 2 replicas, and the Deployment leaves replicas to it; off: no HPA', () => {
    const objects = objectsOf('ingress, HPA, ServiceMonitor on');
    const hpa = find(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: RELEASE });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    expect(deploymentOf(objects).spec.replicas).toBeUndefined();
    expect(
      objectsOf('defaults (existingSecret)').filter((o) => o.kind === 'HorizontalPodAutoscaler'),
    ).toEqual([]);
    expect(
      renderError(merge(EXISTING, { autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 3 } })),
    ).toMatch(/autoscaling\.maxReplicas \(3\) is below autoscaling\.minReplicas \(5\)/);
  });

  it('Ingress on: TLS, the API and console paths only, and a read timeout above the longest long poll', () => {
    const objects = objectsOf('ingress, HPA, ServiceMonitor on');
    const ingress = find(objects, 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: ['gcc.wrktalk.com'], secretName: 'wrktalk-gcc-tls' }]);
    const paths = ingress.spec.rules[0].http.paths as K8sObject[];
    expect(paths.map((p) => p.path).sort()).toEqual(['/.well-known', '/admin', '/api', '/ct', '/ui']);
    for (const p of paths) expect(p.backend.service).toEqual({ name: RELEASE, port: { name: 'http' } });
    // /metrics, /healthz and /readyz are for the cluster only.
    for (const internal of ['/metrics', '/healthz', '/readyz']) {
      expect(paths.some((p) => internal.startsWith(p.path))).toBe(false);
    }
    // The contract's longest long poll (GET /clients/{id}/updates `wait` maximum) must fit in the proxy timeouts.
    const spec = parse(readFileSync(join(REPO_DIR, 'openapi/gcc.yaml'), 'utf8')) as K8sObject;
    const wait = (spec.paths['/api/v1/clients/{client_id}/updates'].get.parameters as K8sObject[]).find(
      (p) => p.name === 'wait',
    )!;
    const maxWait = wait.schema.maximum as number;
    for (const key of ['proxy-read-timeout', 'proxy-send-timeout']) {
      expect(Number(ingress.metadata.annotations[`nginx.ingress.kubernetes.io/${key}`])).toBeGreaterThan(
        maxWait,
      );
    }
    expect(objectsOf('defaults (existingSecret)').filter((o) => o.kind === 'Ingress')).toEqual([]);
    expect(renderError(merge(EXISTING, { ingress: { enabled: true, host: '' } }))).toMatch(
      /ingress\.host is required when ingress\.enabled is true/,
    );
  });

  it('ServiceMonitor on: scrapes /metrics of the Service’s http port; off: none', () => {
    const objects = objectsOf('ingress, HPA, ServiceMonitor on');
    const monitor = find(objects, 'ServiceMonitor');
    expect(monitor.spec.endpoints).toEqual([
      { port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
    ]);
    expect(selects(monitor.spec.selector, find(objects, 'Service').metadata.labels)).toBe(true);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [NAMESPACE] });
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(objectsOf('defaults (existingSecret)').filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
  });

  it('NetworkPolicy: in from the ingress controller and monitoring namespaces only, out to DNS and PostgreSQL', () => {
    const objects = objectsOf('defaults (existingSecret)');
    const policy = find(objects, 'NetworkPolicy');
    expect(selects(policy.spec.podSelector, deploymentOf(objects).spec.template.metadata.labels)).toBe(true);
    expect(selects(policy.spec.podSelector, jobOf(objects).spec.template.metadata.labels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toHaveLength(1);
    const rule = policy.spec.ingress[0];
    expect(rule.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
    expect(
      rule.from.map((f: K8sObject) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']),
    ).toEqual(['ingress-nginx', 'monitoring']);
    const egress = policy.spec.egress as K8sObject[];
    expect(egress[0]!.ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
    expect(egress[1]).toEqual({ ports: [{ port: 5432, protocol: 'TCP' }] });
    expect(egress).toHaveLength(2);

    const cnpg = find(objectsOf('cloudnative-pg with the pooler'), 'NetworkPolicy').spec
      .egress as K8sObject[];
    expect(cnpg[1]!.to).toEqual([
      { podSelector: { matchLabels: { 'cnpg.io/cluster': `${RELEASE}-db` } } },
      { podSelector: { matchLabels: { 'cnpg.io/poolerName': `${RELEASE}-db-pooler` } } },
    ]);

    const custom = find(objectsOf('network egress rules'), 'NetworkPolicy').spec;
    expect(custom.egress[1].to).toEqual([{ ipBlock: { cidr: '10.20.0.0/16' } }]);
    expect(custom.egress[2]).toEqual({
      ports: [25, 465, 587].map((port) => ({ port, protocol: 'TCP' })),
      to: [{ ipBlock: { cidr: '192.0.2.10/32' } }],
    });
    expect(custom.egress[3]).toEqual({ ports: [{ port: 443, protocol: 'TCP' }] });
    expect(custom.egress[4].ports).toEqual([{ port: 8443, protocol: 'TCP' }]);
    expect(custom.ingress[0].from.at(-1)).toEqual({ podSelector: { matchLabels: { app: 'probe' } } });
  });

  it('prints NOTES with the migration, the rollout check and the connection budget', () => {
    const notes = helmNotes(CHART, { release: RELEASE, namespace: NAMESPACE, values: EXISTING });
    expect(notes).toContain('hook Job wrktalk-gcc-migrate');
    expect(notes).toContain('kubectl -n wrktalk-gcc rollout status deployment/wrktalk-gcc');
    expect(notes).toContain('up to 34 PostgreSQL connections');
    const cnpgNotes = helmNotes(CHART, {
      release: RELEASE,
      namespace: NAMESPACE,
      values: merge(EXISTING, CNPG),
    });
    expect(cnpgNotes).toContain('session-mode pooler wrktalk-gcc-db-pooler');
    expect(cnpgNotes).toContain('a Job wrktalk-gcc-migrate-<hash>');
  });
});

function chartAppVersion(): string {
  return (parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as K8sObject).appVersion;
}
