/**
 * The Docker-host stack (deploy/docker-host): its compose files against the compose-spec schema and (where it is
 * installed) Debian's docker-compose 1.29, one documented .env for every variable, pinned images, healthchecks where
 * `up --wait` needs them, the updater profiles, and, end to end, the real docker-compose executor of
 * @wrktalk/sdk-agent, configured by the agent's own loadConfig from this project's agent service, driving a copy of
 * the project with the sdk-agent tests' fake `docker` / `docker-compose` on PATH.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerComposeExecutor } from '@wrktalk/sdk-agent';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { testContext, testSetInstruction } from '../../packages/sdk-agent/test/fakes/context';
import { type FakeClis, installFakeClis } from '../../packages/sdk-agent/test/fakes/fake-cli';
import { loadConfig } from '../../reference/agent-node/src/config';
import { DEPLOY_DIR, REPO_DIR } from './helpers/chart-render';
import { SPECS_DIR } from './helpers/k8s-schemas';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// biome-ignore lint/suspicious/noExplicitAny: parsed compose YAML, read by path in assertions
type Obj = Record<string, any>;

const DIR = join(DEPLOY_DIR, 'docker-host');
const COMPOSE_FILES = ['compose.yaml', 'compose.watchtower.yaml'];
const COMPONENTS = ['backend', 'media', 'ct'] as const;
/** Read by Compose itself from .env, not interpolated into the files. */
const COMPOSE_CLI_VARIABLES = ['COMPOSE_FILE', 'COMPOSE_PROFILES'];
const AGENT_VERSION = JSON.parse(readFileSync(join(REPO_DIR, 'reference/agent-node/package.json'), 'utf8'))
  .version as string;

const read = (file: string, dir = DIR) => readFileSync(join(dir, file), 'utf8');
const load = (file: string, dir = DIR) => parse(read(file, dir), { merge: true }) as Obj;

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** KEY=value lines of an env file (comments and blank lines skipped). */
function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** The variables a compose file interpolates: ${VAR}, ${VAR:-x}, ${VAR:?x}, $VAR; `$$` is a literal dollar. */
function variablesOf(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text
    .replaceAll('$$', '')
    .matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g))
    out.add((m[1] ?? m[2])!);
  return out;
}

/** Compose's interpolation of one value (the forms this project uses), failing like Compose on a `:?` variable. */
function interpolate(value: string, env: Record<string, string>): string {
  return value
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$\$/g, (all, name, op, arg) => {
      if (all === '$$') return '$';
      const v = env[name];
      if (op === ':-') return v ? v : arg;
      if (op === ':?') {
        if (!v) throw new Error(`${name}: ${arg}`);
        return v;
      }
      return v ?? '';
    })
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, name) => env[name] ?? '');
}

/** A service's environment as its container gets it. */
function serviceEnv(compose: Obj, service: string, env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(compose.services[service].environment as Record<string, string>).map(([k, v]) => [
      k,
      interpolate(String(v), env),
    ]),
  );
}

const envExample = parseEnvFile(read('.env.example'));
const compose = load('compose.yaml');

describe('files', () => {
  it('are the compose project, its Watchtower override, one .env.example, the agent image and the logging config', () => {
    for (const f of [
      ...COMPOSE_FILES,
      '.env.example',
      'agent.Dockerfile',
      'logging/fluent-bit.conf',
      'README.md',
    ])
      expect(existsSync(join(DIR, f)), f).toBe(true);
  });

  // The file declares draft-07 as https://json-schema.org/draft-07/schema, an id ajv does not know; draft-07 is
  // ajv's default dialect, so the declaration is dropped.
  const { $schema: _dialect, ...schema } = JSON.parse(read('compose/compose-spec.json', SPECS_DIR));
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('duration', true);
  const validate = ajv.compile(schema);

  it.each(COMPOSE_FILES)('%s validates against the compose-spec schema', (file) => {
    expect(validate(load(file)), JSON.stringify(validate.errors)).toBe(true);
    // and the schema does refuse a broken file (the check can fail)
    expect(validate({ services: { backend: { image: 'x', restart: 42 } } })).toBe(false);
  });
});

