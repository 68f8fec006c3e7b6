/**
 * The scripts as a user runs them, without any cluster: `--help` and unknown options, `down.sh` in a temporary copy
 * of the example (with and without minikube on PATH), and `lib.sh` sourced into a plain bash, with its GCC helpers
 * called against a fake `curl`. Fake CLIs on PATH write each call to a log, so a test sees what was (not) run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MINIKUBE_DIR } from './helpers';

/** Every spawned process gets this much time; a hung script fails its test instead of hanging the run. */
const TIMEOUT_MS = 20_000;
const BASH = spawnSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim();

const temps: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill();
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wrktalk-${prefix}-`));
  temps.push(dir);
  return dir;
}

/**
 * A copy of the scripts at `<tmp>/repo/examples/minikube` (so lib.sh's REPO_ROOT stays inside `<tmp>`), with a
 * `.work/` and an `app/VERSION` as the scripts leave them; returns the copy's directory.
 */
function exampleCopy(): string {
  const dir = join(tempDir('scripts'), 'repo/examples/minikube');
  mkdirSync(join(dir, 'app'), { recursive: true });
  for (const f of ['up.sh', 'demo.sh', 'down.sh', 'lib.sh'])
    copyFileSync(join(MINIKUBE_DIR, f), join(dir, f));
  mkdirSync(join(dir, '.work/tokens'), { recursive: true });
  writeFileSync(join(dir, '.work/tokens/admin'), 'tok-admin\n');
  writeFileSync(join(dir, 'app/VERSION'), 'v2\n');
  return dir;
}

/** Files under `dir`, recursively, relative to it (sorted). */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

/**
 * A directory of fake CLIs: each appends `NAME ARGS…` to `$FAKE_LOG` and then runs its body (default: exit 0).
 * Returns the directory.
 */
function fakeBin(fakes: Record<string, string>): string {
  const dir = tempDir('fakebin');
  for (const [name, body] of Object.entries(fakes)) {
    const file = join(dir, name);
    writeFileSync(file, `#!${BASH}\necho "${name} $*" >> "$FAKE_LOG"\n${body || 'exit 0'}\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

/** A PATH directory holding only the given real tools (symlinks), so that nothing else, minikube above all, is found. */
function onlyTools(tools: string[]): string {
  const dir = tempDir('tools');
  for (const tool of tools) {
    const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (!real) throw new Error(`${tool} is needed by this test`);
    symlinkSync(real, join(dir, tool));
  }
  return dir;
}

/** The CLIs the scripts use: when one of them shows up in the log, the script ran something. */
const CLIS = [
  'minikube',
  'kubectl',
  'helm',
  'argocd',
  'curl',
  'node',
  'npm',
  'git',
  'docker',
  'nohup',
  'sleep',
];

