import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DOCKER_HOST_DIR,
  dockerfileInstructions,
  gitserverContainer,
  has,
  listFiles,
  MINIKUBE_DIR,
  parseYamlStream,
  SPECS_DIR,
} from './helpers';
import { validateK8s } from './k8s-schemas';
import { renderChart, renderChartStream } from './render-chart';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, read by path in assertions
type Obj = Record<string, any>;

describe('every YAML file parses', () => {
  for (const [dir, name] of [
    [MINIKUBE_DIR, 'minikube'],
    [DOCKER_HOST_DIR, 'docker-host'],
  ] as const) {
    // Chart templates are Helm templates, not YAML: they are parsed after rendering (below).
    const files = listFiles(dir, (f) => /\.ya?ml$/.test(f) && !f.includes('/templates/'));
    it.each(files)(`${name}/%s`, (file) => {
      expect(parseYamlStream(readFileSync(join(dir, file), 'utf8')).length).toBeGreaterThan(0);
    });
  }
});

describe('the Helm chart', () => {
  const values = parse(readFileSync(join(MINIKUBE_DIR, 'chart/values.yaml'), 'utf8')) as Obj;

  it("has one shared values.yaml in WrkTalk's shape (backend, media, ct image repository/tag)", () => {
    for (const c of ['backend', 'media', 'ct']) {
      expect(values[c].image.repository).toMatch(/^wrktalk\.local\//);
      expect(values[c].image.tag).toBe('v1');
    }
  });

  const render = (setString: Record<string, string> = {}) =>
    [...renderChart({ release: 'wrktalk-acme', namespace: 'wrktalk-acme', setString }).values()].flatMap(
      (t) => parseYamlStream(t) as Obj[],
    );

  it('renders a Deployment with a readiness probe and a Service, valid Kubernetes objects', () => {
    const objects = render();
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'Service']);
    for (const o of objects) validateK8s(o);
    const dep = objects.find((o) => o.kind === 'Deployment')!;
    const container = dep.spec.template.spec.containers[0];
    expect(container.name).toBe('backend');
    expect(container.image).toBe('wrktalk.local/web:v1');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.readinessProbe.httpGet.path).toBe('/healthz');
    expect(dep.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const svc = objects.find((o) => o.kind === 'Service')!;
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
  });

  it('takes the image tag from a parameter over values.yaml (what argocd app set does)', () => {
    const dep = render({ 'backend.image.tag': 'v2' }).find((o) => o.kind === 'Deployment')!;
    expect(dep.spec.template.spec.containers[0].image).toBe('wrktalk.local/web:v2');
  });

  it.skipIf(!has('helm'))('renders exactly as `helm template` (runs where helm is installed)', () => {
    const out = spawnSync(
      'helm',
      [
        'template',
        'wrktalk-acme',
        'chart',
        '--namespace',
        'wrktalk-acme',
        '--set-string',
        'backend.image.tag=v2',
      ],
      { cwd: MINIKUBE_DIR, encoding: 'utf8' },
    );
    expect(out.status, out.stderr).toBe(0);
    const ours = parseYamlStream(
      renderChartStream({
        release: 'wrktalk-acme',
        namespace: 'wrktalk-acme',
        setString: { 'backend.image.tag': 'v2' },
      }),
    );
    expect(parseYamlStream(out.stdout)).toEqual(ours);
  });
  if (!has('helm'))
    it.skip('helm comparison skipped: helm is not installed on this machine (no binary on PATH)');
});

