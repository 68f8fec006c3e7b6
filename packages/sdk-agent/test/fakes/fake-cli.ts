import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Fake `argocd`, `docker` and `docker-compose` executables: small Node scripts with a shebang, written to a temp dir
 * that the test puts first on PATH. They append every argv to a log file and answer like the real CLIs from a JSON
 * state file the test controls.
 */

/** One recorded invocation. */
export interface FakeCliCall {
  bin: string;
  argv: string[];
  env: { ARGOCD_SERVER?: string; ARGOCD_AUTH_TOKEN?: string };
}

/** A fake Argo CD application as the fake `argocd` keeps it. */
export interface FakeCliApp {
  parameters: { name: string; value: string; forceString?: boolean }[];
  sync: string;
  health: string;
  /** A sync started by someone else is running. */
  operationInProgress?: boolean;
  /** What the status compared to (the stale-status case keeps the old parameters here). */
  comparedParameters?: { name: string; value: string }[];
}

/** A fake compose service container. */
export interface FakeContainer {
  service: string;
  image: string;
  state: string;
  health: string;
}

/** Everything the fake CLIs read and write. */
export interface FakeCliState {
  apps: Record<string, FakeCliApp>;
  /** Tags that come up Degraded / unhealthy. */
  badTags: string[];
  /** `argocd app sync` answers "blocked by sync window". */
  syncWindow?: boolean;
  /** `argocd app sync` never returns (until killed): an agent killed between `app set` and the end of `app sync`. */
  hangSync?: boolean;
  /** `argocd app wait` returns once with a stale Synced/Healthy before Argo CD compares the new parameters. */
  staleWaits?: number;
  /** `docker compose` plugin present. */
  composePlugin: boolean;
  /** `docker compose ps --format json` output: JSON Lines (v2.21+) or one array (older v2). */
  psFormat: 'lines' | 'array';
  /** Services without a healthcheck report Health "". */
  noHealthcheck?: boolean;
  /**
   * When set, `argocd app …` needs credentials as the real CLI does (unset: any call is let in): `--core` in
   * ARGOCD_OPTS, or a server (ARGOCD_SERVER, else the current context of the `argocd login` config in
   * `$ARGOCD_CONFIG_DIR`, `$XDG_CONFIG_HOME/argocd` or `$HOME/.config/argocd`) and a token (ARGOCD_AUTH_TOKEN, else
   * that context's user's) that is one of `tokens`.
   */
  argocdAuth?: { tokens: string[] };
  containers: Record<string, FakeContainer>;
}

const RECORD = String.raw`
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
const statePath = process.env.FAKE_CLI_STATE;
const load = () => JSON.parse(readFileSync(statePath, 'utf8'));
const save = (s) => writeFileSync(statePath, JSON.stringify(s, null, 2));
const argv = process.argv.slice(2);
appendFileSync(process.env.FAKE_CLI_LOG, JSON.stringify({ bin: BIN, argv, env: {
  ARGOCD_SERVER: process.env.ARGOCD_SERVER, ARGOCD_AUTH_TOKEN: process.env.ARGOCD_AUTH_TOKEN } }) + '\n');
const fatal = (msg, code = 20) => { process.stderr.write('time="2026-11-26T06:00:00Z" level=fatal msg="' + msg + '"\n'); process.exit(code); };
const tagOf = (image) => { const at = image.indexOf('@'); if (at >= 0) return image.slice(at + 1); const s = image.lastIndexOf('/'); const c = image.lastIndexOf(':'); return c > s ? image.slice(c + 1) : 'latest'; };
`;

