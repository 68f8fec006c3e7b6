/**
 * deploy/client, the app of apps of a client's cluster: rendered offline (deploy/tools/chart-render stands in for
 * `helm template`) for both profiles, every Application checked against Argo CD's v3.5.1 CRD, the tool set per
 * profile, exact chart pins, sync-wave order, the WrkTalk app's image-tag parameters as the agent edits them, and
 * how the root keeps the agent's tags when it re-renders the child.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type ApplicationSpec,
  helmSourceIndex,
  readHelmParameter,
  setHelmParameter,
  setHelmParameters,
} from '../../packages/sdk-agent/src/executors/shared/argocd';
import {
  ChartRenderError,
  canRenderCharts,
  chartRenderBinary,
  DEPLOY_DIR,
  find,
  type K8sObject,
  mergedValues,
  renderObjects,
  valuesSchemaProblems,
} from './helpers/chart-render';
import { applicationProblems, validateK8s } from './helpers/k8s-schemas';

const CHART = join(DEPLOY_DIR, 'client');
const AGENT_CHART = join(DEPLOY_DIR, 'agent');
const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
const rootTemplate = parse(readFileSync(join(CHART, 'application.yaml'), 'utf8'));
const TAG_PARAMETERS = ['backend.image.tag', 'media.image.tag', 'ct.image.tag'];
/** Exact SemVer 2: no ranges, wildcards or branch names. */
const EXACT_SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const onPrem = { clientId: 'acme', domain: 'chat.acme.com', tier: 'premium', profile: 'on-prem' };
const cloud = {
  clientId: 'globex',
  domain: 'chat.globex.example',
  tier: 'standard',
  profile: 'cloud',
  cloud: { postgres: { host: 'globex-db.abc123.eu-west-1.rds.amazonaws.com' } },
};
const render = (v: Record<string, unknown>) =>
  renderObjects(CHART, { release: 'wrktalk-client', namespace: 'argocd', values: v });
const names = (objects: K8sObject[]) => objects.map((o) => o.metadata.name).sort();
const wave = (app: K8sObject) => Number(app.metadata.annotations['argocd.argoproj.io/sync-wave']);

/** RFC 6901 pointer segments. */
const segments = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
// biome-ignore lint/suspicious/noExplicitAny: walking arbitrary JSON by pointer
function getAt(o: any, pointer: string): any {
  return segments(pointer).reduce((n, k) => (n == null ? undefined : n[k]), o);
}
// biome-ignore lint/suspicious/noExplicitAny: walking arbitrary JSON by pointer
function setAt(o: any, pointer: string, value: unknown): void {
  const path = segments(pointer);
  const parent = path.slice(0, -1).reduce((n, k) => n?.[k], o);
  if (parent == null) return;
  if (value === undefined) delete parent[path.at(-1)!];
  else parent[path.at(-1)!] = value;
}