describe('.env.example: one file documents every variable', () => {
  const used = new Set(COMPOSE_FILES.flatMap((f) => [...variablesOf(read(f))]));
  const documented = Object.keys(envExample);

  it('every variable the compose files interpolate is in .env.example, and every entry of .env.example is used', () => {
    expect([...used].filter((v) => !(v in envExample)).sort()).toEqual([]);
    expect(documented.filter((v) => !used.has(v)).sort()).toEqual([...COMPOSE_CLI_VARIABLES].sort());
  });

  it('each variable has a comment of its own right above it (or its group)', () => {
    const lines = read('.env.example').split('\n');
    for (const name of documented) {
      const at = lines.findIndex((l) => l.startsWith(`${name}=`));
      let i = at - 1;
      while (i >= 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(lines[i]!)) i--;
      expect(lines[i], `${name} has no comment above it`).toMatch(/^#.*\S/);
    }
  });

  it('the Fluent Bit config reads only variables the logging container gets', () => {
    const given = Object.keys(compose.services['fluent-bit'].environment);
    expect([...variablesOf(read('logging/fluent-bit.conf'))].filter((v) => !given.includes(v))).toEqual([]);
  });
});

describe('images, healthchecks, profiles', () => {
  const tagOf = (image: string) => /^[^@]*?(?::([^:/@]+))?(@sha256:[0-9a-f]{64})?$/.exec(image);

  it('every image is pinned to a version (no latest, no missing tag), also in agent.Dockerfile', () => {
    const images = Object.entries(compose.services as Record<string, Obj>).map(
      ([name, s]) => [name, interpolate(s.image, envExample)] as const,
    );
    const from = /^FROM\s+(\S+)/m.exec(read('agent.Dockerfile'))?.[1];
    for (const [name, image] of [...images, ['agent.Dockerfile', from ?? ''] as const]) {
      const m = tagOf(image);
      expect(m?.[1] ?? m?.[2], `${name}: ${image} has no tag`).toBeDefined();
      expect(m?.[1], `${name}: ${image}`).not.toMatch(/^(latest|stable|main|master)$/);
    }
    // The agent images are the reference agent's version.
    expect(from).toBe(`registry.wrktalk.com/wrktalk-agent:${AGENT_VERSION}`);
    for (const s of ['agent', 'watchtower-agent'])
      expect(compose.services[s].image).toBe(`registry.wrktalk.com/wrktalk-agent-docker:${AGENT_VERSION}`);
  });

  it('backend, media and ct are literal image lines under WRKTALK_REGISTRY (the executor refuses interpolation there)', () => {
    for (const c of COMPONENTS) {
      const image = compose.services[c].image as string;
      expect(image).not.toContain('$');
      expect(image).toMatch(
        new RegExp(`^${envExample.WRKTALK_REGISTRY!.replaceAll('.', '\\.')}/${c}:[0-9]+\\.[0-9]+\\.[0-9]+$`),
      );
    }
  });

  it('backend, media and ct have healthchecks, and so has every service they wait for', () => {
    for (const c of COMPONENTS) {
      expect(compose.services[c].healthcheck?.test, c).toBeDefined();
      expect(compose.services[c].profiles, `${c} must always run`).toBeUndefined();
    }
    for (const [name, s] of Object.entries(compose.services as Record<string, Obj>)) {
      for (const [dep, d] of Object.entries((s.depends_on ?? {}) as Record<string, Obj>)) {
        expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (d.condition === 'service_healthy')
          expect(compose.services[dep].healthcheck?.test, dep).toBeDefined();
        // A dependency in a profile that is not active would make `up <service>` fail.
        expect(compose.services[dep].profiles, `${name} depends on ${dep}`).toBeUndefined();
      }
    }
  });

  it('has the whole stack: PostgreSQL behind PgBouncer, Redis, MinIO, coturn, named volumes', () => {
    const services = Object.keys(compose.services);
    for (const s of ['postgres', 'pgbouncer', 'redis', 'minio', 'minio-init', 'coturn'])
      expect(services, s).toContain(s);
    expect(compose.services.backend.environment.DATABASE_URL).toMatch(/@pgbouncer:5432\//);
    for (const s of Object.values(compose.services as Record<string, Obj>)) {
      for (const v of (s.volumes ?? []) as string[]) {
        const source = v.split(':')[0]!;
        // Named volumes, or host paths the service needs (the socket, the project dir, host metrics, logs).
        if (!source.startsWith('/') && !source.startsWith('$') && !source.startsWith('.'))
          expect(Object.keys(compose.volumes), v).toContain(source);
      }
    }
  });

  it('the updater is a profile: agent (docker-compose) or watchtower (+ its agent), and optional extras', () => {
    const profiles = Object.fromEntries(
      Object.entries(compose.services as Record<string, Obj>).map(([n, s]) => [n, s.profiles ?? []]),
    );
    expect(profiles.agent).toEqual(['agent']);
    expect(profiles.watchtower).toEqual(['watchtower']);
    expect(profiles['watchtower-agent']).toEqual(['watchtower']);
    expect(Object.keys(profiles).filter((n) => profiles[n].includes('monitoring'))).toEqual([
      'node-exporter',
      'cadvisor',
    ]);
    expect(Object.keys(profiles).filter((n) => profiles[n].includes('logging'))).toEqual(['fluent-bit']);
    expect(envExample.COMPOSE_PROFILES).toBe('agent');
    expect(envExample.COMPOSE_FILE).toBe('compose.yaml');
  });

  it('the docker-compose agent edits this file at the same path as on the host, through the Docker socket', () => {
    const agent = compose.services.agent;
    expect(agent.environment.EXECUTOR).toBe('docker-compose');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose variables, not JS templates
    expect(agent.environment.COMPOSE_FILE).toBe('${WRKTALK_DIR:?set WRKTALK_DIR in .env}/compose.yaml');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose variables, not JS templates
    expect(agent.volumes).toContain('${WRKTALK_DIR}:${WRKTALK_DIR}');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose variables, not JS templates
    expect(agent.working_dir).toBe('${WRKTALK_DIR}');
    expect(agent.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(agent.build).toEqual({ context: '.', dockerfile: 'agent.Dockerfile' });
    expect(read('agent.Dockerfile')).toMatch(/^RUN apk add --no-cache docker-cli docker-cli-compose$/m);
    // Its configuration is valid for the agent, and names this project's file and services.
    const config = loadConfig(serviceEnv(compose, 'agent', envExample));
    expect(config.EXECUTOR).toBe('docker-compose');
    if (config.EXECUTOR !== 'docker-compose') return;
    expect(config.executorOptions.file).toBe(`${envExample.WRKTALK_DIR}/compose.yaml`);
    for (const service of Object.values(config.executorOptions.services ?? {}))
      expect(compose.services[service], service).toBeDefined();
    // The agent accepts updates of the images this file runs, and only from the registries .env allows.
    expect(config.ALLOWED_REGISTRIES).toEqual(envExample.ALLOWED_REGISTRIES!.split(','));
    for (const c of COMPONENTS)
      expect(
        config.ALLOWED_REGISTRIES.some((prefix) => compose.services[c].image.startsWith(prefix)),
        compose.services[c].image,
      ).toBe(true);
  });

  it('Watchtower mode: label-scoped, API-only, and the agent watches exactly the containers and tags the override runs', () => {
    const wt = compose.services.watchtower;
    expect(wt.image).toMatch(/^nickfedor\/watchtower:[0-9.]+$/);
    expect(wt.environment).toMatchObject({
      WATCHTOWER_HTTP_API_UPDATE: 'true',
      WATCHTOWER_LABEL_ENABLE: 'true',
      WATCHTOWER_SCOPE: 'wrktalk',
    });
    expect(wt.environment.WATCHTOWER_HTTP_API_PERIODIC_POLLS).toBeUndefined();
    const env = { ...envExample, WATCHTOWER_TOKEN: 'wt-token' };
    const agentEnv = serviceEnv(compose, 'watchtower-agent', env);
    expect(interpolate(wt.environment.WATCHTOWER_HTTP_API_TOKEN, env)).toBe(agentEnv.WATCHTOWER_TOKEN);
    const config = loadConfig(agentEnv);
    expect(config.EXECUTOR).toBe('watchtower');
    if (config.EXECUTOR !== 'watchtower') return;
    expect(config.executorOptions.url).toBe('http://watchtower:8080');
    expect(config.executorOptions.trackedTag).not.toBe('latest');
    const override = load('compose.watchtower.yaml');
    for (const c of COMPONENTS) {
      expect(compose.services[c].container_name).toBe(config.executorOptions.containers?.[c]);
      expect(compose.services[c].labels).toMatchObject({
        'com.centurylinklabs.watchtower.enable': 'true',
        'com.centurylinklabs.watchtower.scope': 'wrktalk',
      });
      const image = interpolate(override.services[c].image, env);
      expect(image).toBe(`${config.executorOptions.images?.[c]}:${config.executorOptions.trackedTag}`);
      expect(
        config.ALLOWED_REGISTRIES.some((prefix) => image.startsWith(prefix)),
        image,
      ).toBe(true);
    }
    // The registry login the agent's pulls use is the one Watchtower reads.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose variables, not JS templates
    expect(compose.services.agent.environment.DOCKER_CONFIG).toBe('${WRKTALK_DIR}/.docker');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose variables, not JS templates
    expect(wt.volumes).toContain('${WRKTALK_DIR}/.docker/config.json:/config.json:ro');
  });
});

const hasCompose = has('docker-compose');
// Debian's docker-compose 1.29 checks the files offline (`config` needs no daemon); the agent falls back to it when
// the Compose v2 plugin is missing, so the project must pass it. .ci/run installs it (apt-get install docker-compose).
describe.skipIf(!hasCompose)(
  'docker-compose 1.29 `config` (skipped: docker-compose is not installed)',
  () => {
    const config = (files: string[], args: string[], envFile = '.env.example', cwd = DIR) =>
      spawnSync(
        'docker-compose',
        [...files.flatMap((f) => ['-f', f]), '--env-file', envFile, ...args, 'config'],
        {
          cwd,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '' },
        },
      );

    it.each([
      ['(no profile)', ['compose.yaml'], []],
      ['agent', ['compose.yaml'], ['--profile', 'agent']],
      ['watchtower', ['compose.yaml', 'compose.watchtower.yaml'], ['--profile', 'watchtower']],
      ['monitoring', ['compose.yaml'], ['--profile', 'monitoring']],
      ['logging', ['compose.yaml'], ['--profile', 'logging']],
    ])('%s', (_name, files, profile) => {
      const out = config(files, profile);
      expect(out.status, out.stderr).toBe(0);
      const resolved = parse(out.stdout) as Obj;
      expect(resolved.services.backend.environment.DATABASE_URL).toBe(
        `postgres://${envExample.POSTGRES_USER}:${envExample.POSTGRES_PASSWORD}@pgbouncer:5432/${envExample.POSTGRES_DB}`,
      );
      const tag = files.length > 1 ? envExample.WATCHTOWER_TRACKED_TAG : '1.0.0';
      expect(resolved.services.backend.image).toBe(`${envExample.WRKTALK_REGISTRY}/backend:${tag}`);
    });

    it('refuses a .env without a required secret, naming it', () => {
      const dir = mkdtempSync(join(tmpdir(), 'wrktalk-docker-host-'));
      try {
        writeFileSync(
          join(dir, 'bad.env'),
          read('.env.example').replace(/^POSTGRES_PASSWORD=.*$/m, 'POSTGRES_PASSWORD='),
        );
        const out = config([join(DIR, 'compose.yaml')], [], join(dir, 'bad.env'));
        expect(out.status).not.toBe(0);
        expect(out.stderr).toContain('set POSTGRES_PASSWORD in .env');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

// The real docker-compose executor against a copy of this project, configured exactly as the `agent` service
// configures the reference agent (its environment, interpolated from .env, through the agent's loadConfig).
describe('end to end: the docker-compose executor updates this project', { timeout: 60_000 }, () => {
  let dir: string;
  let clis: FakeClis;
  let original: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wrktalk-docker-host-'));
    cpSync(DIR, dir, { recursive: true });
    // The host's .env, with the project where this copy is (WRKTALK_DIR: the agent mounts it at the same path).
    writeFileSync(join(dir, '.env'), read('.env.example').replace(/^WRKTALK_DIR=.*$/m, `WRKTALK_DIR=${dir}`));
    original = read('compose.yaml', dir);
    clis = await installFakeClis({}, ['docker', 'docker-compose']);
  });
  afterEach(async () => {
    await clis.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The executor the agent service would create (its options from the agent's own configuration). */
  const executor = () => {
    const env = parseEnvFile(read('.env', dir));
    const config = loadConfig(serviceEnv(load('compose.yaml', dir), 'agent', env));
    if (config.EXECUTOR !== 'docker-compose') throw new Error(`agent service runs ${config.EXECUTOR}`);
    expect(config.executorOptions.file).toBe(join(dir, 'compose.yaml'));
    return createDockerComposeExecutor({ ...config.executorOptions, env: clis.env, pollIntervalMs: 10 });
  };
  const changedLines = (before: string, after: string) => {
    const a = before.split('\n');
    const b = after.split('\n');
    expect(b).toHaveLength(a.length);
    return a.flatMap((line, i) => (line === b[i] ? [] : [[line.trim(), b[i]!.trim()]]));
  };

  it('moves exactly backend, media and ct to the release, with one `up -d --wait` of those services', async () => {
    const exec = executor();
    const ctx = testContext();
    const release = testSetInstruction('1.1.0', '1.0.0');
    expect((await exec.current(release, ctx)).versions).toEqual({
      backend: '1.0.0',
      media: '1.0.0',
      ct: '1.0.0',
    });

    await exec.apply(release, ctx);
    expect(await exec.verify(release, ctx)).toEqual({
      healthy: true,
      message: 'backend, media, ct running and healthy',
    });

    const file = join(dir, 'compose.yaml');
    expect(changedLines(original, read('compose.yaml', dir))).toEqual(
      COMPONENTS.map((c) => [
        `image: registry.wrktalk.com/wrktalk/${c}:1.0.0`,
        `image: registry.wrktalk.com/wrktalk/${c}:1.1.0`,
      ]),
    );
    expect(read('compose.yaml.wrktalk-backup', dir)).toBe(original);
    expect((await clis.calls()).map((c) => [c.bin, ...c.argv])).toEqual([
      ['docker', 'compose', 'version'],
      [
        'docker',
        'compose',
        '-f',
        file,
        'up',
        '-d',
        '--wait',
        '--wait-timeout',
        '30',
        'backend',
        'media',
        'ct',
      ],
      ...COMPONENTS.map((c) => ['docker', 'compose', '-f', file, 'ps', '--format', 'json', c]),
    ]);
    // Every service the command names is this project's, with the healthcheck `--wait` waits for.
    const edited = load('compose.yaml', dir);
    for (const c of COMPONENTS) expect(edited.services[c].healthcheck.test).toBeDefined();

    // Revert puts the file back byte for byte and brings the services up again.
    await exec.revert!(release, ctx);
    expect(read('compose.yaml', dir)).toBe(original);
    expect((await clis.calls()).at(-1)?.argv).toEqual([
      'compose',
      '-f',
      file,
      'up',
      '-d',
      '--wait',
      '--wait-timeout',
      '30',
      'backend',
      'media',
      'ct',
    ]);
  });

  it('moves one component alone, and reports an unhealthy release', async () => {
    await clis.setState((s) => {
      s.badTags = ['6.6.6'];
    });
    const exec = executor();
    const ctx = testContext();
    const bad = testSetInstruction('6.6.6', '1.0.0', {
      component: 'media',
      components: [
        {
          component: 'media',
          version: '6.6.6',
          imageUrl: 'registry.wrktalk.com/wrktalk/media:6.6.6',
          previousVersion: '1.0.0',
          helmParameter: 'media.image.tag',
        },
      ],
    });
    await exec.apply(bad, ctx);
    expect(changedLines(original, read('compose.yaml', dir))).toEqual([
      ['image: registry.wrktalk.com/wrktalk/media:1.0.0', 'image: registry.wrktalk.com/wrktalk/media:6.6.6'],
    ]);
    expect((await exec.verify(bad, ctx)).healthy).toBe(false);
    await exec.revert!(bad, ctx);
    expect(read('compose.yaml', dir)).toBe(original);
  });

  it('falls back to the old docker-compose CLI with the same file and services', async () => {
    await clis.setState((s) => {
      s.composePlugin = false;
    });
    const exec = executor();
    const ctx = testContext();
    const release = testSetInstruction('1.2.0', '1.0.0');
    await exec.apply(release, ctx);
    expect((await exec.verify(release, ctx)).healthy).toBe(true);
    const up = (await clis.calls('docker-compose')).find((c) => c.argv.includes('up'));
    expect(up?.argv).toEqual(['-f', join(dir, 'compose.yaml'), 'up', '-d', 'backend', 'media', 'ct']);
  });

  it.skipIf(!hasCompose)(
    'the edited project still passes the real docker-compose 1.29 `config`',
    async () => {
      const release = testSetInstruction('1.1.0', '1.0.0');
      await executor().apply(release, testContext());
      const out = spawnSync(
        'docker-compose',
        ['-f', join(dir, 'compose.yaml'), '--profile', 'agent', 'config'],
        {
          cwd: dir,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '' },
        },
      );
      expect(out.status, out.stderr).toBe(0);
      const resolved = parse(out.stdout) as Obj;
      for (const c of COMPONENTS)
        expect(resolved.services[c].image).toBe(`registry.wrktalk.com/wrktalk/${c}:1.1.0`);
      expect(resolved.services.agent.environment.COMPOSE_FILE).toBe(join(dir, 'compose.yaml'));
    },
  );
});