const ARGOCD = (yamlPath: string) => String.raw`
const BIN = 'argocd';
${RECORD}
const state = load();
const args = argv.filter((a) => a !== '--grpc-web');
const [group, cmd, name] = args;
if (group === 'version') { process.stdout.write('argocd: v3.5.1+fake\n'); process.exit(0); }
if (group !== 'app') fatal('unknown command ' + group, 1);
if (state.argocdAuth && !(process.env.ARGOCD_OPTS ?? '').split(/\s+/).includes('--core')) {
  const env = process.env;
  const dir = env.ARGOCD_CONFIG_DIR || (env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME + '/argocd' : (env.HOME ?? '') + '/.config/argocd');
  let context;
  try {
    const { parse } = await import(${JSON.stringify(yamlPath)});
    const config = parse(readFileSync(dir + '/config', 'utf8'));
    const c = (config.contexts ?? []).find((x) => x.name === config['current-context']);
    if (c) context = { server: c.server, token: (config.users ?? []).find((u) => u.name === c.user)?.['auth-token'] };
  } catch {}
  const server = env.ARGOCD_SERVER || context?.server;
  if (!server) fatal('Argo CD server address unspecified', 1);
  const token = env.ARGOCD_AUTH_TOKEN || context?.token;
  if (!token) fatal('rpc error: code = Unauthenticated desc = no session information');
  if (!state.argocdAuth.tokens.includes(token)) fatal('rpc error: code = Unauthenticated desc = invalid session: token signature is invalid');
}
const app = state.apps[name];
if (!app) fatal('rpc error: code = NotFound desc = applications.argoproj.io \"' + name + '\" not found');
const param = (list, key) => list.find((p) => p.name === key)?.value;
// One Deployment per <component>.image.tag parameter, Degraded when it runs a bad tag (inline resource health).
const resources = () => app.parameters.filter((p) => p.name.endsWith('.image.tag')).map((p) => {
  const dep = 'wrktalk-' + p.name.split('.')[0];
  const bad = app.health === 'Degraded' && state.badTags.includes(p.value);
  return { group: 'apps', version: 'v1', kind: 'Deployment', namespace: name, name: dep, status: 'Synced',
    health: bad ? { status: 'Degraded', message: 'Deployment "' + dep + '" exceeded its progress deadline' } : { status: 'Healthy' } };
});
const json = () => ({
  metadata: { name, namespace: 'argocd' },
  spec: { project: 'default', source: { repoURL: 'https://charts.wrktalk.com', chart: 'wrktalk', targetRevision: '1.0.0',
    helm: { parameters: app.parameters } }, destination: { server: 'https://kubernetes.default.svc', namespace: name } },
  status: { sync: { status: app.sync, comparedTo: { source: { helm: { parameters: app.comparedParameters ?? app.parameters } } } },
    health: { status: app.health }, resources: resources() },
});
const settle = () => {
  const bad = app.parameters.some((p) => state.badTags.includes(p.value));
  app.sync = 'Synced'; app.health = bad ? 'Degraded' : 'Healthy'; app.operationInProgress = false;
  delete app.comparedParameters;
};
if (cmd === 'get') {
  if (args[3] !== '-o' || args[4] !== 'json') fatal('fake argocd only answers app get -o json', 1);
  process.stdout.write(JSON.stringify(json(), null, 2) + '\n');
} else if (cmd === 'set') {
  // argocd app set APP --helm-set-string k1=v1 [--helm-set-string k2=v2 ...]: one spec write for all of them.
  const sets = args.slice(3);
  if (sets.length === 0 || sets.length % 2 !== 0 || sets.some((a, i) => i % 2 === 0 && a !== '--helm-set-string'))
    fatal('unexpected app set arguments', 1);
  if ((state.staleWaits ?? 0) > 0) app.comparedParameters ??= structuredClone(app.parameters);
  for (let i = 1; i < sets.length; i += 2) {
    const eq = sets[i].indexOf('=');
    const key = sets[i].slice(0, eq); const value = sets[i].slice(eq + 1);
    if (value.includes(',')) fatal('value would be split by helm', 1);
    const entry = { name: key, value, forceString: true };
    const at = app.parameters.findIndex((p) => p.name === key);
    if (at >= 0) app.parameters[at] = entry; else app.parameters.push(entry);
  }
  if (!((state.staleWaits ?? 0) > 0)) app.sync = 'OutOfSync';
  save(state);
} else if (cmd === 'sync') {
  if (args.length !== 3) fatal('unexpected app sync arguments', 1);
  if (state.hangSync) { setInterval(() => {}, 60_000); await new Promise(() => {}); }
  if (state.syncWindow) fatal('rpc error: code = PermissionDenied desc = cannot sync: blocked by sync window');
  if (app.operationInProgress) fatal('rpc error: code = FailedPrecondition desc = another operation is already in progress');
  if ((state.staleWaits ?? 0) > 0) { save(state); process.exit(0); }
  settle(); save(state);
  process.stdout.write('Name: argocd/' + name + '\nSync Status: ' + app.sync + '\nHealth Status: ' + app.health + '\n');
  if (app.health === 'Degraded') fatal('Operation has completed with phase: Succeeded, but health is Degraded', 1);
} else if (cmd === 'wait') {
  const t = args.indexOf('--timeout');
  if (args[3] === '--operation') {
    if (args.length !== 6 || t !== 4) fatal('unexpected app wait --operation arguments', 1);
    app.operationInProgress = false; save(state); process.exit(0);
  }
  if (!args.includes('--health') || !args.includes('--sync') || t < 0 || !/^\d+$/.test(args[t + 1] ?? '')) fatal('unexpected app wait arguments', 1);
  if ((state.staleWaits ?? 0) > 0) { state.staleWaits -= 1; save(state); process.exit(0); }
  if (app.operationInProgress || app.comparedParameters) settle();
  save(state);
  if (app.health !== 'Healthy' || app.sync !== 'Synced') fatal('timed out (' + args[t + 1] + 's) waiting for app \"' + name + '\" match desired state');
  process.stdout.write('Name: argocd/' + name + '\nSync Status: Synced\nHealth Status: Healthy\n');
} else fatal('unknown command app ' + cmd, 1);
`;

