import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitserverContainer, has, MINIKUBE_DIR } from './helpers';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

async function start(script: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env, PORT: String(port) } });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return base;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${script} did not start`);
}

describe('the web app', () => {
  it('shows its own version on the page and at /version', async () => {
    const base = await start(join(MINIKUBE_DIR, 'app/server.js'), { APP_VERSION: 'v7' });
    expect(await (await fetch(`${base}/version`)).text()).toBe('v7\n');
    expect(await (await fetch(`${base}/`)).text()).toContain('<p id="version">version v7</p>');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

/** A bare repository as the git server image holds it: the chart committed on main, in `<tmp>/git`. */
function chartRepo(tmp: string): string {
  const git = (args: string[], cwd = tmp) => {
    const out = spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 20_000 });
    expect(out.status, out.stderr).toBe(0);
  };
  cpSync(join(MINIKUBE_DIR, 'chart'), join(tmp, 'src/chart'), { recursive: true });
  git(['init', '-q', '-b', 'main'], join(tmp, 'src'));
  git(['add', '-A'], join(tmp, 'src'));
  git(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'chart'], join(tmp, 'src'));
  git(['clone', '-q', '--bare', join(tmp, 'src'), join(tmp, 'git/wrktalk-demo.git')]);
  return join(tmp, 'git');
}

/** Runs git without blocking the event loop (the server under test runs in this process's children). */
function gitAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return new Promise<number | null>((resolve) => {
    const child = spawn('git', args, { cwd, env, stdio: 'ignore', timeout: 20_000 });
    child.on('close', (code) => resolve(code));
  });
}

describe('the in-cluster git server', () => {
  const hasGit = has('git');
  if (!hasGit) it.skip('git server tests skipped: git is not installed');
  let tmp = '';
  afterEach(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    tmp = '';
  });
  /** The readiness probe of gitserver.yaml, as the kubelet sends it. */
  const probe = gitserverContainer().readinessProbe.httpGet.path as string;
  const asKubelet = { headers: { 'user-agent': 'kube-probe/1.33' } };

  it.skipIf(!hasGit)(
    'serves the chart to `git clone` over smart HTTP (what Argo CD does)',
    async () => {
      tmp = mkdtempSync(join(tmpdir(), 'wrktalk-git-'));
      const base = await start(join(MINIKUBE_DIR, 'gitserver/server.js'), {
        GIT_PROJECT_ROOT: chartRepo(tmp),
      });
      for (const v of ['0', '2']) {
        const code = await gitAsync(
          ['-c', `protocol.version=${v}`, 'clone', '-q', `${base}/wrktalk-demo.git`, `out${v}`],
          tmp,
        );
        expect(code).toBe(0);
        expect(
          spawnSync('git', ['-C', join(tmp, `out${v}`), 'ls-files'], { encoding: 'utf8' }).stdout,
        ).toContain('chart/templates/backend-deployment.yaml');
      }
    },
    30_000,
  ); // seven git processes and two clones over HTTP: seconds on a busy machine

  it.skipIf(!hasGit)(
    "answers the readiness probe with the repository's ref advertisement, the first answer of a clone",
    async () => {
      tmp = mkdtempSync(join(tmpdir(), 'wrktalk-git-'));
      const base = await start(join(MINIKUBE_DIR, 'gitserver/server.js'), {
        GIT_PROJECT_ROOT: chartRepo(tmp),
      });
      const res = await fetch(`${base}${probe}`, asKubelet);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
      const body = await res.text();
      expect(body).toContain('# service=git-upload-pack');
      expect(body).toContain('refs/heads/main');
    },
    30_000,
  );

  it.skipIf(!hasGit)(
    'without git-http-backend (Alpine git without git-daemon): /healthz still answers, the probe fails, as a clone',
    async () => {
      tmp = mkdtempSync(join(tmpdir(), 'wrktalk-git-'));
      const root = chartRepo(tmp);
      // git as Alpine's package `git` alone has it: everything but http-backend (and daemon, shell).
      const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
      const bin = join(tmp, 'bin');
      mkdirSync(bin);
      writeFileSync(
        join(bin, 'git'),
        `#!/bin/sh
if [ "$1" = http-backend ]; then echo "git: 'http-backend' is not a git command. See 'git --help'." >&2; exit 1; fi
exec ${realGit} "$@"
`,
      );
      chmodSync(join(bin, 'git'), 0o755);
      const base = await start(join(MINIKUBE_DIR, 'gitserver/server.js'), {
        GIT_PROJECT_ROOT: root,
        PATH: `${bin}:${process.env.PATH}`,
      });
      expect((await fetch(`${base}/healthz`, asKubelet)).status).toBe(200); // the old probe: Ready, wrongly
      expect((await fetch(`${base}${probe}`, asKubelet)).status).toBe(500); // the probe: not Ready
      expect(await gitAsync(['ls-remote', `${base}/wrktalk-demo.git`], tmp)).not.toBe(0); // Argo CD: no clone
    },
    30_000,
  );
});
