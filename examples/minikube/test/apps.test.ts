import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { has, MINIKUBE_DIR } from './helpers';

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

describe('the in-cluster git server', () => {
  it.skipIf(!has('git'))(
    'serves the chart to `git clone` over smart HTTP (what Argo CD does)',
    async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'wrktalk-git-'));
      try {
        const git = (args: string[], cwd = tmp) => {
          const out = spawnSync('git', args, { cwd, encoding: 'utf8' });
          expect(out.status, out.stderr).toBe(0);
        };
        cpSync(join(MINIKUBE_DIR, 'chart'), join(tmp, 'src/chart'), { recursive: true });
        git(['init', '-q', '-b', 'main'], join(tmp, 'src'));
        git(['add', '-A'], join(tmp, 'src'));
        git(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'chart'], join(tmp, 'src'));
        git(['clone', '-q', '--bare', join(tmp, 'src'), join(tmp, 'git/wrktalk-demo.git')]);
        const base = await start(join(MINIKUBE_DIR, 'gitserver/server.js'), {
          GIT_PROJECT_ROOT: join(tmp, 'git'),
        });
        for (const v of ['0', '2']) {
          const out = spawn(
            'git',
            ['-c', `protocol.version=${v}`, 'clone', '-q', `${base}/wrktalk-demo.git`, `out${v}`],
            {
              cwd: tmp,
            },
          );
          const code = await new Promise((r) => out.on('close', r));
          expect(code).toBe(0);
          expect(
            spawnSync('git', ['-C', join(tmp, `out${v}`), 'ls-files'], { encoding: 'utf8' }).stdout,
          ).toContain('chart/templates/backend-deployment.yaml');
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    30_000,
  ); // seven git processes and two clones over HTTP: seconds on a busy machine
  if (!has('git')) it.skip('git server test skipped: git is not installed');
});