const DOCKER = (bin: string, yamlPath: string) => String.raw`
const BIN = ${JSON.stringify(bin)};
${RECORD}
const { parse } = await import(${JSON.stringify(yamlPath)});
const state = load();
let args = [...argv];
const legacy = BIN === 'docker-compose';
if (!legacy) {
  if (args[0] === 'inspect') {
    const found = args.slice(1).map((n) => Object.entries(state.containers).find(([id, c]) => id === n || c.name === n)).filter(Boolean);
    process.stdout.write(JSON.stringify(found.map(([id, c]) => ({ Id: id, Name: '/' + id, Config: { Image: c.image },
      State: { Status: c.state, Running: c.state === 'running', ...(state.noHealthcheck ? {} : { Health: { Status: c.health } }) } })), null, 4) + '\n');
    if (found.length < args.length - 1) { process.stderr.write('Error: No such object: ' + args[args.length - 1] + '\n'); process.exit(1); }
    process.exit(0);
  }
  if (args[0] !== 'compose' || !state.composePlugin) { process.stderr.write("docker: '" + args[0] + "' is not a docker command.\n"); process.exit(1); }
  args = args.slice(1);
}
if (args[0] === 'version') { process.stdout.write(legacy ? 'docker-compose version 1.29.2, build unknown\n' : 'Docker Compose version v2.29.7\n'); process.exit(0); }
if (args[0] !== '-f') { process.stderr.write('fake expects -f FILE first\n'); process.exit(2); }
const file = args[1]; const rest = args.slice(2);
const doc = parse(readFileSync(file, 'utf8'));
const service = rest[rest.length - 1];
if (rest[0] === 'up') {
  // up [-d] [--wait] [--wait-timeout N] SERVICE...: every named service is (re)created in this one run.
  const services = rest.slice(1).filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '--wait-timeout');
  if (services.length === 0) { process.stderr.write('fake expects the services to start\n'); process.exit(2); }
  const unhealthy = [];
  for (const s of services) {
    const svc = doc.services?.[s];
    if (!svc) { process.stderr.write('no such service: ' + s + '\n'); process.exit(1); }
    const id = 'wrktalk-' + s + '-1';
    const bad = state.badTags.includes(tagOf(svc.image));
    state.containers[id] = { service: s, image: svc.image, state: 'running', health: state.noHealthcheck ? '' : bad ? 'unhealthy' : 'healthy' };
    process.stderr.write(' Container ' + id + '  Started\n');
    if (bad) unhealthy.push(id);
  }
  save(state);
  if (unhealthy.length && rest.includes('--wait')) { process.stderr.write('container ' + unhealthy[0] + ' is unhealthy\n'); process.exit(1); }
  process.exit(0);
}
if (rest[0] === 'ps') {
  const list = Object.entries(state.containers).filter(([, c]) => c.service === service);
  if (legacy) {
    if (rest[1] !== '-q') { process.stderr.write('fake docker-compose only answers ps -q\n'); process.exit(2); }
    process.stdout.write(list.map(([id]) => id).join('\n') + (list.length ? '\n' : ''));
    process.exit(0);
  }
  const rows = list.map(([id, c]) => ({ Command: '"/app"', CreatedAt: '2026-11-26 06:00:00 +0000 UTC', ExitCode: 0, Health: c.health,
    ID: id, Image: c.image, Name: id, Project: 'wrktalk', Service: c.service, State: c.state, Status: 'Up 5 seconds' }));
  process.stdout.write(state.psFormat === 'array' ? JSON.stringify(rows) + '\n' : rows.map((r) => JSON.stringify(r) + '\n').join(''));
  process.exit(0);
}
process.stderr.write('fake does not know ' + rest.join(' ') + '\n'); process.exit(2);
`;

