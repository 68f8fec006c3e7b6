import { readFileSync } from 'node:fs';
import type { SigningOptions } from '@wrktalk/gcc-core';
import {
  keyIdOf,
  loadSigningPrivateKey,
  parseSigningPublicKeys,
  publicKeyPem,
  registryEntryProblem,
} from '@wrktalk/sdk-gcc';

/** The signing and registry variables, with their defaults (merged into the README table by `ENVIRONMENT`). */
export const SIGNING_ENVIRONMENT = {
  GCC_SIGNING_KEY: 'unset: offers are not signed (Ed25519 private key, PKCS#8 PEM)',
  GCC_SIGNING_KEY_FILE: 'unset (a file holding GCC_SIGNING_KEY, e.g. a mounted secret)',
  GCC_SIGNING_KEY_ID: 'unset: ed25519:<first 16 hex digits of SHA-256 of the public key>',
  GCC_SIGNING_PREVIOUS_PUBLIC_KEYS: 'unset (during a rotation: the old public key(s), PEM or base64)',
  GCC_ALLOWED_REGISTRIES: 'unset: releases from any registry are accepted',
} as const;

const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);

/**
 * `GccOptions.signing` from `GCC_SIGNING_KEY` (PEM) or `GCC_SIGNING_KEY_FILE`, `GCC_SIGNING_KEY_ID` and
 * `GCC_SIGNING_PREVIOUS_PUBLIC_KEYS`; undefined when no key is set. Problems go to `problems` (a key is never echoed).
 */
export function signingFromEnv(
  env: Record<string, string | undefined>,
  problems: string[],
): SigningOptions | undefined {
  const text = blank(env.GCC_SIGNING_KEY);
  const file = blank(env.GCC_SIGNING_KEY_FILE);
  if (text !== undefined && file !== undefined) {
    problems.push('GCC_SIGNING_KEY_FILE: set either GCC_SIGNING_KEY or GCC_SIGNING_KEY_FILE, not both');
    return undefined;
  }
  let pem = text;
  const name = file === undefined ? 'GCC_SIGNING_KEY' : 'GCC_SIGNING_KEY_FILE';
  if (file !== undefined) {
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(
        `${name}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
      return undefined;
    }
  }
  const keyId = blank(env.GCC_SIGNING_KEY_ID);
  const previousText = blank(env.GCC_SIGNING_PREVIOUS_PUBLIC_KEYS);
  if (pem === undefined) {
    if (keyId !== undefined || previousText !== undefined)
      problems.push(
        'GCC_SIGNING_KEY: GCC_SIGNING_KEY_ID and GCC_SIGNING_PREVIOUS_PUBLIC_KEYS need a signing key',
      );
    return undefined;
  }
  let ok = true;
  try {
    loadSigningPrivateKey(pem);
  } catch (error) {
    problems.push(`${name}: ${(error as Error).message} (generate one with \`wrktalk-gcc keys generate\`)`);
    ok = false;
  }
  if (keyId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(keyId)) {
    problems.push('GCC_SIGNING_KEY_ID: must be 1 to 128 printable ASCII characters without spaces');
    ok = false;
  }
  let previous: string[] = [];
  if (previousText !== undefined) {
    try {
      previous = parseSigningPublicKeys(previousText).map((k) => publicKeyPem(k));
    } catch (error) {
      problems.push(`GCC_SIGNING_PREVIOUS_PUBLIC_KEYS: ${(error as Error).message}`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  return {
    privateKey: pem,
    ...(keyId !== undefined && { keyId }),
    ...(previous.length > 0 && { previousPublicKeys: previous }),
  };
}

/** `GccOptions.allowedRegistries` from `GCC_ALLOWED_REGISTRIES` (comma separated); undefined: no restriction. */
export function allowedRegistriesFromEnv(
  env: Record<string, string | undefined>,
  problems: string[],
): string[] | undefined {
  const text = blank(env.GCC_ALLOWED_REGISTRIES);
  if (text === undefined) return undefined;
  const list = text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  for (const r of list) {
    const problem = registryEntryProblem(r);
    if (problem) problems.push(`GCC_ALLOWED_REGISTRIES: "${r}" ${problem.replace(/, got .*$/, '')}`);
  }
  if (list.length === 0) problems.push('GCC_ALLOWED_REGISTRIES: must name at least one registry');
  return list;
}

/** What `wrktalk-gcc keys public` prints: each published key's id, whether it signs now, and its PEM. */
export function describePublicKeys(signing: SigningOptions): string {
  const key = loadSigningPrivateKey(signing.privateKey);
  const lines = [
    `# key_id: ${signing.keyId ?? keyIdOf(key)} (current: signs offers)`,
    publicKeyPem(key).trim(),
  ];
  for (const p of signing.previousPublicKeys ?? []) {
    const k = parseSigningPublicKeys(String(p))[0]!;
    lines.push(`# key_id: ${keyIdOf(k)} (previous: published during the rotation)`, publicKeyPem(k).trim());
  }
  return `${lines.join('\n')}\n`;
}
