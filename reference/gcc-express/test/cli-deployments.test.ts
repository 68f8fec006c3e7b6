import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deployment, GccClient } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type ApiGcc, CI, startApiGcc, startCli } from './helpers/cli-session';
import { run } from './helpers/run-cli';
import { runAgents } from './helpers/scripted-agents';

// `deploy` and `deployments …` against a real GCC (the reference server on PGlite in memory, with its rollout
// worker) whose clients run scripted agents over HTTP: real rollouts, followed by `deployments watch`.
const CLIENTS = ['fleet-a', 'fleet-b', 'fleet-c'];
/** Cursor up over the previous drawing, clear to the end of the screen (ESC [ n F, ESC [ 0 J). */
const ESC = String.fromCharCode(27);
const REDRAW = new RegExp(`${ESC}\\[\\d+F${ESC}\\[0J`);
/** The CLI as users run it (the build, or the sources through tsx without one). */
const BIN = fileURLToPath(new URL('../bin/wrktalk-gcc.mjs', import.meta.url));
/** Bound on a whole rollout (a few seconds here; generous for a loaded CI machine). */
const ROLLOUT_MS = 60_000;

let gcc: ApiGcc;
let admin: Record<string, string>;
let agents: ReturnType<typeof runAgents>;
let dir: string;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  gcc = await startApiGcc();
  admin = gcc.env(ADMIN);
  dir = mkdtempSync(join(tmpdir(), 'gcc-cli-deploy-'));
  const api = gcc.api(ADMIN);
  const clients: Record<string, GccClient> = {};
  for (const id of CLIENTS) {
    await api.clients.create({ id, name: id, target_kind: 'kubernetes', labels: { fleet: 'yes' } });
    clients[id] = gcc.api((await api.clients.createToken(id, { role: 'agent' })).token);
  }
  await api.clients.create({ id: 'quiet', name: 'No agent', target_kind: 'docker', labels: { fleet: 'no' } });
  for (const v of ['1.0.0', '2.0.0']) {
    await gcc.api(CI).releases.create({
      component: 'backend',
      version: v,
      image_url: `registry.wrktalk.com/backend:${v}`,
    });
  }
  agents = runAgents(clients, 50);
});
afterAll(async () => {
  await agents?.stop();
  await gcc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A strategy for a quick real rollout: a canary of one, then the rest, no waits. */
const QUICK = `# a canary of one, then the rest
stages:
  - kind: canary
    count: 1
    wait_seconds: 0
  - kind: batch
    wait_seconds: 0
stage_fill_seconds: 0
lease_seconds: 60
`;

describe('deploy', () => {
  it('--dry-run previews (matched clients, planned stages) and creates nothing', async () => {
    const r = await run(
      ['deploy', '--version', 'backend=1.0.0', '--selector', 'fleet=yes', '--dry-run'],
      admin,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Dry run: nothing was created\.\n/);
    expect(r.out).toMatch(/Clients: +3 matched: fleet-a, fleet-b, fleet-c\n/);
    expect(r.out).toMatch(/STAGE\s+KIND\s+CLIENTS\s+WAIT AFTER\n1\/3\s+canary\s+1\s+600s\n/);
    const json = JSON.parse(
      (
        await run(
          ['deploy', '--version', 'backend=1.0.0', '--clients', 'fleet-a,quiet', '--dry-run', '--json'],
          admin,
        )
      ).out,
    );
    expect(json).toMatchObject({ matched: 2, auto_approved: 0 });
    expect((await gcc.api(ADMIN).deployments.list()).items).toEqual([]);
  });

  it("prints the GCC's 400 with every problem of a strategy file, readably (exit 2)", async () => {
    const strategy = file(
      'bad-strategy.yaml',
      'stages:\n  - kind: canary\n    percent: 150\n  - kind: sideways\nlease_seconds: -1\n',
    );
    const r = await run(
      ['deploy', '--version', 'backend=1.0.0', '--selector', 'fleet=yes', '--strategy', strategy],
      admin,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: 3 fields are invalid\. \(validation_failed\)\n/);
    expect(r.err).toMatch(/\n {2}- \/strategy\/stages\/0\/percent: .+\n/);
    expect(r.err).toMatch(/\n {2}- \/strategy\/stages\/1\/kind: .+\n/);
    expect(r.err).toMatch(/\n {2}- \/strategy\/lease_seconds: .+\n/);
    expect(r.out).toBe('');
    // --dry-run sends it to the preview endpoint, which validates the same way.
    const dry = await run(
      [
        'deploy',
        '--version',
        'backend=1.0.0',
        '--selector',
        'fleet=yes',
        '--strategy',
        strategy,
        '--dry-run',
      ],
      admin,
    );
    expect(dry.code).toBe(2);
    expect(dry.err).toContain('/strategy/stages/1/kind');
  });

  it.each([
    [['--selector', 'fleet=yes'], /say what to deploy: --release <id>/],
    [
      ['--release', 'rel-x', '--version', 'backend=1', '--selector', 'a=b'],
      /--release or --version, not both/,
    ],
    [['--version', 'backend=1.0.0'], /say which clients: --clients a,b and\/or --selector/],
    [['--version', 'backend'], /Write component=version/],
    [['--version', 'backend=1', '--clients', 'Bad_Id'], /is a DNS label/],
    [['--version', 'backend=1', '--clients', 'a,a'], /Client a is given twice/],
    [
      ['--version', 'backend=1', '--clients', 'a', '--no-approval', '--approval-policy', 'x'],
      /cannot be used with/,
    ],
    [
      ['--version', 'backend=1', '--clients', 'a', '--strategy', '/nonexistent.json'],
      /--strategy \/nonexistent\.json: cannot read it \(ENOENT\)/,
    ],
    [['--version', 'backend=1', '--clients', 'a', '--start-at', 'tomorrow'], /RFC 3339/],
  ])('refuses %j (exit 2, nothing sent)', async (flags, message) => {
    const r = await run(['deploy', ...flags], admin);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it('refuses a strategy file that is not YAML or not an object, and what the GCC refuses', async () => {
    const broken = file('broken.yaml', 'stages: [\n');
    const r = await run(
      ['deploy', '--version', 'backend=1.0.0', '--clients', 'fleet-a', '--strategy', broken],
      admin,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--strategy .*broken\.yaml: not valid YAML/);
    const list = file('list.json', '[1, 2]');
    const l = await run(
      ['deploy', '--version', 'backend=1.0.0', '--clients', 'fleet-a', '--strategy', list],
      admin,
    );
    expect(l.code).toBe(2);
    expect(l.err).toMatch(/must hold an object \(a mapping\), not a list/);
    const unknown = await run(['deploy', '--version', 'backend=1.0.0', '--clients', 'fleet-a,nobody'], admin);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/\(unknown_client\)/);
    const none = await run(['deploy', '--version', 'backend=1.0.0', '--selector', 'fleet=never'], admin);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/\(no_targets\)/);
    const missing = await run(['deploy', '--release', 'rel-nothere', '--clients', 'fleet-a'], admin);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/\(not_found\)/);
  });
});

describe('deploy, then deployments watch a real rollout', () => {
  let first: Deployment;
  let second: Deployment;
  let rollbackId: string;

  it('deploys 1.0.0 and watches it complete, a line per change (exit 0)', {
    timeout: ROLLOUT_MS,
  }, async () => {
    const strategy = file('quick.yaml', QUICK);
    const r = await run(
      [
        'deploy',
        '--version',
        'backend=1.0.0',
        '--selector',
        'fleet=yes',
        '--strategy',
        strategy,
        '--no-approval',
      ],
      admin,
    );
    expect(r.code, r.err).toBe(0);
    const id = /^Created deployment (dpl-\S+): backend 1\.0\.0 to 3 client\(s\), status \w+\.\n/.exec(
      r.out,
    )?.[1];
    expect(id, r.out).toBeDefined();
    expect(r.out).toMatch(/STAGE\s+KIND\s+CLIENTS\s+STATUS\s+TASKS\n1\/2\s+canary\s+1\s+/);
    expect(r.out).toContain(`Follow it: wrktalk-gcc deployments watch ${id}`);

    const w = await run(['deployments', 'watch', id!, '--interval', '100ms'], admin);
    expect(w.code, w.err + w.out).toBe(0);
    const lines = w.out.trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(/^\d\d:\d\d:\d\d dpl-/);
    expect(lines.at(-1)).toMatch(new RegExp(`${id} completed: tasks success 3$`));
    expect(w.out).toMatch(
      new RegExp(`${id} stage 1/2 canary succeeded: 1 client\\(s\\), tasks success 1\\n`),
    );
    expect(w.out).toMatch(new RegExp(`${id} stage 2/2 batch succeeded: 2 client\\(s\\), tasks success 2\\n`));
    // A line per change: no line twice in a row.
    expect(lines.map((l) => l.slice(9)).filter((l, i, all) => l === all[i - 1])).toEqual([]);
    first = await gcc.api(ADMIN).deployments.get(id!);
    expect(first.status).toBe('completed');
  });

  it('deploys 2.0.0 by release id and watches it with --json: a JSON object per change (exit 0)', {
    timeout: ROLLOUT_MS,
  }, async () => {
    const rel = (await gcc.api(ADMIN).releases.list({ component: 'backend' })).items.find(
      (x) => x.version === '2.0.0',
    )!;
    const strategy = file(
      'quick.json',
      JSON.stringify({ stages: [{ kind: 'batch', wait_seconds: 0 }], stage_fill_seconds: 0 }),
    );
    const r = await run(
      [
        'deploy',
        '--release',
        rel.id,
        '--clients',
        CLIENTS.join(','),
        '--strategy',
        strategy,
        '--no-approval',
        '--description',
        'v2',
        '--json',
      ],
      admin,
    );
    expect(r.code, r.err).toBe(0);
    second = JSON.parse(r.out) as Deployment;
    expect(second).toMatchObject({ release_id: rel.id, description: 'v2', approval: { required: false } });

    const w = await run(['deployments', 'watch', second.id, '--interval', '100ms', '--json'], admin);
    expect(w.code, w.err).toBe(0);
    const events = w.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Deployment);
    expect(events.length).toBeGreaterThanOrEqual(1);
    for (const e of events) expect(e.id).toBe(second.id);
    expect(events.at(-1)).toMatchObject({ status: 'completed', task_counts: { success: 3 } });
  });

  it('lists, gets and lists the tasks of deployments', async () => {
    const list = await run(['deployments', 'list'], admin);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/^ID\s+TYPE\s+RELEASE\s+STATUS\s+SUCCEEDED\s+CREATED\n/);
    expect(list.out.indexOf(second.id)).toBeLessThan(list.out.indexOf(first.id)); // newest first
    expect(list.out).toMatch(new RegExp(`${second.id}\\s+update\\s+backend 2\\.0\\.0\\s+completed\\s+3/3`));
    const completed = JSON.parse(
      (await run(['deployments', 'list', '--status', 'completed', '--json'], admin)).out,
    );
    expect(completed).toHaveLength(2);

    const get = await run(['deployments', 'get', first.id], admin);
    expect(get.code, get.err).toBe(0);
    expect(get.out).toMatch(/^ID:\s+dpl-/);
    expect(get.out).toMatch(/Status:\s+completed\n/);
    expect(get.out).toMatch(/1\/2\s+canary\s+1\s+succeeded\s+success 1\n/);

    const tasks = await run(['deployments', 'tasks', second.id, '--client', 'fleet-b'], admin);
    expect(tasks.code, tasks.err).toBe(0);
    expect(tasks.out).toMatch(/^TASK\s+CLIENT\s+STAGE\s+STATUS\s+ATTEMPT\s+VERSION\s+MESSAGE\n/);
    expect(tasks.out).toMatch(/fleet-b\s+1\s+success\s+1\s+backend 1\.0\.0 → 2\.0\.0/);
    expect(tasks.out.trimEnd().split('\n')).toHaveLength(2);
    const all = JSON.parse(
      (await run(['deployments', 'tasks', second.id, '--status', 'success', '--json'], admin)).out,
    );
    expect(all).toHaveLength(3);
  });

  it('rolls 2.0.0 back (--scope deployment --reason), watches the rollback on a terminal (redrawn), exit 0; the rolled-back one exits 1', {
    timeout: ROLLOUT_MS,
  }, async () => {
    const r = await run(
      ['deployments', 'rollback', second.id, '--scope', 'deployment', '--reason', 'p99 latency'],
      admin,
    );
    expect(r.code, r.err).toBe(0);
    const rb = /^Started rollback (dpl-\S+) of (dpl-\S+) \(scope deployment, 3 client\(s\)\)\./.exec(r.out);
    expect(rb?.[2], r.out).toBe(second.id);
    rollbackId = rb![1]!;

    const w = await run(['deployments', 'watch', rb![1]!, '--interval', '100ms'], admin, { tty: true });
    expect(w.code, w.err).toBe(0);
    expect(w.out).toMatch(new RegExp(`^Deployment ${rb![1]}: rollback backend 2\\.0\\.0, `));
    // Every draw after the first moves the cursor up over the previous one and clears it.
    expect(w.out).toMatch(REDRAW);
    expect(w.out.split(REDRAW).at(-1)).toMatch(
      /, completed {3}\[\d\d:\d\d:\d\d\]\n(.*\n)*Tasks: success 3\n$/,
    );

    const original = await run(['deployments', 'watch', second.id, '--json'], admin);
    expect(original.code).toBe(1);
    expect(JSON.parse(original.out)).toMatchObject({ status: 'rolled_back', rolled_back_by: rb![1] });
    for (const t of (await gcc.api(ADMIN).deployments.listTasks(rb![1]!)).items) {
      expect(t.components[0]).toMatchObject({ version: '1.0.0', previous_version: '2.0.0' });
    }
  });

  it.each([
    ['a rollback of a rollback (409: exit 1)', () => ['rollback', rollbackId], 1, /\(illegal_transition\)/],
    [
      '--scope clients without --clients',
      () => ['rollback', second.id, '--scope', 'clients'],
      2,
      /--scope clients needs --clients/,
    ],
    [
      '--clients with another scope',
      () => ['rollback', second.id, '--scope', 'deployment', '--clients', 'fleet-a'],
      2,
      /--clients goes with --scope clients/,
    ],
    [
      'an unknown scope',
      () => ['rollback', second.id, '--scope', 'everything'],
      2,
      /Allowed choices are failed_stage/,
    ],
    ['pausing a completed deployment (409: exit 1)', () => ['pause', first.id], 1, /\(illegal_transition\)/],
    ['an id that is not one', () => ['get', 'x'], 2, /A deployment id is dpl-/],
    ['an unknown deployment', () => ['watch', 'dpl-nothere'], 1, /\(not_found\)/],
    ['a bad interval', () => ['watch', first.id, '--interval', '10ms'], 2, /at least 100ms/],
  ])('refuses %s', async (_name, args, code, message) => {
    const r = await run(['deployments', ...args()], admin);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('deployments pause, resume, abort while watched', () => {
  let id: string;

  beforeAll(async () => {
    // Approval required and nobody approves: the deployment stays running until an admin acts.
    const r = await run(['deploy', '--version', 'backend=2.0.0', '--clients', 'quiet', '--json'], admin);
    expect(r.code, r.err).toBe(0);
    id = (JSON.parse(r.out) as Deployment).id;
  });

  it('pause and resume', async () => {
    const paused = await run(['deployments', 'pause', id], admin);
    expect(paused.code, paused.err).toBe(0);
    expect(paused.out).toBe(`Paused deployment ${id}: now paused.\n`);
    const resumed = await run(['deployments', 'resume', id, '--json'], admin);
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({ id, status: 'running' });
  });

  it('--timeout gives up with exit 1, the deployment untouched', async () => {
    const w = await run(['deployments', 'watch', id, '--interval', '100ms', '--timeout', '300ms'], admin);
    expect(w.code).toBe(1);
    expect(w.err).toMatch(new RegExp(`^Gave up after 0s: ${id} is still running\\.\\n$`));
    expect((await gcc.api(ADMIN).deployments.get(id)).status).toBe('running');
  });

  it('Ctrl-C stops watching cleanly (exit 130) and leaves the deployment running', async () => {
    const interrupt = new AbortController();
    const w = startCli(['deployments', 'watch', id, '--interval', '100ms'], admin, {
      interrupt: interrupt.signal,
    });
    await w.waitFor(new RegExp(`${id} running`));
    interrupt.abort();
    const { code, err } = await w.done;
    expect(code).toBe(130);
    expect(err).toBe(`Stopped watching ${id} (running); the deployment itself goes on.\n`);
    expect((await gcc.api(ADMIN).deployments.get(id)).status).toBe('running');
  });

  it('Ctrl-C (a real SIGINT) stops the wrktalk-gcc process watching: exit 130', {
    timeout: 60_000,
  }, async () => {
    const child = spawn(process.execPath, [BIN, 'deployments', 'watch', id, '--interval', '100ms'], {
      env: { ...process.env, ...admin },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = once(child, 'exit');
    // The first line is printed once the watch runs (and its SIGINT handler is installed).
    for await (const chunk of child.stdout) {
      out += String(chunk);
      if (out.includes(`${id} running`)) break;
    }
    child.kill('SIGINT');
    const [code, signal] = await exited;
    expect({ code, signal, err }).toEqual({
      code: 130,
      signal: null,
      err: `Stopped watching ${id} (running); the deployment itself goes on.\n`,
    });
  });

  it('a watch follows an abort to its end: exit 1', async () => {
    const w = startCli(['deployments', 'watch', id, '--interval', '100ms'], admin);
    await w.waitFor(new RegExp(`${id} running`));
    const aborted = await run(['deployments', 'abort', id], admin);
    expect(aborted.code, aborted.err).toBe(0);
    expect(aborted.out).toBe(`Aborted deployment ${id}: now aborted.\n`);
    const { code, out } = await w.done;
    expect(code).toBe(1);
    expect(out.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`${id} aborted: tasks cancelled 1$`));
  });
});