describe('the git server image and its readiness probe', () => {
  const instructions = dockerfileInstructions(
    readFileSync(join(MINIKUBE_DIR, 'gitserver/Dockerfile'), 'utf8'),
  );
  const runs = instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
  const repoURL = new URL(
    (parse(readFileSync(join(MINIKUBE_DIR, 'argocd/application.yaml'), 'utf8')) as Obj).spec.source.repoURL,
  );

  it('is Alpine-based and installs git-daemon, the Alpine package that holds git-http-backend', () => {
    expect(instructions.find((i) => i.op === 'FROM')?.args).toMatch(/-alpine$/);
    // Alpine's `git` has no git-http-backend: aports main/git/APKBUILD moves it (with git-daemon and git-shell)
    // into the subpackage git-daemon. server.js runs `git http-backend` for every request of a clone.
    const packages = runs
      .flatMap((r) => r.split(/&&|;/))
      .map((cmd) => /^\s*apk add (.*)$/.exec(cmd)?.[1])
      .filter((a): a is string => a !== undefined)
      .flatMap((a) => a.trim().split(' '))
      .filter((a) => !a.startsWith('-'));
    expect(packages).toContain('git');
    expect(packages).toContain('git-daemon');
    // And the build stops if the program is not there after all (another base image, a repackaging).
    expect(runs.some((r) => r.includes('test -x "$(git --exec-path)/git-http-backend"'))).toBe(true);
  });

  it("serves the repository Argo CD's Application points at", () => {
    const root = instructions.find((i) => i.op === 'ENV' && i.args.startsWith('GIT_PROJECT_ROOT='))?.args;
    expect(root).toBe('GIT_PROJECT_ROOT=/srv/git');
    expect(repoURL.pathname).toBe('/wrktalk-demo.git');
    expect(runs.some((r) => r.includes(`git clone -q --bare /tmp/src /srv/git${repoURL.pathname}`))).toBe(
      true,
    );
  });

  it("is ready only when the first request of Argo CD's clone works, not on a static page", () => {
    const probe = gitserverContainer().readinessProbe;
    expect(probe.httpGet).toEqual({
      path: `${repoURL.pathname}/info/refs?service=git-upload-pack`,
      port: 'http',
    });
  });
});

