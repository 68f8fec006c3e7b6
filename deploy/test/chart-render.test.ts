/**
 * deploy/tools/chart-render stands in for `helm template` here (no helm can be installed). These tests pin the
 * Helm behaviours the charts rely on, on a fixture chart that uses each of them: value precedence (values.yaml <
 * -f files in order < --set), null deleting a key, --set typing against --set-string, include/nindent/toYaml/tpl,
 * required/fail, values.schema.json, NOTES.txt, Capabilities; and that it agrees with the minikube guide's own
 * renderer on the guide's chart.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderChartStream } from '../../examples/minikube/test/render-chart';
import {
  ChartRenderError,
  canRenderCharts,
  chartRenderBinary,
  DEPLOY_DIR,
  find,
  helmNotes,
  helmTemplate,
  mergedValues,
  REPO_DIR,
  renderObjects,
} from './helpers/chart-render';

const CHART = join(DEPLOY_DIR, 'test/fixtures/probe-chart');
const data = (o: Parameters<typeof renderObjects>[1]) => find(renderObjects(CHART, o), 'ConfigMap').data;

// Skipped only where Go or Debian's sprig/yaml.v3 Go libraries are missing; .ci/run installs them.
describe.skipIf(!canRenderCharts())('chart-render (offline helm template)', () => {
  // Built once, in a hook (120 s), not inside the first test (a cold Go build takes longer than a test's time).
  beforeAll(() => {
    chartRenderBinary();
  });
  it('renders helpers, labels and defaults like Helm', () => {
    const objects = renderObjects(CHART, { release: 'acme', namespace: 'wrktalk-acme' });
    expect(objects).toHaveLength(1);
    const cm = find(objects, 'ConfigMap', 'acme-probe');
    expect(cm.metadata.namespace).toBe('wrktalk-acme');
    expect(cm.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'probe',
      'app.kubernetes.io/instance': 'acme',
      'helm.sh/chart': 'probe-1.2.3',
    });
    expect(cm.data).toMatchObject({
      image: 'registry.example.com/app:1.0',
      replicas: '2',
      removeMe: 'present',
      // As in Helm: a missing key renders as nothing (sprig's quote drops nil), so the YAML value is null.
      missing: null,
      message: 'hello acme',
      appVersion: '4.5.6',
      service: 'Helm',
      monitoring: 'false',
      kube: 'v1.32.0',
    });
    expect(cm.data.labels).toBe('region: eu\ntier: standard\n');
    expect(cm.data.hash).toMatch(/^[0-9a-f]{12}$/);
  });

  it('takes -f files in order, then --set / --set-string; null deletes a key', () => {
    const d = data({
      release: 'acme',
      values: { image: { tag: '2.0' }, removeMe: null, labels: { tier: 'premium' } },
      setString: { 'image.tag': '3.0' },
    });
    expect(d.image).toBe('registry.example.com/app:3.0');
    expect(d.removeMe).toBe('gone');
    expect(d.labels).toBe('region: eu\ntier: premium\n');
    expect(mergedValues(CHART, { release: 'x', set: { replicas: '5' } }).replicas).toBe(5);
    expect(data({ release: 'x', set: { replicas: '5' } }).replicasKind).toBe('int64');
    expect(data({ release: 'x', setString: { 'image.tag': '1.10' } }).image).toBe(
      'registry.example.com/app:1.10',
    );
  });

  it('refuses values its values.schema.json refuses, as helm does, naming the field', () => {
    expect(() => helmTemplate(CHART, { release: 'x', set: { replicas: '0' } })).toThrow(
      /\/replicas must be >= 1/,
    );
    expect(() => helmTemplate(CHART, { release: 'x', setString: { replicas: 'two' } })).toThrow(
      ChartRenderError,
    );
  });

  it('fails with the message of required and fail', () => {
    expect(() => helmTemplate(CHART, { release: 'x', setString: { guard: 'on' } })).toThrow(
      /token is required when guard is set/,
    );
    expect(() => helmTemplate(CHART, { release: 'x', setString: { guard: 'fail' } })).toThrow(
      /guard says fail/,
    );
    const secret = find(
      renderObjects(CHART, { release: 'x', setString: { guard: 'on', token: 's3cret' } }),
      'Secret',
    );
    expect(secret.stringData.token).toBe('s3cret');
  });

  it('knows extra API versions given with --api-versions, and renders NOTES.txt', () => {
    expect(data({ release: 'x', apiVersions: ['monitoring.coreos.com/v1'] }).monitoring).toBe('true');
    expect(helmNotes(CHART, { release: 'acme' }).trim()).toBe('Installed acme-probe with 2 replicas.');
  });

  it('renders the minikube guide chart exactly as the guide renderer does', () => {
    const chart = join(REPO_DIR, 'examples/minikube/chart');
    const docs = (s: string) => parseAllDocuments(s).map((d) => d.toJS());
    const options = {
      release: 'wrktalk-acme',
      namespace: 'wrktalk-acme',
      setString: { 'backend.image.tag': 'v2' },
    };
    expect(docs(helmTemplate(chart, options))).toEqual(docs(renderChartStream(options)));
  });
});

/**
 * Where a real helm is on PATH (a workstation; this repository's CI has none and cannot install one: no network,
 * no Debian package), every deploy chart must render the same objects with helm as with chart-render, for the
 * per-chart sample values below. This is the check that keeps the stand-in honest; `deploy/README.md` lists it.
 */
const hasHelm = spawnSync('sh', ['-c', 'command -v helm'], { stdio: 'ignore' }).status === 0;
const SAMPLES: Array<[string, Record<string, string>]> = [
  ['gcc', { 'secrets.existingSecret': 'wrktalk-gcc-secrets' }],
  ['agent', { clientId: 'acme', gccUrl: 'https://gcc.wrktalk.com', executor: 'argocd-k8s' }],
  ['client', { clientId: 'acme', domain: 'chat.acme.example', 'cloud.postgres.host': 'db.acme.example' }],
  ['client', { clientId: 'acme', domain: 'chat.acme.example', profile: 'on-prem' }],
];
if (!hasHelm) {
  it.skip(
    'renders every deploy chart like helm template: skipped, helm is not installed here (see deploy/README.md)',
  );
}
describe.skipIf(!hasHelm || !canRenderCharts())('chart-render agrees with helm', () => {
  it.each(SAMPLES)('deploy/%s with %o', (chart, setString) => {
    const dir = join(DEPLOY_DIR, chart);
    const flags = Object.entries(setString).flatMap(([k, v]) => ['--set-string', `${k}=${v}`]);
    const helm = spawnSync('helm', ['template', 'sample', dir, '--namespace', 'sample', ...flags], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(helm.status, helm.stderr).toBe(0);
    const docs = (s: string) =>
      parseAllDocuments(s)
        .map((d) => d.toJS())
        .filter((d) => d !== null && d !== undefined);
    expect(docs(helmTemplate(dir, { release: 'sample', namespace: 'sample', setString }))).toEqual(
      docs(helm.stdout),
    );
  });
});