function run(cwd: string, args: string[], env: Record<string, string>) {
  const log = join(tempDir('log'), 'calls.log');
  const out = spawnSync(BASH, args, {
    cwd,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    env: { HOME: cwd, ...env, FAKE_LOG: log },
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  return { status: out.status, stdout: out.stdout, stderr: out.stderr, calls, error: out.error };
}

describe('--help and unknown options: the scripts explain themselves and touch nothing', () => {
  const expected: Record<string, { usage: string; mentions: string[] }> = {
    'up.sh': {
      usage: 'Usage: ./up.sh [--help]',
      mentions: ['Steps 1-4', 'PROFILE=p-test', 'CLIENTS=', 'ARGOCD_VERSION=', 'ARGOCD_PORT=', '-h, --help'],
    },
    'down.sh': {
      usage: 'Usage: ./down.sh [--help]',
      mentions: ['minikube profile', 'PROFILE=p-test', '.work/', 'Exit status', '-h, --help'],
    },
    'demo.sh': {
      usage: 'Usage: ./demo.sh [COMMAND]',
      mentions: [
        'argocd',
        'kubectl',
        'rollout',
        'diagnose CLIENT',
        'PROFILE=p-test',
        'GCC_PORT=',
        '-h, --help',
      ],
    },
  };

  for (const [script, { usage, mentions }] of Object.entries(expected)) {
    for (const flag of ['--help', '-h']) {
      it(`${script} ${flag} prints what it does, its options and settings, exits 0, runs nothing`, () => {
        const dir = exampleCopy();
        const before = tree(dir);
        const fakes = fakeBin(Object.fromEntries(CLIS.map((c) => [c, ''])));
        const out = run(dir, [script, flag], { PATH: `${fakes}:${process.env.PATH}`, PROFILE: 'p-test' });
        expect(out.status, out.stderr).toBe(0);
        expect(out.stdout.startsWith(`${usage}\n`), out.stdout).toBe(true);
        for (const m of mentions) expect(out.stdout).toContain(m);
        expect(out.stderr).toBe('');
        expect(out.calls).toEqual([]);
        expect(tree(dir)).toEqual(before);
      });
    }

    it(`${script} --frobnicate exits 2 with a message, runs nothing`, () => {
      const dir = exampleCopy();
      const before = tree(dir);
      const fakes = fakeBin(Object.fromEntries(CLIS.map((c) => [c, ''])));
      const out = run(dir, [script, '--frobnicate'], { PATH: `${fakes}:${process.env.PATH}` });
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(
        new RegExp(`^${script}: unknown (option|command) '--frobnicate' \\(.*--help.*\\)\\n$`),
      );
      expect(out.calls).toEqual([]);
      expect(tree(dir)).toEqual(before);
    });
  }
});

describe('down.sh cleans up what exists and says what it skipped', () => {
  /** PATH for down.sh: only what it needs (and minikube, when a test puts a fake one in front). */
  const tools = () => onlyTools(['cat', 'rm', 'dirname']);

  /** A process standing in for the GCC that demo.sh started in the background. */
  function fakeGcc(): ChildProcess {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    children.push(child);
    return child;
  }
  const exited = (child: ChildProcess) =>
    new Promise<NodeJS.Signals | number | null>((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode ?? child.exitCode);
      const timer = setTimeout(() => reject(new Error('the process was not stopped')), TIMEOUT_MS);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(signal ?? code);
      });
    });

  it('without minikube installed: stops the processes, removes .work/ and app/VERSION, exits 0', async () => {
    const dir = exampleCopy();
    const gcc = fakeGcc();
    writeFileSync(join(dir, '.work/gcc.pid'), `${gcc.pid}\n`);
    writeFileSync(join(dir, '.work/argocd-port-forward.pid'), '999999999\n'); // long gone
    const out = run(dir, ['down.sh'], { PATH: tools(), PROFILE: 'p-test' });
    expect(out.status, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout.trim().split('\n')).toEqual([
      `stopped: process ${gcc.pid} of .work/gcc.pid`,
      'skipped: process 999999999 of .work/argocd-port-forward.pid is not running any more',
      'skipped: minikube is not installed, so there is no cluster to delete',
      'removed: .work',
      'removed: app/VERSION',
    ]);
    expect(out.stderr).toBe('');
    expect(await exited(gcc)).toBe('SIGTERM');
    expect(tree(dir)).toEqual(['app', 'demo.sh', 'down.sh', 'lib.sh', 'up.sh']);
  });

  it('with nothing to tear down (a second run): says so for each step, exits 0', () => {
    const dir = exampleCopy();
    rmSync(join(dir, '.work'), { recursive: true });
    rmSync(join(dir, 'app/VERSION'));
    const out = run(dir, ['down.sh'], { PATH: tools() });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout.trim().split('\n')).toEqual([
      'skipped: no .work/gcc.pid (not started)',
      'skipped: no .work/argocd-port-forward.pid (not started)',
      'skipped: minikube is not installed, so there is no cluster to delete',
      'skipped: no .work',
      'skipped: no app/VERSION',
    ]);
    expect(out.stderr).toBe('');
  });

  it('with minikube: deletes only the demo profile', () => {
    const dir = exampleCopy();
    const fakes = fakeBin({ minikube: '' });
    const out = run(dir, ['down.sh'], { PATH: `${fakes}:${tools()}`, PROFILE: 'p-test' });
    expect(out.status, out.stderr).toBe(0);
    expect(out.calls).toEqual(['minikube delete -p p-test']);
    expect(out.stdout).toContain('deleted: minikube profile p-test\n');
    expect(existsSync(join(dir, '.work'))).toBe(false);
  });

  it('when minikube delete fails: still removes .work/, names the failed step, exits 1', () => {
    const dir = exampleCopy();
    const fakes = fakeBin({ minikube: 'echo "X  Exiting due to DRV_DOCKER_NOT_RUNNING" >&2; exit 80' });
    const out = run(dir, ['down.sh'], { PATH: `${fakes}:${tools()}`, PROFILE: 'p-test' });
    expect(out.status).toBe(1);
    expect(out.calls).toEqual(['minikube delete -p p-test']);
    expect(out.stdout).toContain('removed: .work\n');
    expect(existsSync(join(dir, '.work'))).toBe(false);
    expect(out.stderr).toContain('down.sh: failed: minikube delete -p p-test\n');
    expect(out.stderr).toContain('run ./down.sh again');
  });
});