describe('Kubernetes manifests', () => {
  it('the git server manifests are valid', () => {
    const objects = parseYamlStream(readFileSync(join(MINIKUBE_DIR, 'gitserver/gitserver.yaml'), 'utf8'));
    for (const o of objects) validateK8s(o);
  });

  const hasKubectl = has('kubectl');
  if (!hasKubectl) it.skip('agent overlay skipped: kubectl (for `kubectl kustomize`) is not installed');
  it.skipIf(!hasKubectl)(
    'the per-client agent overlay renders, validates and keeps the reference RBAC',
    () => {
      const work = join(MINIKUBE_DIR, '.work');
      mkdirSync(work, { recursive: true });
      const dir = mkdtempSync(join(work, 'agent-test-'));
      try {
        const template = readFileSync(join(MINIKUBE_DIR, 'agent/template/kustomization.yaml'), 'utf8');
        writeFileSync(
          join(dir, 'kustomization.yaml'),
          template
            .replaceAll('__CLIENT__', 'globex')
            .replaceAll('__EXECUTOR__', 'argocd-k8s')
            .replaceAll('__GCC_PORT__', '9090'),
        );
        const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
        expect(out.status, out.stderr).toBe(0);
        expect(out.stdout, 'a placeholder was left unreplaced').not.toMatch(/__[A-Z_]+__/);
        const objects = parseYamlStream(out.stdout) as Obj[];
        for (const o of objects) validateK8s(o);
        expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
        const dep = objects.find((o) => o.kind === 'Deployment')!;
        expect(dep.metadata.name).toBe('wrktalk-agent-globex');
        expect(dep.spec.selector.matchLabels['wrktalk.com/client']).toBe('globex');
        const env = Object.fromEntries(
          (dep.spec.template.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]),
        );
        expect(env.CLIENT_ID).toBe('globex');
        expect(env.EXECUTOR).toBe('argocd-k8s');
        expect(env.GCC_URL).toBe('http://host.minikube.internal:9090');
        expect(env.AGENT_TOKEN.secretKeyRef.name).toBe('wrktalk-agent-token-globex');
        const roles = objects.filter((o) => o.kind === 'Role');
        expect(roles.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort()).toEqual([
          'argocd/wrktalk-agent-argocd',
          'wrktalk-globex/wrktalk-agent-workloads',
        ]);
        const reference = parseYamlStream(
          readFileSync(join(MINIKUBE_DIR, '../../reference/agent-node/deploy/rbac.yaml'), 'utf8'),
        ) as Obj[];
        for (const r of roles) {
          expect(r.rules).toEqual(
            reference.find((x) => x.kind === 'Role' && x.metadata.name === r.metadata.name)!.rules,
          );
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('the Argo CD Application template', () => {
  const crd = parse(readFileSync(join(SPECS_DIR, 'argocd/application-crd.yaml'), 'utf8')) as Obj;
  const schema = crd.spec.versions.find((v: Obj) => v.name === 'v1alpha1').schema.openAPIV3Schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('int32', true).addFormat('int64', true);
  for (const k of ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string']) ajv.addKeyword(k);
  const validate = ajv.compile(schema);
  const forClient = (c: string) =>
    parse(
      readFileSync(join(MINIKUBE_DIR, 'argocd/application.yaml'), 'utf8').replaceAll('__CLIENT__', c),
    ) as Obj;

  it('becomes wrktalk-<client> for any client and validates against the CRD schema', () => {
    for (const c of ['acme', 'globex']) {
      const app = forClient(c);
      expect(validate(app), JSON.stringify(validate.errors)).toBe(true);
      expect(app.metadata.name).toBe(`wrktalk-${c}`);
      expect(app.spec.destination.namespace).toBe(`wrktalk-${c}`);
      expect(app.spec.source.helm.valueFiles).toEqual(['values.yaml']);
    }
  });

  it('still validates with the parameter `argocd app set --helm-set-string backend.image.tag=v2` writes', () => {
    const app = forClient('acme');
    app.spec.source.helm.parameters = [{ name: 'backend.image.tag', value: 'v2', forceString: true }];
    expect(validate(app), JSON.stringify(validate.errors)).toBe(true);
    app.spec.source.helm.parameters = [{ name: 'backend.image.tag', value: 2 }];
    expect(validate(app)).toBe(false);
  });
});

describe('compose files', () => {
  // The file declares draft-07 as https://json-schema.org/draft-07/schema, an id ajv does not know; draft-07 is
  // ajv's default dialect, so the declaration is dropped.
  const { $schema: _dialect, ...schema } = JSON.parse(
    readFileSync(join(SPECS_DIR, 'compose/compose-spec.json'), 'utf8'),
  );
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('duration', true);
  const validate = ajv.compile(schema);
  const files = listFiles(DOCKER_HOST_DIR, (f) => /compose\.ya?ml$/.test(f));
  const env = {
    ...process.env,
    GCC_URL: 'https://gcc.example.com',
    CLIENT_ID: 'acme',
    AGENT_TOKEN: 'x',
    WATCHTOWER_TOKEN: 'y',
  };

  it('there are the web app, agent and Watchtower compose files', () => {
    expect(files).toEqual(['agent.compose.yaml', 'compose.yaml', 'watchtower.compose.yaml']);
  });
  it.each(files)('%s validates against the compose-spec schema', (file) => {
    const doc = parse(readFileSync(join(DOCKER_HOST_DIR, file), 'utf8'));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });
  // Both Docker executors run the docker CLI (docker-compose: `docker compose up`; watchtower: `docker inspect`),
  // which the reference image lacks, against the host's engine.
  it.each([
    ['agent.compose.yaml', 'docker-compose'],
    ['watchtower.compose.yaml', 'watchtower'],
  ])('%s: the %s agent has the docker CLI and the Docker socket', (file, executor) => {
    const agent = parse(readFileSync(join(DOCKER_HOST_DIR, file), 'utf8')).services.agent;
    expect(agent.environment.EXECUTOR).toBe(executor);
    expect(agent.build).toEqual({ context: '.', dockerfile: 'agent.Dockerfile' });
    expect(readFileSync(join(DOCKER_HOST_DIR, 'agent.Dockerfile'), 'utf8')).toMatch(
      /^RUN apk add --no-cache docker-cli\b/m,
    );
    expect(agent.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose variable (the socket's group), not a JS template
    expect(agent.group_add).toEqual(['${DOCKER_GID:-999}']);
  });
  it('watchtower.compose.yaml: the container the agent inspects is the one compose creates', () => {
    const { services } = parse(readFileSync(join(DOCKER_HOST_DIR, 'watchtower.compose.yaml'), 'utf8'));
    expect(services.agent.environment.WATCHTOWER_CONTAINER_BACKEND).toBe(services.backend.container_name);
    expect(services.backend.image).toBe(
      `${services.agent.environment.WATCHTOWER_IMAGE_BACKEND}:${services.agent.environment.WATCHTOWER_TRACKED_TAG}`,
    );
  });

  const hasCompose = has('docker-compose');
  if (!hasCompose)
    it.skip(
      'docker-compose config skipped: docker-compose is not installed (apt-get install -y docker-compose)',
    );
  it.skipIf(!hasCompose).each(files)('%s passes `docker-compose config`', (file) => {
    const out = spawnSync('docker-compose', ['-f', file, 'config', '-q'], {
      cwd: DOCKER_HOST_DIR,
      env,
      encoding: 'utf8',
    });
    expect(out.status, out.stderr).toBe(0);
  });
});
