import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGccHttpError } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type ApiGcc, CI, startApiGcc } from './helpers/cli-session';
import { freePort } from './helpers/gcc-process';
import { run } from './helpers/run-cli';

// The commands that talk to a running GCC, against a real one (the reference server on PGlite in memory): the
// connection flags, releases, clients, approvals and tokens. Deployments are in cli-deployments.test.ts.
let gcc: ApiGcc;
beforeAll(async () => {
  gcc = await startApiGcc();
});
afterAll(() => gcc?.stop());

const noStack = (err: string) => expect(err).not.toMatch(/\n\s+at /);

describe('--server / GCC_URL and --token / GCC_TOKEN', () => {
  it('names both the flag and the variable of what is missing (exit 2)', async () => {
    const none = await run(['releases', 'list'], {});
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--server <url> or GCC_URL/);
    expect(none.err).toMatch(/--token <token> or GCC_TOKEN/);
    expect(none.out).toBe('');
    const noToken = await run(['deployments', 'list', '--server', gcc.url], {});
    expect(noToken.code).toBe(2);
    expect(noToken.err).toMatch(/--token <token> or GCC_TOKEN/);
    expect(noToken.err).not.toMatch(/GCC_URL/);
    const noServer = await run(['clients', 'list'], { GCC_TOKEN: ADMIN });
    expect(noServer.code).toBe(2);
    expect(noServer.err).toMatch(/--server <url> or GCC_URL/);
    expect(noServer.err).not.toMatch(/GCC_TOKEN/);
  });

  it('the flags win over the variables', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await run(['clients', 'list', '--server', gcc.url, '--token', ADMIN, '--json'], {
      GCC_URL: dead,
      GCC_TOKEN: 'not-the-token-at-all',
    });
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual([]);
  });

  it('an unreachable GCC is named by its URL (exit 1)', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await run(['deployments', 'list'], { GCC_URL: dead, GCC_TOKEN: ADMIN });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(`^error: cannot reach the GCC at ${dead} \\(Network error: GET /api/v1/`),
    );
    noStack(r.err);
  });

  it('a token the GCC refuses is one readable line (exit 1); a bad URL is a usage error', async () => {
    const r = await run(['releases', 'list'], gcc.env('wrk_not-a-real-token'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: .+ \(unauthorized\)\n$/);
    const bad = await run(['releases', 'list', '--server', 'ftp://x'], { GCC_TOKEN: ADMIN });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/must be an http\(s\) URL/);
  });
});

describe('releases', () => {
  it('register (ci token), get, list with --component, as tables and JSON', async () => {
    const ci = gcc.env(CI);
    const reg = await run(
      [
        'releases',
        'register',
        '--component',
        'backend',
        '--version',
        '1.4.2',
        '--image',
        'registry.wrktalk.com/backend:1.4.2',
        '--metadata',
        'commit=9fceb02',
        '--json',
      ],
      ci,
    );
    expect(reg.code, reg.err).toBe(0);
    const rel = JSON.parse(reg.out) as { id: string; metadata: unknown; created_by: string };
    expect(rel).toMatchObject({ metadata: { commit: '9fceb02' }, created_by: expect.stringMatching(/^ci:/) });
    const media = await run(
      [
        'releases',
        'register',
        '--component',
        'media',
        '--version',
        '2.0.0',
        '--image',
        'registry.wrktalk.com/media:2.0.0',
      ],
      ci,
    );
    expect(media.code, media.err).toBe(0);
    expect(media.out).toMatch(/^Registered release rel-\S+ \(media 2\.0\.0\)\.\n$/);

    const list = await run(['releases', 'list', '--component', 'backend'], ci);
    expect(list.code, list.err).toBe(0);
    const lines = list.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+COMPONENT\s+VERSION\s+CREATED\s+BY\s+IMAGE$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(rel.id);
    // Aligned: every column starts where its header does.
    expect(lines[1]!.indexOf('backend')).toBe(lines[0]!.indexOf('COMPONENT'));
    const all = JSON.parse((await run(['releases', 'list', '--json'], ci)).out) as unknown[];
    expect(all).toHaveLength(2);
    const limited = JSON.parse(
      (await run(['releases', 'list', '--json', '--limit', '1'], ci)).out,
    ) as unknown[];
    expect(limited).toHaveLength(1);

    const got = await run(['releases', 'get', rel.id], gcc.env(ADMIN));
    expect(got.code, got.err).toBe(0);
    expect(got.out).toMatch(/^ID:\s+rel-/);
    expect(got.out).toMatch(/Image:\s+registry\.wrktalk\.com\/backend:1\.4\.2/);
  });

  it.each([
    [
      'an unmanaged component (422: exit 2)',
      ['--component', 'chat', '--version', '1.0.0', '--image', 'r.example.com/chat:1.0.0'],
      2,
      /\(unknown_component\)/,
    ],
    [
      'an image without the version (422: exit 2)',
      ['--component', 'backend', '--version', '9.9.9', '--image', 'r.example.com/backend:1.0.0'],
      2,
      /\(invalid_image_reference\)/,
    ],
    [
      'the same version with another image (409: exit 1)',
      ['--component', 'backend', '--version', '1.4.2', '--image', 'r.example.com/backend:1.4.2'],
      1,
      /\(release_conflict\)/,
    ],
  ])('register refuses %s', async (_name, flags, code, message) => {
    const r = await run(['releases', 'register', ...flags], gcc.env(CI));
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
    noStack(r.err);
  });

  it('refuses usage errors and an unknown release', async () => {
    const missing = await run(
      ['releases', 'register', '--component', 'backend', '--version', '1'],
      gcc.env(CI),
    );
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/required option '--image <ref>' not specified/);
    expect((await run(['releases', 'get', 'nope'], gcc.env(CI))).err).toMatch(/A release id is rel-/);
    const unknown = await run(['releases', 'get', 'rel-nothere'], gcc.env(CI));
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/\(not_found\)/);
  });
});