describe('lib.sh can be sourced into your own shell', () => {
  it('sourcing it changes no shell option, trap, directory or file, and runs no CLI', () => {
    const dir = exampleCopy();
    const repo = join(dir, '../..');
    const before = tree(dir);
    // A decoy reachable through CDPATH: `cd examples/minikube` must not go there (nor print its path).
    const cdpath = tempDir('cdpath');
    mkdirSync(join(cdpath, 'examples/minikube'), { recursive: true });
    const fakes = fakeBin(
      Object.fromEntries([...CLIS, 'kill', 'rm', 'mkdir', 'tar', 'date'].map((c) => [c, ''])),
    );
    const snapshot = 'printf "%s\\n" "$-" "$(set +o)" "$(shopt -p)" "$(trap -p)" "$PWD" "$(umask)"';
    const out = run(
      repo,
      [
        '-c',
        `${snapshot} > "$SNAP.before"
. examples/minikube/lib.sh
${snapshot} > "$SNAP.after"
printf '%s\\n' "$HERE" "$(type -t watch_deployment show_tasks release_and_deploy answer_approvals jget api show_version | paste -sd ' ' -)"`,
      ],
      { PATH: `${fakes}:${process.env.PATH}`, CDPATH: cdpath, SNAP: join(dir, '../snap') },
    );
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).toBe('');
    expect(readFileSync(join(dir, '../snap.after'), 'utf8')).toBe(
      readFileSync(join(dir, '../snap.before'), 'utf8'),
    );
    expect(out.stdout.split('\n').slice(0, 2)).toEqual([
      dir,
      'function function function function function function function',
    ]);
    expect(out.calls).toEqual([]);
    expect(tree(dir)).toEqual(before);
    expect(tree(cdpath)).toEqual(['examples', join('examples', 'minikube')]);
  });

  /** A fake GCC behind a fake curl: dpl-1 is running for two polls, then completed; anything else is a 404. */
  const fakeCurl = `url=""
for a in "$@"; do case "$a" in http://*) url="$a" ;; esac; done
case "$url" in
  */api/v1/deployments/dpl-1/tasks)
    echo '{"items":[{"client_id":"acme","type":"update","status":"success","version":"v2","last_message":"Synced and Healthy"},{"client_id":"umbrella","type":"update","status":"rejected","version":"v2","last_message":null}]}' ;;
  */api/v1/deployments/dpl-1)
    n=$(($(cat "$FAKE_LOG.polls" 2> /dev/null || echo 0) + 1)) && echo "$n" > "$FAKE_LOG.polls"
    if [ "$n" -lt 3 ]; then
      echo '{"id":"dpl-1","status":"running","stages":[{"status":"running"},{"status":"pending"}]}'
    else
      echo '{"id":"dpl-1","status":"completed","stages":[{"status":"succeeded"},{"status":"succeeded"}]}'
    fi ;;
  *)
    echo '{"type":"about:blank","title":"Not Found","status":404,"detail":"no such deployment"}'
    echo 'curl: (22) The requested URL returned error: 404' >&2
    exit 22 ;;
esac`;

  it('watch_deployment and show_tasks work in a plain shell (no set -e) and fail instead of looping on errors', () => {
    const dir = exampleCopy();
    const fakes = fakeBin({ curl: fakeCurl, sleep: '' });
    const out = run(
      dir,
      [
        '-c',
        `. ./lib.sh
watch_deployment dpl-1; echo "rc=$? STATUS=$STATUS"
show_tasks dpl-1; echo "rc=$?"
DEPLOYMENT=dpl-1; show_tasks; echo "rc=$?"
watch_deployment dpl-gone; echo "rc=$?"
show_tasks dpl-gone; echo "rc=$?"
unset DEPLOYMENT; watch_deployment; echo "rc=$?"
echo "options=$-"`,
      ],
      { PATH: `${fakes}:${process.env.PATH}`, GCC_PORT: '18099' },
    );
    expect(out.error).toBeUndefined();
    expect(out.status, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines.map((l) => l.replace(/^\d\d:\d\d:\d\d /, 'T '))).toEqual([
      'T running stages: running pending',
      'T running stages: running pending',
      'T completed stages: succeeded succeeded',
      'rc=0 STATUS=completed',
      'acme update success v2 Synced and Healthy',
      'umbrella update rejected v2 ',
      'rc=0',
      'acme update success v2 Synced and Healthy',
      'umbrella update rejected v2 ',
      'rc=0',
      'rc=1',
      'rc=1',
      'rc=2',
      expect.stringMatching(/^options=[^eu]*$/),
    ]);
    expect(out.stderr).toContain('"detail":"no such deployment"');
    expect(out.stderr).toContain('usage: watch_deployment DEPLOYMENT_ID');
    // Every 5 s between polls (the fake sleep returns at once), and every call as the admin, to the GCC_PORT set.
    expect(out.calls.filter((c) => c.startsWith('sleep'))).toEqual(['sleep 5', 'sleep 5']);
    const curls = out.calls.filter((c) => c.startsWith('curl'));
    expect(curls).toHaveLength(3 + 2 + 2);
    for (const c of curls) {
      expect(c).toContain('-X GET http://127.0.0.1:18099/api/v1/deployments/');
      expect(c).toContain('Authorization: Bearer tok-admin');
    }
  });
});