// Skipped only where Go or Debian's sprig/yaml.v3 Go libraries are missing (no offline `helm template` then);
// .ci/run installs them, so CI runs these.
describe.skipIf(!canRenderCharts())('deploy/client chart (app of apps)', { timeout: 120_000 }, () => {
  let onPremApps: K8sObject[];
  let cloudApps: K8sObject[];
  beforeAll(() => {
    chartRenderBinary(); // built once (up to a few minutes on a cold Go cache)
    onPremApps = render(onPrem);
    cloudApps = render(cloud);
  }, 300_000);

  it('refuses the bare values.yaml: a client id and a domain are per-client parameters', () => {
    expect(() => render({})).toThrow(ChartRenderError);
    expect(() => render({})).toThrow(/clientId/);
    expect(() => render({ clientId: 'acme' })).toThrow(/domain/);
  });

  it('renders the default values (profile cloud) with only the required per-client values', () => {
    const apps = render({
      clientId: 'acme',
      domain: 'chat.acme.com',
      cloud: { postgres: { host: 'db.acme.com' } },
    });
    expect(names(apps)).toEqual(names(render({ ...cloud, clientId: 'acme', domain: 'chat.acme.com' })));
    expect(find(apps, 'Application', 'wrktalk-acme').metadata.labels['wrktalk.com/profile']).toBe('cloud');
  });

  it('renders only Argo CD Applications in the argocd namespace, each valid against the v3.5.1 CRD', () => {
    for (const apps of [onPremApps, cloudApps]) {
      for (const app of apps) {
        expect(`${app.apiVersion} ${app.kind}`).toBe('argoproj.io/v1alpha1 Application');
        expect(app.metadata.namespace).toBe('argocd');
        expect(applicationProblems(app), app.metadata.name).toEqual([]);
        validateK8s(app);
      }
    }
  });

  it('gives each profile its tool set', () => {
    const common = ['eck-operator', 'elastic', 'monitoring', 'redis', 'stunner', 'wrktalk-agent'];
    expect(names(cloudApps)).toEqual([...common, 'pgbouncer', 'wrktalk-globex'].sort());
    expect(names(onPremApps)).toEqual(
      [...common, 'cnpg-operator', 'minio', 'postgres', 'wrktalk-acme'].sort(),
    );
    // On-prem's PgBouncer is CloudNativePG's Pooler, inside the cluster chart's values.
    const pooler = parse(readFileSync(join(CHART, 'tools/postgres.yaml'), 'utf8')).poolers;
    expect(pooler).toEqual([expect.objectContaining({ name: 'rw', type: 'rw', poolMode: 'transaction' })]);
    const chartOf = (apps: K8sObject[], name: string) =>
      find(apps, 'Application', name).spec.sources[0].chart;
    expect(chartOf(onPremApps, 'cnpg-operator')).toBe('cloudnative-pg');
    expect(chartOf(onPremApps, 'postgres')).toBe('cluster');
    expect(chartOf(cloudApps, 'pgbouncer')).toBe('pgbouncer');
    expect(chartOf(onPremApps, 'redis')).toBe('redis-ha');
  });

  it('pins every chart source to an exact version and takes the values files from this repository', () => {
    for (const apps of [onPremApps, cloudApps]) {
      for (const app of apps) {
        const sources: K8sObject[] = app.spec.sources ?? [app.spec.source];
        for (const source of sources) {
          if (source.chart) {
            expect(source.targetRevision, `${app.metadata.name} ${source.chart}`).toMatch(EXACT_SEMVER);
            for (const file of source.helm.valueFiles ?? []) {
              expect(file).toMatch(/^\$values\/deploy\/client\/tools\/[a-z-]+\.yaml$/);
              expect(existsSync(join(DEPLOY_DIR, '..', file.slice('$values/'.length))), file).toBe(true);
            }
          } else {
            // Git sources: this repository at the root's revision (never a chart at HEAD).
            expect(source.repoURL).toBe(values.repo.url);
            expect(source.targetRevision).toBe(values.repo.revision);
            expect(Boolean(source.ref === 'values' || source.path === 'deploy/agent')).toBe(true);
          }
        }
        if (app.spec.sources) expect(app.spec.sources[1]).toEqual(expect.objectContaining({ ref: 'values' }));
      }
    }
  });

  it('orders sync waves: operators and CRDs before what uses them, data before the app', () => {
    const uses: [string, string][] = [
      ['monitoring', 'cnpg-operator'], // PodMonitor CRD
      ['monitoring', 'eck-operator'],
      ['monitoring', 'stunner'],
      ['monitoring', 'redis'], // ServiceMonitors
      ['monitoring', 'pgbouncer'],
      ['monitoring', 'minio'],
      ['monitoring', 'postgres'],
      ['cnpg-operator', 'postgres'], // Cluster, Pooler
      ['eck-operator', 'elastic'], // Elasticsearch, Kibana, Beat
      ['stunner', 'wrktalk'], // GatewayClass stunner-gatewayclass
      ['redis', 'wrktalk'],
      ['postgres', 'wrktalk'],
      ['pgbouncer', 'wrktalk'],
      ['minio', 'wrktalk'],
      ['wrktalk-agent', 'wrktalk'], // the agent exists even when the first deploy is unhealthy
    ];
    for (const apps of [onPremApps, cloudApps]) {
      const byName = new Map(
        apps.map((a) => [a.metadata.name.replace(/^wrktalk-(acme|globex)$/, 'wrktalk'), a]),
      );
      for (const [first, then] of uses) {
        const a = byName.get(first);
        const b = byName.get(then);
        if (!a || !b) continue; // not in this profile
        expect(wave(a), `${first} before ${then}`).toBeLessThan(wave(b));
      }
    }
  });

  it('gives every child the resources finalizer and auto-sync, pruning only where no data can go', () => {
    const keepData = ['postgres', 'redis', 'minio', 'elastic'];
    for (const app of [...onPremApps, ...cloudApps]) {
      expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
      expect(app.spec.syncPolicy.automated.selfHeal).toBe(true);
      expect(app.spec.syncPolicy.automated.prune).toBe(!keepData.includes(app.metadata.name));
      expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    }
    for (const name of ['monitoring', 'cnpg-operator', 'eck-operator']) {
      expect(find(onPremApps, 'Application', name).spec.syncPolicy.syncOptions).toContain(
        'ServerSideApply=true',
      );
    }
  });

  it('carries the three image tags as string parameters of the source the agent edits', () => {
    const app = find(onPremApps, 'Application', 'wrktalk-acme');
    expect(app.spec.destination.namespace).toBe('wrktalk-acme');
    const [chart, valuesRef] = app.spec.sources;
    expect(chart).toMatchObject({ repoURL: values.wrktalk.repoURL, chart: values.wrktalk.chart });
    expect(chart.helm.parameters).toEqual(
      TAG_PARAMETERS.map((name, i) => ({
        name,
        value: [values.images.backend, values.images.media, values.images.ct][i],
        forceString: true,
      })),
    );
    expect(valuesRef.helm).toBeUndefined();
    // The agent's own choice of source (packages/sdk-agent/src/executors/shared/argocd.ts).
    for (const p of TAG_PARAMETERS) expect(helmSourceIndex(app.spec as ApplicationSpec, p)).toBe(0);
    // No other child has Helm parameters: the root's ignoreDifferences on them touches only this one.
    for (const other of onPremApps.filter((a) => a !== app)) {
      const sources: K8sObject[] = other.spec.sources ?? [other.spec.source];
      expect(sources.every((s) => s.helm?.parameters === undefined)).toBe(true);
    }
  });

  it('lets `argocd app set wrktalk-acme --helm-set-string backend.image.tag=5.0.0` land in the chart source', () => {
    const app = find(onPremApps, 'Application', 'wrktalk-acme');
    const spec = setHelmParameter(app.spec as ApplicationSpec, 'backend.image.tag', '5.0.0');
    const edited: K8sObject = { ...app, spec };
    expect(edited.spec.sources[0].helm.parameters).toContainEqual({
      name: 'backend.image.tag',
      value: '5.0.0',
      forceString: true,
    });
    expect(edited.spec.sources[0].helm.parameters).toHaveLength(3);
    expect(edited.spec.sources[1]).toEqual(app.spec.sources[1]);
    expect(readHelmParameter(spec, 'backend.image.tag')).toBe('5.0.0');
    expect(readHelmParameter(spec, 'media.image.tag')).toBe(values.images.media);
    expect(applicationProblems(edited)).toEqual([]);
  });

  it("keeps the agent's tags when the root re-renders the child (ignoreDifferences + RespectIgnoreDifferences)", () => {
    expect(rootTemplate.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    const rule = rootTemplate.spec.ignoreDifferences.find(
      (r: K8sObject) => r.group === 'argoproj.io' && r.kind === 'Application',
    );
    expect(rule.name).toBeUndefined(); // one template for every client: no per-client name in the rule
    expect(rule.jsonPointers).toContain('/spec/sources/0/helm/parameters');
    expect(rule.jsonPointers).toContain('/operation');

    // The child as the root renders it again (starting tags), and as it lives after the agent's update.
    const desired = find(render(onPrem), 'Application', 'wrktalk-acme');
    const live = structuredClone(desired);
    live.spec = setHelmParameters(live.spec as ApplicationSpec, [
      { parameter: 'backend.image.tag', value: '5.0.0' },
      { parameter: 'media.image.tag', value: '5.0.0' },
      { parameter: 'ct.image.tag', value: '5.0.0' },
    ]);
    live.operation = { initiatedBy: { username: 'wrktalk-agent' }, sync: { syncStrategy: { hook: {} } } };
    // Comparison: with the ignored paths removed from both, the root sees no difference (no self-heal).
    const normalize = (o: K8sObject) => {
      const copy = structuredClone(o);
      for (const p of rule.jsonPointers) setAt(copy, p, undefined);
      return copy;
    };
    expect(normalize(live)).toEqual(normalize(desired));
    expect(live).not.toEqual(desired);
    // Sync with RespectIgnoreDifferences: the desired state is pre-patched with the live values at those paths.
    const applied = structuredClone(desired);
    for (const p of rule.jsonPointers) setAt(applied, p, getAt(live, p));
    expect(applied.spec.sources[0].helm.parameters.map((p: K8sObject) => p.value)).toEqual([
      '5.0.0',
      '5.0.0',
      '5.0.0',
    ]);
    expect(applied).toEqual(live);
  });

  it('points the agent at deploy/agent with executor argocd-k8s on wrktalk-<client>', () => {
    for (const [apps, id] of [
      [onPremApps, 'acme'],
      [cloudApps, 'globex'],
    ] as const) {
      const app = find(apps, 'Application', 'wrktalk-agent');
      expect(app.spec.source).toMatchObject({
        repoURL: values.repo.url,
        targetRevision: values.repo.revision,
        path: 'deploy/agent',
      });
      expect(app.spec.source.helm.valuesObject).toEqual({
        clientId: id,
        gccUrl: values.agent.gccUrl,
        executor: 'argocd-k8s',
        argocd: { application: `wrktalk-${id}`, namespace: 'argocd' },
        workloadNamespace: `wrktalk-${id}`,
      });
      expect(app.spec.destination.namespace).toBe(values.agent.namespace);
    }
  });

  it('gives the agent chart values its values.schema.json accepts (when that chart has one)', (ctx) => {
    if (!existsSync(join(AGENT_CHART, 'values.schema.json'))) {
      ctx.skip(); // deploy/agent has no values.schema.json yet
      return;
    }
    const vo = find(onPremApps, 'Application', 'wrktalk-agent').spec.source.helm.valuesObject;
    const merged = mergedValues(AGENT_CHART, { release: 'wrktalk-agent', values: vo });
    expect(valuesSchemaProblems(AGENT_CHART, merged)).toEqual([]);
  });

  it('wires the app to the data services of its profile, all in its namespace', () => {
    const vo = (apps: K8sObject[], name: string) =>
      find(apps, 'Application', name).spec.sources[0].helm.valuesObject;
    expect(vo(onPremApps, 'wrktalk-acme').global).toMatchObject({
      clientId: 'acme',
      domain: 'chat.acme.com',
      redis: { host: 'redis-haproxy.wrktalk-acme.svc', existingSecret: 'redis-auth' },
      postgres: { host: 'postgres-pooler-rw.wrktalk-acme.svc', existingSecret: 'postgres-app' },
      objectStorage: { endpoint: 'http://minio.wrktalk-acme.svc:9000', bucket: 'wrktalk' },
    });
    expect(vo(cloudApps, 'wrktalk-globex').global).toMatchObject({
      postgres: { host: 'pgbouncer.wrktalk-globex.svc', existingSecret: 'wrktalk-postgres' },
      objectStorage: { endpoint: 'https://s3.amazonaws.com', bucket: 'wrktalk-globex' },
    });
    expect(vo(cloudApps, 'pgbouncer').config.databases.wrktalk).toEqual({
      host: cloud.cloud.postgres.host,
      port: 5432,
      dbname: 'wrktalk',
    });
    for (const name of ['redis', 'postgres', 'minio']) {
      expect(find(onPremApps, 'Application', name).spec.destination.namespace).toBe('wrktalk-acme');
    }
  });

  it('applies the sizes, and a single Redis accepts writes', () => {
    const apps = render({
      ...onPrem,
      sizes: { redis: { replicas: 1 }, postgres: { instances: 2, storage: '50Gi' } },
    });
    const vo = (name: string) => find(apps, 'Application', name).spec.sources[0].helm.valuesObject;
    expect(vo('redis')).toMatchObject({ replicas: 1, haproxy: { replicas: 1 } });
    expect(vo('redis').redis.config['min-replicas-to-write']).toBe(0);
    expect(vo('postgres').cluster).toEqual({ instances: 2, storage: { size: '50Gi' } });
    expect(find(onPremApps, 'Application', 'redis').spec.sources[0].helm.valuesObject.redis).toBeUndefined();
  });

  it.each([
    ['a client id that is no DNS label', { clientId: 'Acme' }, /clientId/],
    ['a client id over 53 characters', { clientId: 'a'.repeat(54) }, /clientId/],
    ['the reserved client id agent', { clientId: 'agent' }, /clientId/],
    ['a domain that is no host name', { domain: 'chat acme' }, /domain/],
    ['an unknown profile', { profile: 'hybrid' }, /profile/],
    ['cloud without its database host', { profile: 'cloud' }, /cloud\/postgres\/host|cloud.postgres.host/],
    ['a size out of bounds', { sizes: { redis: { replicas: 12 } } }, /sizes\/redis\/replicas/],
    ['an undocumented size', { sizes: { redis: { cpu: 2 } } }, /sizes\/redis/],
    ['a tag the agent would refuse', { images: { backend: 'v1;rm' } }, /images\/backend/],
  ])('refuses %s, naming it', (_what, bad, message) => {
    expect(() => render({ ...onPrem, ...bad })).toThrow(message);
  });
});

describe('deploy/client files', () => {
  const toolKeys = Object.keys(values.tools).sort();

  it('has a shared values file for every tool and the app, and no other', () => {
    const files = readdirSync(join(CHART, 'tools')).sort();
    expect(files).toEqual([...toolKeys, 'wrktalk'].map((k) => `${k}.yaml`).sort());
    for (const f of files) expect(parse(readFileSync(join(CHART, 'tools', f), 'utf8'))).toBeTypeOf('object');
  });

  it('pins every tool in values.yaml to an exact chart version from an https Helm repository', () => {
    for (const key of toolKeys) {
      const t = values.tools[key];
      expect(String(t.version), key).toMatch(EXACT_SEMVER);
      expect(t.repoURL, key).toMatch(/^https:\/\//);
    }
    expect(String(values.wrktalk.version)).toMatch(EXACT_SEMVER);
  });

  it('lists in check-with-helm.sh exactly the tools of values.yaml', () => {
    const script = readFileSync(join(CHART, 'check-with-helm.sh'), 'utf8');
    const table = script.slice(script.indexOf('TOOLS=('), script.indexOf('\n)', script.indexOf('TOOLS=(')));
    const rows = [...table.matchAll(/^ {2}"(\S+) (\S+) (\S+) (\S+) (\S+)"$/gm)].map((m) => m.slice(1));
    expect(rows.map((r) => r[0]).sort()).toEqual(toolKeys);
    for (const [key, repo, chart, version, namespace] of rows) {
      const t = values.tools[key!];
      expect([repo, chart, version, namespace], key).toEqual([
        t.repoURL,
        t.chart,
        String(t.version),
        t.namespace || '-',
      ]);
    }
    // The Argo CD chart version of README step 1.
    const argocd = /ARGOCD_CHART_VERSION=(\S+)/.exec(script)?.[1];
    expect(readFileSync(join(CHART, 'README.md'), 'utf8')).toContain(`argo/argo-cd --version ${argocd} `);
  });

  it('is a strict bash script', () => {
    const text = readFileSync(join(CHART, 'check-with-helm.sh'), 'utf8');
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toContain('\nset -euo pipefail\n');
    expect(spawnSync('bash', ['-n', join(CHART, 'check-with-helm.sh')]).status).toBe(0);
  });

  const hasShellcheck = spawnSync('sh', ['-c', 'command -v shellcheck'], { stdio: 'ignore' }).status === 0;
  if (!hasShellcheck) {
    it.skip(
      'check-with-helm.sh passes shellcheck: skipped, shellcheck is not installed (apt-get install -y shellcheck)',
    );
  }
  it.skipIf(!hasShellcheck)('check-with-helm.sh passes shellcheck', () => {
    const out = spawnSync('shellcheck', ['check-with-helm.sh'], {
      cwd: CHART,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.status, out.stdout).toBe(0);
  });

  it('sets the Application health check the sync waves need, in the Argo CD values of README step 1', () => {
    const argocd = parse(readFileSync(join(CHART, 'argocd-values.yaml'), 'utf8'));
    const lua = argocd.configs.cm['resource.customizations.health.argoproj.io_Application'];
    expect(lua).toContain('hs.status = obj.status.health.status');
  });

  it('keeps values.schema.json free of patterns Go regexp (Helm) cannot compile', () => {
    const schema = readFileSync(join(CHART, 'values.schema.json'), 'utf8');
    for (const m of schema.matchAll(/"pattern": "((?:[^"\\]|\\.)*)"/g)) {
      const pattern = JSON.parse(`"${m[1]}"`) as string;
      expect(pattern, pattern).not.toMatch(/\(\?[=!<]|\\[1-9]/); // no lookaround, no backreferences
      expect(() => new RegExp(pattern)).not.toThrow();
    }
  });
});
