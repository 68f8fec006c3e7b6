import { describe, expect, it } from 'vitest';
import { type AgentConfig, type ConfigError, componentVariable, createExecutor, loadConfig } from '../src';

const BASE = { GCC_URL: 'https://gcc.wrktalk.com', CLIENT_ID: 'acme', AGENT_TOKEN: 't' };

const load = (env: Record<string, string>) => loadConfig({ ...BASE, ...env });
/** The problems loadConfig reports for `env`, or [] when it accepts it. */
const problems = (env: Record<string, string>): readonly string[] => {
  try {
    load(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};
const options = (env: Record<string, string>) => (load(env) as AgentConfig).executorOptions;
const HELM_DEFAULTS = { backend: 'backend.image.tag', media: 'media.image.tag', ct: 'ct.image.tag' };

describe('componentVariable', () => {
  it('upper-cases the component and replaces what a variable name cannot hold', () => {
    expect(componentVariable('HELM_KEY', 'backend')).toBe('HELM_KEY_BACKEND');
    expect(componentVariable('COMPOSE_SERVICE', 'media-api')).toBe('COMPOSE_SERVICE_MEDIA_API');
  });
});

describe('argocd-cli', () => {
  it('defaults, and maps ARGOCD_SERVER (a URL is reduced to host[:port]), token, gRPC-web, binary, keys', () => {
    expect(options({ EXECUTOR: 'argocd-cli' })).toEqual({
      binary: 'argocd',
      appName: 'wrktalk-{clientId}',
      helmKeys: HELM_DEFAULTS,
      grpcWeb: false,
      pollIntervalMs: 2000,
    });
    expect(
      options({
        EXECUTOR: 'argocd-cli',
        ARGOCD_SERVER: 'https://argocd.acme.internal/',
        ARGOCD_AUTH_TOKEN: 'tok',
        ARGOCD_GRPC_WEB: 'true',
        ARGOCD_BINARY: '/opt/bin/argocd',
        ARGOCD_APP_NAME: 'apps-{clientId}',
        HELM_KEY_BACKEND: 'api.image.tag',
        EXECUTOR_POLL_INTERVAL_MS: '500',
      }),
    ).toEqual({
      binary: '/opt/bin/argocd',
      appName: 'apps-{clientId}',
      helmKeys: { ...HELM_DEFAULTS, backend: 'api.image.tag' },
      grpcWeb: true,
      server: 'argocd.acme.internal',
      authToken: 'tok',
      pollIntervalMs: 500,
    });
  });
  it('refuses a bad server, flag, Helm key, application name and unknown component', () => {
    expect(
      problems({
        EXECUTOR: 'argocd-cli',
        ARGOCD_SERVER: 'http://argocd:80',
        ARGOCD_GRPC_WEB: 'yes',
        ARGOCD_APP_NAME: 'Apps_{clientId}',
        HELM_KEY_MEDIA: 'media.image.tag,image.repository=evil',
        HELM_KEY_WEB: 'web.image.tag',
      }),
    ).toEqual([
      'HELM_KEY_MEDIA: must be a Helm parameter path, e.g. backend.image.tag, got "media.image.tag,image.repository=evil"',
      'HELM_KEY_WEB: no such component in COMPONENTS (backend, media, ct)',
      'ARGOCD_APP_NAME: must be a Kubernetes name; {clientId} is replaced by CLIENT_ID',
      'ARGOCD_SERVER: must be host[:port] as the argocd CLI takes it, e.g. argocd.acme.internal:443',
      'ARGOCD_GRPC_WEB: must be true or false',
    ]);
  });
});

describe('argocd-api', () => {
  it('needs ARGOCD_SERVER and ARGOCD_AUTH_TOKEN; host[:port] means https', () => {
    expect(
      options({
        EXECUTOR: 'argocd-api',
        ARGOCD_SERVER: 'argocd.acme.internal:8443',
        ARGOCD_AUTH_TOKEN: 'tok',
      }),
    ).toEqual({
      baseUrl: 'https://argocd.acme.internal:8443',
      token: 'tok',
      appName: 'wrktalk-{clientId}',
      helmKeys: HELM_DEFAULTS,
      pollIntervalMs: 2000,
    });
    expect(
      options({
        EXECUTOR: 'argocd-api',
        ARGOCD_SERVER: 'http://argocd-server.argocd.svc',
        ARGOCD_AUTH_TOKEN: 'tok',
        ARGOCD_PROJECT: 'wrktalk',
        ARGOCD_APP_NAMESPACE: 'apps',
        COMPONENTS: 'backend',
      }),
    ).toMatchObject({
      baseUrl: 'http://argocd-server.argocd.svc',
      project: 'wrktalk',
      appNamespace: 'apps',
      helmKeys: { backend: 'backend.image.tag' },
    });
  });
  it('says what is missing or wrong', () => {
    expect(problems({ EXECUTOR: 'argocd-api' })).toEqual([
      'ARGOCD_SERVER: required for EXECUTOR=argocd-api: the Argo CD server URL',
      'ARGOCD_AUTH_TOKEN: required for EXECUTOR=argocd-api: an API token with applications get, update, sync',
    ]);
    expect(
      problems({
        EXECUTOR: 'argocd-api',
        ARGOCD_SERVER: 'ftp://argocd',
        ARGOCD_AUTH_TOKEN: 'a\nb',
        ARGOCD_APP_NAMESPACE: 'Apps',
      }),
    ).toEqual([
      'ARGOCD_SERVER: must be an http(s) URL, e.g. https://argocd.acme.internal or argocd.acme.internal:443',
      'ARGOCD_AUTH_TOKEN: must not contain line breaks',
      'ARGOCD_APP_NAMESPACE: must be a Kubernetes name (the namespace of the Application)',
    ]);
  });
});

describe('argocd-k8s', () => {
  it('defaults to namespace argocd; ARGOCD_NAMESPACE and HELM_KEY_* change it', () => {
    expect(options({ EXECUTOR: 'argocd-k8s' })).toEqual({
      namespace: 'argocd',
      appName: 'wrktalk-{clientId}',
      helmKeys: HELM_DEFAULTS,
      pollIntervalMs: 2000,
    });
    expect(
      options({ EXECUTOR: 'argocd-k8s', ARGOCD_NAMESPACE: 'gitops', HELM_KEY_CT: 'chat.image.tag' }),
    ).toMatchObject({ namespace: 'gitops', helmKeys: { ...HELM_DEFAULTS, ct: 'chat.image.tag' } });
  });
  it('refuses a bad namespace', () => {
    expect(problems({ EXECUTOR: 'argocd-k8s', ARGOCD_NAMESPACE: 'Argo CD' })).toEqual([
      'ARGOCD_NAMESPACE: must be a Kubernetes name (the namespace of the Application resources)',
    ]);
  });
});

describe('kubernetes', () => {
  it('maps KUBE_NAMESPACE, KUBE_DEPLOYMENT_* and KUBE_CONTAINER_* (defaults wrktalk, wrktalk-<c>, <c>)', () => {
    expect(options({ EXECUTOR: 'kubernetes', COMPONENTS: 'backend,media' })).toEqual({
      namespace: 'wrktalk',
      components: {
        backend: { name: 'wrktalk-backend', container: 'backend' },
        media: { name: 'wrktalk-media', container: 'media' },
      },
      pollIntervalMs: 2000,
    });
    expect(
      options({
        EXECUTOR: 'kubernetes',
        COMPONENTS: 'backend',
        KUBE_NAMESPACE: 'acme',
        KUBE_DEPLOYMENT_BACKEND: 'api',
        KUBE_CONTAINER_BACKEND: 'app',
      }),
    ).toMatchObject({ namespace: 'acme', components: { backend: { name: 'api', container: 'app' } } });
  });
  it('refuses bad names', () => {
    expect(
      problems({
        EXECUTOR: 'kubernetes',
        KUBE_NAMESPACE: '-x',
        KUBE_DEPLOYMENT_BACKEND: 'API',
        KUBE_CONTAINER_MEDIA: 'a b',
      }),
    ).toEqual([
      'KUBE_DEPLOYMENT_BACKEND: must be a Kubernetes name, got "API"',
      'KUBE_CONTAINER_MEDIA: must be a container name, got "a b"',
      'KUBE_NAMESPACE: must be a Kubernetes name (the namespace of the Deployments)',
    ]);
  });
});

describe('docker-compose', () => {
  it('needs COMPOSE_FILE; maps COMPOSE_SERVICE_*, backup file and binaries', () => {
    expect(options({ EXECUTOR: 'docker-compose', COMPOSE_FILE: '/opt/wrktalk/compose.yaml' })).toEqual({
      file: '/opt/wrktalk/compose.yaml',
      services: { backend: 'backend', media: 'media', ct: 'ct' },
      dockerBinary: 'docker',
      legacyComposeBinary: 'docker-compose',
      pollIntervalMs: 2000,
    });
    expect(
      options({
        EXECUTOR: 'docker-compose',
        COMPOSE_FILE: '/opt/wrktalk/compose.yaml',
        COMPOSE_SERVICE_BACKEND: 'web',
        COMPOSE_BACKUP_FILE: '/var/lib/wrktalk-agent/compose.backup',
        DOCKER_BINARY: '/usr/local/bin/docker',
      }),
    ).toMatchObject({
      services: { backend: 'web', media: 'media', ct: 'ct' },
      backupFile: '/var/lib/wrktalk-agent/compose.backup',
      dockerBinary: '/usr/local/bin/docker',
    });
  });
  it('says what is missing or wrong', () => {
    expect(problems({ EXECUTOR: 'docker-compose' })).toEqual([
      'COMPOSE_FILE: required for EXECUTOR=docker-compose: the absolute path of the compose file',
    ]);
    expect(
      problems({
        EXECUTOR: 'docker-compose',
        COMPOSE_FILE: 'compose.yaml',
        COMPOSE_SERVICE_MEDIA: 'media;rm',
        COMPOSE_BACKUP_FILE: 'backup',
      }),
    ).toEqual([
      'COMPOSE_SERVICE_MEDIA: must be a compose service name, got "media;rm"',
      'COMPOSE_FILE: must be an absolute path (the compose file the services run from)',
      'COMPOSE_BACKUP_FILE: must be an absolute path',
    ]);
    expect(
      problems({ EXECUTOR: 'docker-compose', COMPOSE_FILE: '/a.yaml', COMPOSE_BACKUP_FILE: '/a.yaml' }),
    ).toEqual(['COMPOSE_BACKUP_FILE: must not be COMPOSE_FILE itself']);
  });
});

describe('watchtower', () => {
  it('needs WATCHTOWER_TOKEN and one WATCHTOWER_IMAGE_* per component', () => {
    expect(
      options({
        EXECUTOR: 'watchtower',
        COMPONENTS: 'backend',
        WATCHTOWER_TOKEN: 'tok',
        WATCHTOWER_IMAGE_BACKEND: 'registry.wrktalk.com/wrktalk/backend',
      }),
    ).toEqual({
      url: 'http://localhost:8080',
      token: 'tok',
      images: { backend: 'registry.wrktalk.com/wrktalk/backend' },
      containers: { backend: 'wrktalk-backend' },
      trackedTag: 'latest',
      dockerBinary: 'docker',
      pollIntervalMs: 2000,
    });
    expect(
      options({
        EXECUTOR: 'watchtower',
        COMPONENTS: 'backend',
        WATCHTOWER_URL: 'http://watchtower:8080',
        WATCHTOWER_TOKEN: 'tok',
        WATCHTOWER_IMAGE_BACKEND: 'registry.example.com/wrktalk/web',
        WATCHTOWER_CONTAINER_BACKEND: 'wrktalk-backend-1',
        WATCHTOWER_TRACKED_TAG: 'stable',
      }),
    ).toMatchObject({
      url: 'http://watchtower:8080',
      containers: { backend: 'wrktalk-backend-1' },
      trackedTag: 'stable',
    });
  });
  it('says what is missing or wrong', () => {
    expect(problems({ EXECUTOR: 'watchtower', COMPONENTS: 'backend,media' })).toEqual([
      'WATCHTOWER_IMAGE_BACKEND: required for EXECUTOR=watchtower: the image repository Watchtower updates (without tag), or leave the component out of COMPONENTS',
      'WATCHTOWER_IMAGE_MEDIA: required for EXECUTOR=watchtower: the image repository Watchtower updates (without tag), or leave the component out of COMPONENTS',
      "WATCHTOWER_TOKEN: required for EXECUTOR=watchtower: Watchtower's HTTP API token",
    ]);
    expect(
      problems({
        EXECUTOR: 'watchtower',
        COMPONENTS: 'backend',
        WATCHTOWER_URL: 'watchtower:8080',
        WATCHTOWER_TOKEN: 'tok',
        WATCHTOWER_IMAGE_BACKEND: 'registry.wrktalk.com/wrktalk/backend:latest',
        WATCHTOWER_TRACKED_TAG: 'a b',
      }),
    ).toEqual([
      'WATCHTOWER_IMAGE_BACKEND: must be an image repository without tag, e.g. registry.wrktalk.com/wrktalk/backend, got "registry.wrktalk.com/wrktalk/backend:latest"',
      'WATCHTOWER_URL: must be an http(s) URL, e.g. http://watchtower:8080',
      'WATCHTOWER_TRACKED_TAG: must be an image tag, e.g. stable',
    ]);
  });
});

describe('fake', () => {
  it('reads FAKE_INITIAL_VERSIONS', () => {
    expect(options({ EXECUTOR: 'fake', FAKE_INITIAL_VERSIONS: 'backend=v1, media=v2' })).toEqual({
      initial: { backend: 'v1', media: 'v2' },
    });
    expect(problems({ EXECUTOR: 'fake', FAKE_INITIAL_VERSIONS: 'backend' })).toEqual([
      'FAKE_INITIAL_VERSIONS: expected component=version, got backend',
    ]);
  });
});

describe('common settings', () => {
  it("lists common and executor problems together, and ignores other executors' variables", () => {
    expect(
      problems({
        GCC_URL: 'gcc',
        EXECUTOR: 'docker-compose',
        EXECUTOR_POLL_INTERVAL_MS: '10',
        COMPONENTS: 'Backend',
        KUBE_NAMESPACE: 'Not Checked',
      }),
    ).toEqual([
      'GCC_URL: must be an http(s) URL, e.g. https://gcc.wrktalk.com',
      'COMPONENTS: must be comma-separated lower-case names, e.g. backend,media,ct',
      'EXECUTOR_POLL_INTERVAL_MS: must be at least 100 (ms)',
      'COMPOSE_FILE: required for EXECUTOR=docker-compose: the absolute path of the compose file',
    ]);
  });
  it('every executor is built from a valid configuration', () => {
    const envs: Record<string, string>[] = [
      { EXECUTOR: 'argocd-cli' },
      { EXECUTOR: 'argocd-api', ARGOCD_SERVER: 'argocd:443', ARGOCD_AUTH_TOKEN: 't' },
      { EXECUTOR: 'argocd-k8s' },
      { EXECUTOR: 'kubernetes' },
      { EXECUTOR: 'docker-compose', COMPOSE_FILE: '/srv/compose.yaml' },
      {
        EXECUTOR: 'watchtower',
        COMPONENTS: 'backend',
        WATCHTOWER_TOKEN: 't',
        WATCHTOWER_IMAGE_BACKEND: 'registry.wrktalk.com/wrktalk/backend',
      },
      { EXECUTOR: 'fake' },
    ];
    for (const env of envs) expect(createExecutor(load(env), {}).name).toBe(env.EXECUTOR);
  });
});
