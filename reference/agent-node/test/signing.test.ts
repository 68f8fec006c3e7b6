import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair, rawPublicKey } from '@wrktalk/sdk-gcc';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src';

const BASE = { GCC_URL: 'https://gcc.wrktalk.com', CLIENT_ID: 'acme', AGENT_TOKEN: 't', EXECUTOR: 'fake' };

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ ...BASE, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('GCC_SIGNING_PUBLIC_KEY: the pinned signing keys', () => {
  it('is empty when unset (offers are not verified)', () => {
    expect(loadConfig(BASE).TRUSTED_KEYS).toEqual([]);
  });

  it('takes several PEM blocks (a rotation), or base64 raw keys, or a file', async () => {
    const a = generateSigningKeyPair();
    const b = generateSigningKeyPair();
    expect(
      loadConfig({ ...BASE, GCC_SIGNING_PUBLIC_KEY: `${a.publicKeyPem}${b.publicKeyPem}` }).TRUSTED_KEYS,
    ).toEqual([a.publicKeyPem, b.publicKeyPem]);
    const raw = rawPublicKey(createPublicKey(a.publicKeyPem)).toString('base64');
    expect(loadConfig({ ...BASE, GCC_SIGNING_PUBLIC_KEY: raw }).TRUSTED_KEYS).toEqual([a.publicKeyPem]);
    const dir = await mkdtemp(join(tmpdir(), 'wrktalk-agent-keys-'));
    try {
      const file = join(dir, 'gcc.pub');
      await writeFile(file, b.publicKeyPem);
      expect(loadConfig({ ...BASE, GCC_SIGNING_PUBLIC_KEY_FILE: file }).TRUSTED_KEYS).toEqual([
        b.publicKeyPem,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unusable key, and both variables at once', () => {
    expect(problemsOf({ GCC_SIGNING_PUBLIC_KEY: 'not-a-key!' })[0]).toMatch(
      /^GCC_SIGNING_PUBLIC_KEY: the public key is not an Ed25519 public key/,
    );
    expect(problemsOf({ GCC_SIGNING_PUBLIC_KEY: 'x', GCC_SIGNING_PUBLIC_KEY_FILE: '/x' })).toEqual([
      'GCC_SIGNING_PUBLIC_KEY_FILE: set either GCC_SIGNING_PUBLIC_KEY or GCC_SIGNING_PUBLIC_KEY_FILE, not both',
    ]);
  });
});