describe('clients', () => {
  it('create over the API (GCC_URL), list with --selector, get; a duplicate is refused', async () => {
    const admin = gcc.env(ADMIN);
    for (const [id, tier] of [
      ['acme-prod', 'premium'],
      ['beta-corp', 'basic'],
    ] as const) {
      const r = await run(
        [
          'client',
          'create',
          '--id',
          id,
          '--name',
          `${id} Ltd`,
          '--target-kind',
          'docker',
          '--label',
          `tier=${tier}`,
        ],
        admin,
      );
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe(`Created client ${id} (${id} Ltd, docker).\n`);
    }
    // It really is on the server, not in a database of the CLI's own.
    expect((await gcc.api(ADMIN).clients.get('acme-prod')).labels).toEqual({ tier: 'premium' });

    const premium = await run(['clients', 'list', '--selector', 'tier=premium'], admin);
    expect(premium.code, premium.err).toBe(0);
    expect(premium.out).toMatch(/^ID\s+NAME\s+KIND\s+LABELS\s+VERSIONS\s+LAST SEEN\n/);
    expect(premium.out).toContain('acme-prod');
    expect(premium.out).not.toContain('beta-corp');
    const all = JSON.parse((await run(['clients', 'list', '--json'], admin)).out) as { id: string }[];
    expect(all.map((c) => c.id)).toEqual(['acme-prod', 'beta-corp']);

    const got = await run(['clients', 'get', 'beta-corp'], admin);
    expect(got.code, got.err).toBe(0);
    expect(got.out).toMatch(/Labels:\s+tier=basic/);
    expect(JSON.parse((await run(['clients', 'get', 'beta-corp', '--json'], admin)).out)).toMatchObject({
      id: 'beta-corp',
      target_kind: 'docker',
    });

    const dup = await run(
      ['clients', 'create', '--id', 'acme-prod', '--name', 'x', '--target-kind', 'docker'],
      admin,
    );
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/\(client_exists\)/);
  });

  it('refuses a bad selector (400: exit 2), an unknown client (exit 1), --token without a server (exit 2)', async () => {
    const bad = await run(['clients', 'list', '--selector', 'tier in (a'], gcc.env(ADMIN));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/\(invalid_selector\)/);
    const unknown = await run(['clients', 'get', 'no-such-client'], gcc.env(ADMIN));
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/\(not_found\)/);
    const local = await run(
      ['clients', 'create', '--id', 'x', '--name', 'x', '--target-kind', 'docker', '--token', ADMIN],
      {},
    );
    expect(local.code).toBe(2);
    expect(local.err).toMatch(/--token goes with --server/);
    // The CI token may not list clients: the GCC's 403, one line.
    const ci = await run(['clients', 'list'], gcc.env(CI));
    expect(ci.code).toBe(1);
    expect(ci.err).toMatch(/\(forbidden\)/);
  });
});

