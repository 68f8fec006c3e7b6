/**
 * bin/wrktalk-onboard.mjs, run as a user runs it (node, a separate process): it renders a client's root Application
 * from the one template, refuses bad input with exit 2 naming the flag, and two clients' roots, and the children
 * they render, differ only in per-client values.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  canRenderCharts,
  chartRenderBinary,
  DEPLOY_DIR,
  type K8sObject,
  renderObjects,
} from './helpers/chart-render';
import { applicationProblems } from './helpers/k8s-schemas';

const CHART = join(DEPLOY_DIR, 'client');
const CLI = join(CHART, 'bin/wrktalk-onboard.mjs');

function onboard(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function rootOf(args: string[]): K8sObject {
  const r = onboard(args);
  expect(r.status, r.stderr).toBe(0);
  return parse(r.stdout) as K8sObject;
}

/** Every path (a.b[0].c) where two JSON values differ. */
function diffPaths(a: unknown, b: unknown, path = ''): string[] {
  if (Object.is(a, b)) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    return Array.from({ length: n }, (_, i) => diffPaths(a[i], b[i], `${path}[${i}]`)).flat();
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) =>
      diffPaths(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
      ),
    );
  }
  return [path];
}

/** What Argo CD passes to Helm for a root's parameters: --set-string for forceString, else --set. */
function renderChildren(root: K8sObject): K8sObject[] {
  const set: Record<string, string> = {};
  const setString: Record<string, string> = {};
  for (const p of root.spec.source.helm.parameters) (p.forceString ? setString : set)[p.name] = p.value;
  return renderObjects(CHART, {
    release: root.spec.source.helm.releaseName,
    namespace: 'argocd',
    set,
    setString,
  });
}

const ACME = ['--client', 'acme', '--domain', 'chat.acme.com', '--tier', 'premium', '--profile', 'on-prem'];
const INITECH = ['--client', 'initech-7', '--domain', 'talk.initech.example', '--tier', 'standard'];
const INITECH_ON_PREM = [...INITECH, '--profile', 'on-prem'];