/** A temp dir with fake CLIs, the env to run them, and accessors for tests. */
export interface FakeClis {
  dir: string;
  /** Environment to pass to the executor (`PATH` with the fake dir first, log and state files). */
  env: Record<string, string>;
  calls(bin?: string): Promise<FakeCliCall[]>;
  state(): Promise<FakeCliState>;
  setState(update: (state: FakeCliState) => void): Promise<void>;
  cleanup(): Promise<void>;
}

/** Writes the fake CLIs (`bins`, default all three) and an initial state into a new temp dir. */
export async function installFakeClis(
  initial: Partial<FakeCliState> = {},
  bins: ('argocd' | 'docker' | 'docker-compose')[] = ['argocd', 'docker', 'docker-compose'],
): Promise<FakeClis> {
  const dir = await mkdtemp(join(tmpdir(), 'wrktalk-fake-cli-'));
  const yamlPath = createRequire(import.meta.url).resolve('yaml');
  const logPath = join(dir, 'calls.jsonl');
  const statePath = join(dir, 'state.json');
  const state: FakeCliState = {
    apps: {},
    badTags: [],
    composePlugin: true,
    psFormat: 'lines',
    containers: {},
    ...initial,
  };
  await writeFile(statePath, JSON.stringify(state));
  await writeFile(logPath, '');
  for (const bin of bins) {
    const body = bin === 'argocd' ? ARGOCD(yamlPath) : DOCKER(bin, yamlPath);
    const path = join(dir, bin);
    await writeFile(path, `#!/usr/bin/env node\n${body}`);
    await chmod(path, 0o755);
  }
  const readState = async () => JSON.parse(await readFile(statePath, 'utf8')) as FakeCliState;
  return {
    dir,
    env: {
      PATH: `${dir}${delimiter}${process.env.PATH ?? ''}`,
      FAKE_CLI_LOG: logPath,
      FAKE_CLI_STATE: statePath,
    },
    async calls(bin) {
      const text = await readFile(logPath, 'utf8');
      const all = text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as FakeCliCall);
      return bin ? all.filter((c) => c.bin === bin) : all;
    },
    state: readState,
    async setState(update) {
      const current = await readState();
      update(current);
      await writeFile(statePath, JSON.stringify(current));
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** What `argocd login argocd.acme.internal` leaves in `<home>/.config/argocd/config`. */
export async function writeArgoLogin(home: string, token: string): Promise<void> {
  await mkdir(join(home, '.config', 'argocd'), { recursive: true });
  await writeFile(
    join(home, '.config', 'argocd', 'config'),
    [
      'contexts:',
      '- name: argocd.acme.internal',
      '  server: argocd.acme.internal',
      '  user: argocd.acme.internal',
      'current-context: argocd.acme.internal',
      'servers:',
      '- server: argocd.acme.internal',
      'users:',
      `- auth-token: ${token}`,
      '  name: argocd.acme.internal',
      '',
    ].join('\n'),
  );
}