describe('approvals (approver token)', () => {
  let tasks: Record<string, string>;
  let approver: Record<string, string>;

  beforeAll(async () => {
    const admin = gcc.api(ADMIN);
    approver = {};
    for (const id of ['ap-one', 'ap-two']) {
      await admin.clients.create({ id, name: id, target_kind: 'kubernetes', labels: { suite: 'approvals' } });
      approver[id] = (await admin.clients.createToken(id, { role: 'approver' })).token;
    }
    const rel = await gcc.api(CI).releases.create({
      component: 'ct',
      version: '3.9.0',
      image_url: 'registry.wrktalk.com/ct:3.9.0',
    });
    const d = await admin.deployments.create({
      release_id: rel.id,
      targets: { selector: 'suite=approvals' },
    });
    tasks = {};
    for (const t of (await admin.deployments.listTasks(d.id)).items) tasks[t.client_id] = t.id;
  });

  it('list, approve (not before a time), reject with a reason', async () => {
    const one = gcc.env(approver['ap-one']!);
    const list = await run(['approvals', 'list', '--client', 'ap-one'], one);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/^TASK\s+DEPLOYMENT\s+UPDATE\s+REQUESTED\s+DEADLINE\n/);
    expect(list.out).toContain(tasks['ap-one']);
    expect(list.out).toContain('ct ? → 3.9.0');

    const approved = await run(
      [
        'approvals',
        'approve',
        tasks['ap-one']!,
        '--client',
        'ap-one',
        '--by',
        'ravi@acme.example',
        '--start-at',
        '2030-01-31T23:30:00+05:30',
        '--json',
      ],
      one,
    );
    expect(approved.code, approved.err).toBe(0);
    expect(JSON.parse(approved.out)).toMatchObject({
      status: 'approved',
      approved_by: 'ravi@acme.example',
      requested_start_time: '2030-01-31T18:00:00.000Z',
    });
    expect(JSON.parse((await run(['approvals', 'list', '--client', 'ap-one', '--json'], one)).out)).toEqual(
      [],
    );

    const two = gcc.env(approver['ap-two']!);
    const rejected = await run(
      [
        'approvals',
        'reject',
        tasks['ap-two']!,
        '--client',
        'ap-two',
        '--reason',
        'Quarter-end freeze',
        '--by',
        'cto',
      ],
      two,
    );
    expect(rejected.code, rejected.err).toBe(0);
    expect(rejected.out).toMatch(
      new RegExp(`^Rejected ${tasks['ap-two']} \\(ct 3\\.9\\.0\\) for ap-two: now rejected\\.`),
    );
    const task = (
      await gcc.api(ADMIN).deployments.listTasks((await gcc.api(ADMIN).deployments.list()).items[0]!.id, {
        client_id: 'ap-two',
      })
    ).items[0];
    expect(task).toMatchObject({ status: 'rejected', rejected_reason: 'Quarter-end freeze' });
  });

  it("refuses another client's task, a decided task, and a reject without --reason", async () => {
    const one = gcc.env(approver['ap-one']!);
    const other = await run(['approvals', 'list', '--client', 'ap-two'], one);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/\(not_found\)|\(forbidden\)/);
    // Approving again is fine (the same answer); rejecting what was approved is not.
    const again = await run(
      ['approvals', 'approve', tasks['ap-one']!, '--client', 'ap-one', '--by', 'x'],
      one,
    );
    expect(again.code, again.err).toBe(0);
    const late = await run(
      ['approvals', 'reject', tasks['ap-one']!, '--client', 'ap-one', '--reason', 'late'],
      one,
    );
    expect(late.code).toBe(1);
    expect(late.err).toMatch(/^error: .+ \(illegal_transition\)\n$/);
    const noReason = await run(['approvals', 'reject', tasks['ap-one']!, '--client', 'ap-one'], one);
    expect(noReason.code).toBe(2);
    expect(noReason.err).toMatch(/required option '--reason <text>' not specified/);
    const noClient = await run(['approvals', 'list'], one);
    expect(noClient.code).toBe(2);
    expect(noClient.err).toMatch(/required option '--client <id>' not specified/);
  });
});