// Each case spawns node (about 0.3 s; several times that on a loaded machine).
describe('wrktalk-onboard', { timeout: 60_000 }, () => {
  it('prints the root Application from the template, valid against the v3.5.1 CRD', () => {
    const root = rootOf([...ACME, '--set', 'sizes.postgres.instances=2', '--tag', '4.2.0']);
    expect(applicationProblems(root)).toEqual([]);
    expect(root.metadata).toEqual({
      name: 'client-acme',
      namespace: 'argocd',
      labels: { 'app.kubernetes.io/part-of': 'wrktalk-client', 'wrktalk.com/client': 'acme' },
    });
    expect(root.spec.source).toMatchObject({ path: 'deploy/client', targetRevision: 'main' });
    const params = Object.fromEntries(root.spec.source.helm.parameters.map((p: K8sObject) => [p.name, p]));
    expect(params.clientId).toEqual({ name: 'clientId', value: 'acme', forceString: true });
    expect(params['images.backend']).toEqual({ name: 'images.backend', value: '4.2.0', forceString: true });
    // An integer size is typed by Helm (no forceString); strings stay strings.
    expect(params['sizes.postgres.instances']).toEqual({ name: 'sizes.postgres.instances', value: '2' });
    expect(params['repo.url'].value).toBe(root.spec.source.repoURL);
    expect(root.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    expect(root.spec.ignoreDifferences[0]).toMatchObject({ group: 'argoproj.io', kind: 'Application' });
    expect(root.spec.ignoreDifferences[0].jsonPointers).toContain('/spec/sources/0/helm/parameters');
  });

  it('prints the same object as JSON with --json', () => {
    const r = onboard([...ACME, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(rootOf(ACME));
  });

  it('documents every flag and size with --help', () => {
    const r = onboard(['--help']);
    expect(r.status).toBe(0);
    for (const s of [
      '--client',
      '--domain',
      '--profile',
      '--postgres-host',
      '--set',
      'sizes.redis.replicas',
      '--json',
    ]) {
      expect(r.stdout).toContain(s);
    }
  });

  it("differs from another client's root only in name, label and parameter values", () => {
    const a = rootOf([
      ...ACME,
      '--tag',
      '4.2.0',
      '--set',
      'sizes.backend.replicas=3',
      '--set',
      'sizes.minio.storage=200Gi',
    ]);
    const b = rootOf([
      ...INITECH_ON_PREM,
      '--set',
      'sizes.minio.storage=1Ti', // given in another order: parameters still come in the schema's order
      '--set',
      'sizes.backend.replicas=5',
      '--tag',
      '4.3.1',
    ]);
    const paths = diffPaths(a, b);
    const names = a.spec.source.helm.parameters.map((p: K8sObject) => p.name);
    expect(b.spec.source.helm.parameters.map((p: K8sObject) => p.name)).toEqual(names);
    const at = (name: string) => `spec.source.helm.parameters[${names.indexOf(name)}].value`;
    expect(paths.sort()).toEqual(
      [
        'metadata.name',
        'metadata.labels.wrktalk.com/client',
        at('clientId'),
        at('domain'),
        at('tier'),
        at('images.backend'),
        at('images.media'),
        at('images.ct'),
        at('sizes.backend.replicas'),
        at('sizes.minio.storage'),
      ].sort(),
    );
  });

  it.each([
    ['no --client', ['--domain', 'chat.acme.com', '--profile', 'on-prem'], '--client'],
    [
      'an upper-case client id',
      ['--client', 'Acme', '--domain', 'chat.acme.com', '--profile', 'on-prem'],
      '--client',
    ],
    [
      'a client id over 53 characters',
      ['--client', 'a'.repeat(54), '--domain', 'a.b', '--profile', 'on-prem'],
      '--client',
    ],
    [
      'the reserved client id agent',
      ['--client', 'agent', '--domain', 'a.example', '--profile', 'on-prem'],
      '--client',
    ],
    [
      'a domain that is no host name',
      ['--client', 'acme', '--domain', 'https://acme', '--profile', 'on-prem'],
      '--domain',
    ],
    ['no --profile', ['--client', 'acme', '--domain', 'chat.acme.com'], '--profile'],
    [
      'an unknown profile',
      ['--client', 'acme', '--domain', 'chat.acme.com', '--profile', 'hybrid'],
      '--profile',
    ],
    ['a tier that is no label value', [...ACME, '--tier', 'gold tier'], '--tier'],
    [
      'cloud without --postgres-host',
      ['--client', 'acme', '--domain', 'chat.acme.com', '--profile', 'cloud'],
      '--postgres-host',
    ],
    ['on-prem with --postgres-host', [...ACME, '--postgres-host', 'db.example.com'], '--postgres-host'],
    ['on-prem with --bucket', [...ACME, '--bucket', 'acme-files'], '--bucket'],
    ['a bad image tag', [...ACME, '--backend-tag', 'v1;rm -rf'], '--backend-tag'],
    ['an undocumented --set key', [...ACME, '--set', 'tools.redis.version=9.9.9'], 'tools.redis.version'],
    ['a --set without a value', [...ACME, '--set', 'sizes.redis.replicas'], 'sizes.redis.replicas'],
    ['a size out of bounds', [...ACME, '--set', 'sizes.redis.replicas=12'], 'sizes.redis.replicas'],
    ['a size that is no quantity', [...ACME, '--set', 'sizes.minio.storage=lots'], 'sizes.minio.storage'],
    ['a repository that is no git URL', [...ACME, '--repo', 'file:///etc'], '--repo'],
    ['an unknown flag', [...ACME, '--namespace', 'x'], '--namespace'],
    ['a positional argument', [...ACME, 'extra'], 'extra'],
  ])('refuses %s: exit 2, the field named, nothing on stdout', (_what, args, field) => {
    const r = onboard(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(field);
  });

  it('lists every problem at once', () => {
    const r = onboard([
      '--client',
      'Acme',
      '--domain',
      'x',
      '--profile',
      'cloud',
      '--set',
      'sizes.ct.replicas=0',
    ]);
    expect(r.status).toBe(2);
    for (const f of ['--client', '--domain', '--postgres-host', 'sizes.ct.replicas'])
      expect(r.stderr).toContain(f);
  });
});

// Skipped only where Go or Debian's sprig/yaml.v3 Go libraries are missing (no offline `helm template` then);
// .ci/run installs them, so CI runs these.
describe.skipIf(!canRenderCharts())(
  'wrktalk-onboard roots rendered as Argo CD renders them',
  { timeout: 120_000 },
  () => {
    beforeAll(() => {
      chartRenderBinary();
    }, 300_000);

    it("renders a root's children with the client's values", () => {
      const root = rootOf([
        '--client',
        'globex',
        '--domain',
        'chat.globex.example',
        '--profile',
        'cloud',
        '--postgres-host',
        'globex-db.example.net',
        '--bucket',
        'globex-media',
        '--set',
        'sizes.pgbouncer.replicas=3',
        '--ct-tag',
        '1.10',
      ]);
      const children = renderChildren(root);
      for (const app of children) expect(applicationProblems(app), app.metadata.name).toEqual([]);
      const byName = new Map(children.map((c) => [c.metadata.name, c]));
      const app = byName.get('wrktalk-globex')!;
      // 1.10 stays the string "1.10" all the way (forceString on the root and on the child).
      expect(app.spec.sources[0].helm.parameters).toContainEqual({
        name: 'ct.image.tag',
        value: '1.10',
        forceString: true,
      });
      expect(app.spec.sources[0].helm.valuesObject.global.objectStorage.bucket).toBe('globex-media');
      expect(byName.get('pgbouncer')!.spec.sources[0].helm.valuesObject).toMatchObject({
        replicaCount: 3,
        config: { databases: { wrktalk: { host: 'globex-db.example.net' } } },
      });
    });

    it("renders children that differ from another client's only in per-client values", () => {
      const a = renderChildren(rootOf([...ACME, '--set', 'sizes.postgres.storage=40Gi']));
      const b = renderChildren(rootOf([...INITECH_ON_PREM, '--set', 'sizes.postgres.storage=80Gi']));
      const key = (o: K8sObject) => o.metadata.name.replace(/^wrktalk-(acme|initech-7)$/, 'wrktalk-<client>');
      expect(a.map(key).sort()).toEqual(b.map(key).sort());
      const paths = new Set<string>();
      for (const x of a) {
        const y = b.find((o) => key(o) === key(x))!;
        for (const p of diffPaths(x, y)) paths.add(`${key(x)}: ${p}`);
      }
      const perClientApp = 'spec.sources[0].helm.valuesObject.global';
      const expected = [
        // Every child carries the client's label.
        ...a.map((x) => `${key(x)}: metadata.labels.wrktalk.com/client`),
        // The workload namespace wrktalk-<client> of the app and its data services.
        ...['minio', 'postgres', 'redis', 'wrktalk-<client>'].map((n) => `${n}: spec.destination.namespace`),
        'postgres: spec.sources[0].helm.valuesObject.cluster.storage.size',
        'wrktalk-<client>: metadata.name',
        `wrktalk-<client>: ${perClientApp}.clientId`,
        `wrktalk-<client>: ${perClientApp}.domain`,
        `wrktalk-<client>: ${perClientApp}.tier`,
        `wrktalk-<client>: ${perClientApp}.redis.host`,
        `wrktalk-<client>: ${perClientApp}.postgres.host`,
        `wrktalk-<client>: ${perClientApp}.objectStorage.endpoint`,
        'wrktalk-agent: spec.source.helm.valuesObject.clientId',
        'wrktalk-agent: spec.source.helm.valuesObject.argocd.application',
        'wrktalk-agent: spec.source.helm.valuesObject.workloadNamespace',
      ];
      expect([...paths].sort()).toEqual(expected.sort());
    });
  },
);
