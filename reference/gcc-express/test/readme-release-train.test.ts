/**
 * The root README's worked example of a release train, run as written: its `sh` block (curl + jq, between the
 * `release-train` markers) against the reference GCC on a loopback port, and its output compared with the `text`
 * block printed under it. Three premium clients; acme runs backend 4.9.0, media 4.9.0 and ct 4.8.1 before.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Database, openDatabase } from '@wrktalk/gcc-core';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoreTarget, startCoreTarget } from './helpers/core-target';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
// curl and jq are what the README tells the reader to run; CI installs both (.ci/run).
const TOOLS = has('curl') && has('jq') && has('bash');

/** The `sh` and `text` blocks between the README's release-train markers. */
function example(): { script: string; output: string } {
  const text = readFileSync(README, 'utf8');
  const part = text.split('<!-- release-train:start -->')[1]?.split('<!-- release-train:end -->')[0];
  if (part === undefined) throw new Error('README.md has no release-train markers');
  const block = (lang: string) => {
    const m = part.match(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``));
    if (!m) throw new Error(`no ${lang} block between the release-train markers`);
    return m[1]!;
  };
  return { script: block('sh'), output: block('text') };
}

describe.runIf(TOOLS)("the README's release-train example", { timeout: 60_000 }, () => {
  let db: Database;
  let core: CoreTarget;

  beforeAll(async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    core = await startCoreTarget(db);
    const admin = createGccClient({
      baseUrl: core.target.baseUrl,
      token: core.target.adminToken,
      retry: false,
    });
    for (const id of ['acme', 'globex', 'initech']) {
      await admin.clients.create({
        id,
        name: id,
        target_kind: 'argocd',
        argocd_instance: 'argo-1',
        labels: { tier: 'premium' },
      });
    }
    await db.query(
      `UPDATE clients SET current_versions = '{"backend":"4.9.0","media":"4.9.0","ct":"4.8.1"}' WHERE id = 'acme'`,
    );
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    await db?.close();
  });

  it('prints what the README says, and leaves one three-component deployment with acme approved', async () => {
    const { script, output } = example();
    const approver = await core.target.issueToken('acme', 'approver');
    // Asynchronous: the GCC answering curl runs in this process.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'bash',
        ['--norc', '--noprofile', '-euo', 'pipefail', '-c', script],
        {
          encoding: 'utf8',
          timeout: 45_000,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            GCC: core.target.baseUrl,
            CI_TOKEN: core.target.ciToken,
            ADMIN_TOKEN: core.target.adminToken,
            APPROVER_TOKEN: approver,
          },
        },
        (error, stdout, stderr) =>
          resolve({
            status: error ? (typeof error.code === 'number' ? error.code : null) : 0,
            stdout,
            stderr,
          }),
      );
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(output);
    const admin = createGccClient({
      baseUrl: core.target.baseUrl,
      token: core.target.adminToken,
      retry: false,
    });
    const [d] = (await admin.deployments.list()).items;
    expect(d!.components.map((c) => c.component)).toEqual(['backend', 'media', 'ct']);
    expect(d!.task_counts).toMatchObject({ pending_approval: 2, approved: 1 });
  });
});