describe('tokens over the API', () => {
  beforeAll(async () => {
    await gcc.api(ADMIN).clients.create({ id: 'tok-client', name: 'Tokens', target_kind: 'docker' });
  });

  /** Whether the GCC accepts `token` as the agent of tok-client. */
  const accepted = async (token: string) => {
    try {
      await gcc.api(token).agent.getUpdates('tok-client');
      return true;
    } catch (error) {
      if (isGccHttpError(error) && error.status === 401) return false;
      throw error;
    }
  };

  const issue = async () => {
    const r = await run(
      ['tokens', 'issue', '--role', 'agent', '--client', 'tok-client', '--ttl-seconds', '3600', '--json'],
      gcc.env(ADMIN),
    );
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out) as { id: string; token: string; expires_at: string };
  };

  it('issue (over the API), rotate: the new token works, the old one is refused', async () => {
    const old = await issue();
    expect(await accepted(old.token)).toBe(true);
    const r = await run(['tokens', 'rotate', old.id, '--client', 'tok-client'], gcc.env(ADMIN));
    expect(r.code, r.err).toBe(0);
    const fresh = r.out.trim();
    expect(fresh).toMatch(/^wrk_/);
    expect(r.err).toMatch(
      new RegExp(
        `^Issued agent token tok-\\S+ for client tok-client, valid until \\S+, replacing ${old.id}\\.`,
      ),
    );
    expect(r.err).toContain(`Revoked the old token ${old.id}: it is refused from now on.`);
    expect(await accepted(fresh)).toBe(true);
    expect(await accepted(old.token)).toBe(false);
    // Rotating it again is refused: it is revoked.
    const again = await run(['tokens', 'rotate', old.id, '--client', 'tok-client'], gcc.env(ADMIN));
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/is revoked already/);
  });

  it('rotate --keep-old keeps both valid until `tokens revoke --client`; the JSON says which', async () => {
    const old = await issue();
    const r = await run(
      ['tokens', 'rotate', old.id, '--client', 'tok-client', '--keep-old', '--json'],
      gcc.env(ADMIN),
    );
    expect(r.code, r.err).toBe(0);
    const rotated = JSON.parse(r.out) as {
      id: string;
      token: string;
      replaces: string;
      old_token: string;
      expires_at: string;
    };
    expect(rotated).toMatchObject({
      role: 'agent',
      client_id: 'tok-client',
      replaces: old.id,
      old_token: 'kept',
    });
    // The same validity period as the old token (an hour), from now.
    expect(Date.parse(rotated.expires_at) - Date.parse(old.expires_at)).toBeGreaterThanOrEqual(0);
    expect(Date.parse(rotated.expires_at) - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(r.err).toContain(`wrktalk-gcc tokens revoke ${old.id} --client tok-client`);
    expect(await accepted(old.token)).toBe(true);
    expect(await accepted(rotated.token)).toBe(true);

    const revoked = await run(['tokens', 'revoke', old.id, '--client', 'tok-client'], gcc.env(ADMIN));
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.err).toBe(`Revoked token ${old.id} of client tok-client.\n`);
    expect(await accepted(old.token)).toBe(false);
    expect(await accepted(rotated.token)).toBe(true);
  });

  it.each([
    [['tokens', 'revoke', 'tok-abc'], 1, /No token tok-abc\. \(not_found\)/],
    [['tokens', 'revoke', 'tok-nothere', '--client', 'tok-client'], 1, /\(not_found\)/],
    [
      ['tokens', 'rotate', 'tok-nothere', '--client', 'tok-client'],
      2,
      /the audit log has no token tok-nothere/,
    ],
    [['tokens', 'rotate', 'tok-nothere'], 2, /required option '--client <id>' not specified/],
    [
      ['tokens', 'issue', '--role', 'admin', '--name', 'ops'],
      2,
      /the API issues agent and approver tokens only/,
    ],
  ])('%j is refused', async (args, code, message) => {
    const r = await run(args, gcc.env(ADMIN));
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
    noStack(r.err);
  });

  it('tokens revoke over the API without --client revokes any issued token: an admin and a ci token, at once', async () => {
    const ops = await gcc.running.gcc.issueToken({ role: 'admin', name: 'ops-revoke' });
    const ci = await gcc.running.gcc.issueToken({ role: 'ci', name: 'ci-revoke' });
    expect((await gcc.api(ops.token).auth.whoami()).role).toBe('admin');
    for (const t of [ci, ops]) {
      const r = await run(['tokens', 'revoke', t.id], gcc.env(ADMIN));
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe(`Revoked token ${t.id}.\n`);
      await expect(gcc.api(t.token).auth.whoami()).rejects.toMatchObject({ status: 401 });
    }
    // Again: nothing to do, still 0; the configured admin token is untouched.
    const again = await run(['tokens', 'revoke', ops.id], gcc.env(ADMIN));
    expect(again.code, again.err).toBe(0);
    expect((await gcc.api(ADMIN).auth.whoami()).role).toBe('admin');
    // Only an admin may: a ci token is the GCC's 403, and nothing is revoked.
    const other = await gcc.running.gcc.issueToken({ role: 'ci', name: 'ci-kept' });
    const refused = await run(['tokens', 'revoke', other.id], gcc.env(CI));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/\(forbidden\)/);
    expect((await gcc.api(other.token).auth.whoami()).role).toBe('ci');
  });

  it('an approver token cannot rotate (the audit log is the admin’s): the GCC’s 403', async () => {
    const { token } = await gcc.api(ADMIN).clients.createToken('tok-client', { role: 'approver' });
    const old = await issue();
    const r = await run(['tokens', 'rotate', old.id, '--client', 'tok-client'], gcc.env(token));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\(forbidden\)/);
    expect(await accepted(old.token)).toBe(true);
  });
});

