import { describe, expect, it } from 'vitest';
import { run } from './helpers/run-cli';

describe('wrktalk-gcc usage errors (exit 2, readable, nothing opened)', () => {
  it.each([
    [['bogus'], /unknown command 'bogus'/],
    [['serve', '--port', '1'], /unknown option '--port'/],
    [['migrate', 'extra'], /too many arguments/],
    [['client', 'create'], /required option '--id <id>' not specified/],
    [['client', 'create', '--id', 'Bad_ID', '--name', 'x', '--target-kind', 'docker'], /is a DNS label/],
    [['client', 'create', '--id', 'ok', '--name', 'x', '--target-kind', 'vm'], /Allowed choices are argocd/],
    [
      ['client', 'create', '--id', 'ok', '--name', 'x', '--target-kind', 'argocd'],
      /--argocd-instance is required/,
    ],
    [
      ['client', 'create', '--id', 'ok', '--name', 'x', '--target-kind', 'docker', '--argocd-instance', 'a'],
      /only applies to --target-kind argocd/,
    ],
    [
      ['client', 'create', '--id', 'ok', '--name', 'x', '--target-kind', 'docker', '--label', 'tier'],
      /key=value/,
    ],
    [
      [
        'client',
        'create',
        '--id',
        'ok',
        '--name',
        'x',
        '--target-kind',
        'docker',
        '--label',
        'tier=$(reboot)',
      ],
      /not a Kubernetes label value/,
    ],
    [
      ['client', 'create', '--id', 'ok', '--name', 'x', '--target-kind', 'docker', '--label', '../x=1'],
      /not a Kubernetes label key/,
    ],
    [
      ['client', 'create', '--id', 'ok', '--name', ' ', '--target-kind', 'docker'],
      /argument ' ' is invalid. Must be 1 to 200 characters/,
    ],
    [['token', 'issue'], /required option '--role <role>' not specified/],
    [['token', 'issue', '--role', 'root'], /Allowed choices are agent, approver, admin, ci/],
    [['token', 'issue', '--role', 'agent'], /--client is required for an agent token/],
    [['token', 'issue', '--role', 'approver', '--client', 'a', '--name', 'x'], /--name is for admin and ci/],
    [['token', 'issue', '--role', 'admin'], /--name is required for an admin token/],
    [
      ['token', 'issue', '--role', 'ci', '--name', 'gh', '--client', 'a'],
      /--client is for agent and approver/,
    ],
    [['token', 'issue', '--role', 'ci', '--name', 'has space'], /A token name is/],
  ])('%j', async (args, message) => {
    const { code, out, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe('');
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('lists every configuration problem, then exits 2', async () => {
    const { code, err } = await run(['migrate'], { PORT: 'x', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    expect(code).toBe(2);
    expect(err).toMatch(/^Invalid configuration:\n {2}- /);
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(err).toContain(`- ${name}:`);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('prints help with exit 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/serve/);
    expect(out).toMatch(/worker/);
    expect(out).toMatch(/migrate/);
    expect(out).toMatch(/client/);
    expect(out).toMatch(/token/);
  });

  it('without a command, shows help on stderr and exits 2', async () => {
    const { code, err } = await run([]);
    expect(code).toBe(2);
    expect(err).toMatch(/Usage: wrktalk-gcc/);
  });
});
