import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GccServiceError } from '@wrktalk/gcc-core';
import { generateSigningKeyPair } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ENVIRONMENT, loadConfig } from '../src/config';
import { createLogger, openGcc } from '../src/server';
import { run } from './helpers/run-cli';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wrktalk-gcc-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('wrktalk-gcc keys', () => {
  it('generate --out writes the private key (0600, never over a file) and prints the public key and key id', async () => {
    const file = join(dir, 'signing.pem');
    const r = await run(['keys', 'generate', '--out', file]);
    expect(r.code).toBe(0);
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(r.out).toMatch(/^# key_id: ed25519:[0-9a-f]{16}\n/);
    expect(r.out).toContain('-----BEGIN PUBLIC KEY-----');
    expect(r.out).not.toContain('PRIVATE KEY');
    const again = await run(['keys', 'generate', '--out', file]);
    expect(again.code).toBe(2);
    expect(again.err).toContain('EEXIST');

    // `keys public` prints the same public key from the file.
    const pub = await run(['keys', 'public'], { GCC_SIGNING_KEY_FILE: file });
    expect(pub.code).toBe(0);
    expect(pub.out).toBe(
      r.out.replace(
        /\n# public key \(pin it on agents as GCC_SIGNING_PUBLIC_KEY\):/,
        ' (current: signs offers)',
      ),
    );
  });

  it('generate without --out writes the private key to stdout and the public key to stderr', async () => {
    const r = await run(['keys', 'generate']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(r.err).toContain('-----BEGIN PUBLIC KEY-----');
  });

  it('public lists the previous key during a rotation, and fails clearly without a key', async () => {
    const current = generateSigningKeyPair();
    const previous = generateSigningKeyPair();
    const r = await run(['keys', 'public'], {
      GCC_SIGNING_KEY: current.privateKeyPem,
      GCC_SIGNING_PREVIOUS_PUBLIC_KEYS: previous.publicKeyPem,
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`# key_id: ${current.keyId} (current: signs offers)\n${current.publicKeyPem}`);
    expect(r.out).toContain(
      `# key_id: ${previous.keyId} (previous: published during the rotation)\n${previous.publicKeyPem}`,
    );
    const none = await run(['keys', 'public'], {});
    expect(none.code).toBe(2);
    expect(none.err).toContain('No signing key: set GCC_SIGNING_KEY or GCC_SIGNING_KEY_FILE');
  });
});

describe('signing and registry configuration from the environment', () => {
  it('documents every variable', () => {
    for (const v of [
      'GCC_SIGNING_KEY',
      'GCC_SIGNING_KEY_FILE',
      'GCC_SIGNING_KEY_ID',
      'GCC_SIGNING_PREVIOUS_PUBLIC_KEYS',
      'GCC_ALLOWED_REGISTRIES',
    ])
      expect(ENVIRONMENT).toHaveProperty(v);
  });

  it('reads the key, the previous keys and the allow-list', () => {
    const k = generateSigningKeyPair();
    const old = generateSigningKeyPair();
    const c = loadConfig({
      GCC_SIGNING_KEY: k.privateKeyPem,
      GCC_SIGNING_KEY_ID: 'prod-2026',
      GCC_SIGNING_PREVIOUS_PUBLIC_KEYS: old.publicKeyPem,
      GCC_ALLOWED_REGISTRIES: 'registry.wrktalk.com, localhost:5000/wrktalk ',
    });
    expect(c.signing).toEqual({
      privateKey: k.privateKeyPem,
      keyId: 'prod-2026',
      previousPublicKeys: [old.publicKeyPem],
    });
    expect(c.allowedRegistries).toEqual(['registry.wrktalk.com', 'localhost:5000/wrktalk']);
    expect(loadConfig({}).signing).toBeUndefined();
    expect(loadConfig({}).allowedRegistries).toBeUndefined();
  });

  it('lists bad values without echoing the key', () => {
    const bogus = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----';
    const p = problemsOf({ GCC_SIGNING_KEY: bogus, GCC_ALLOWED_REGISTRIES: 'https://registry.wrktalk.com' });
    expect(p.join('\n')).toMatch(/GCC_SIGNING_KEY: the signing key is not a PEM private key/);
    expect(p.join('\n')).toMatch(
      /GCC_ALLOWED_REGISTRIES: "https:\/\/registry.wrktalk.com" must be a registry host/,
    );
    expect(p.join('\n')).not.toContain('c2VjcmV0');
    expect(problemsOf({ GCC_SIGNING_KEY: 'x', GCC_SIGNING_KEY_FILE: '/nowhere' })).toEqual([
      'GCC_SIGNING_KEY_FILE: set either GCC_SIGNING_KEY or GCC_SIGNING_KEY_FILE, not both',
    ]);
    expect(problemsOf({ GCC_SIGNING_KEY_FILE: join(dir, 'missing.pem') })[0]).toMatch(/cannot read .*ENOENT/);
  });

  it('reaches gcc-core: the configured GCC refuses a release from another registry', {
    timeout: 120_000,
  }, async () => {
    const keyFile = join(dir, 'serve.pem');
    await writeFile(keyFile, generateSigningKeyPair().privateKeyPem, { mode: 0o600 });
    const c = loadConfig({
      GCC_DATA_DIR: 'memory://',
      GCC_SIGNING_KEY_FILE: keyFile,
      GCC_ALLOWED_REGISTRIES: 'registry.wrktalk.com',
    });
    const opened = await openGcc(c, createLogger({ logLevel: 'silent' }), { background: false });
    try {
      const who = { role: 'ci' as const, name: 'test' };
      const refused = await opened.gcc.services.releases
        .create(who, { component: 'backend', version: 'v20', image_url: 'evil.example.com/backend:v20' })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(GccServiceError);
      expect((refused as GccServiceError).code).toBe('registry_not_allowed');
      const ok = await opened.gcc.services.releases.create(who, {
        component: 'backend',
        version: 'v20',
        image_url: 'registry.wrktalk.com/backend:v20',
      });
      expect(ok.created).toBe(true);
    } finally {
      await opened.close();
    }
  });
});