describe('whoami', () => {
  it('shows the role and the client or name of the token in use', async () => {
    const admin = await run(['whoami'], gcc.env(ADMIN));
    expect(admin.code, admin.err).toBe(0);
    expect(admin.out).toMatch(new RegExp(`^Server: +${gcc.url}\\nRole: +admin\\nName: +admin\\n`));
    expect(admin.out).toMatch(/Token id: +- \(a secret configured on the GCC\)\n/);
    await gcc.api(ADMIN).clients.create({ id: 'who-client', name: 'Who', target_kind: 'docker' });
    const issued = await gcc
      .api(ADMIN)
      .clients.createToken('who-client', { role: 'approver', ttl_seconds: 600 });
    const me = await run(['whoami', '--json'], gcc.env(issued.token));
    expect(me.code, me.err).toBe(0);
    expect(JSON.parse(me.out)).toEqual({
      token_id: issued.id,
      role: 'approver',
      client_id: 'who-client',
      name: null,
      expires_at: issued.expires_at,
    });
    const refused = await run(['whoami'], gcc.env('wrk_revoked-or-unknown'));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/\(unauthorized\)/);
  });
});

describe('the helpers without a server: on the configured database, as before', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gcc-cli-local-'));
    env = { GCC_DATA_DIR: dir, LOG_LEVEL: 'silent' };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tokens rotate and tokens revoke --client work on the database too', { timeout: 120_000 }, async () => {
    const created = await run(
      ['client', 'create', '--id', 'local-one', '--name', 'L', '--target-kind', 'docker'],
      env,
    );
    expect(created.code, created.err).toBe(0);
    const issued = await run(
      ['token', 'issue', '--role', 'approver', '--client', 'local-one', '--json'],
      env,
    );
    expect(issued.code, issued.err).toBe(0);
    const old = JSON.parse(issued.out) as { id: string };
    const rotated = await run(
      ['token', 'rotate', old.id, '--client', 'local-one', '--keep-old', '--json'],
      env,
    );
    expect(rotated.code, rotated.err).toBe(0);
    const fresh = JSON.parse(rotated.out) as { id: string; role: string; old_token: string };
    expect(fresh).toMatchObject({ role: 'approver', old_token: 'kept', replaces: old.id });
    const revoked = await run(['token', 'revoke', old.id, '--client', 'local-one'], env);
    expect(revoked.code, revoked.err).toBe(0);
    // The other client's scope: a token of local-one is not one of another client.
    const other = await run(['token', 'revoke', fresh.id, '--client', 'local-two'], env);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/\(not_found\)/);
  });
});
