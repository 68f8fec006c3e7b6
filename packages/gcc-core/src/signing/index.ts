import type { KeyObject } from 'node:crypto';
import {
  keyIdOf,
  loadSigningPrivateKey,
  loadSigningPublicKey,
  type PublishedSigningKey,
  publicKeyPem,
  registryEntryProblem,
  SIGNATURE_ALG,
  type SignableUpdate,
  signUpdate,
  type UpdateSignature,
} from '@wrktalk/sdk-gcc';
import type { OptionProblems } from '../errors/options-error';

/** `GccOptions.signing`: the key the GCC signs offered updates with, and previous keys it still publishes. */
export interface SigningOptions {
  /** Ed25519 private key: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, what `wrktalk-gcc keys generate` writes) or a KeyObject. */
  privateKey: string | KeyObject;
  /**
   * Id published with the key and carried in each signature (`key_id`).
   * @default `ed25519:` and the first 16 hex digits of the SHA-256 of the raw public key
   */
  keyId?: string;
  /**
   * Public keys of previous signing keys, still published at `/.well-known/wrktalk-signing-keys` (with
   * `current: false`) during a rotation, so that operators can see what agents may still pin. They sign nothing.
   * Each is SPKI PEM, base64 of the 32 raw bytes, or a KeyObject.
   * @default []
   */
  previousPublicKeys?: (string | KeyObject)[];
}

/** What the GCC signs with and publishes. */
export interface UpdateSigner {
  readonly keyId: string;
  /** The published key list (current key first). */
  readonly published: readonly PublishedSigningKey[];
  /** Signs an update offered to `clientId`, valid until `expiresAt` (RFC 3339). */
  sign(clientId: string, update: SignableUpdate, expiresAt: string): UpdateSignature;
}

const KEY_ID = /^[\x21-\x7e]{1,128}$/;

/** Checks `signing` options, recording problems under `signing.*`; undefined when absent or invalid. */
export function compileSigningOptions(
  options: SigningOptions | undefined,
  p: OptionProblems,
): UpdateSigner | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    p.add('signing', 'must be an object { privateKey, keyId?, previousPublicKeys? }');
    return undefined;
  }
  let privateKey: KeyObject | undefined;
  try {
    privateKey = loadSigningPrivateKey(options.privateKey);
  } catch (error) {
    p.add('signing.privateKey', (error as Error).message);
  }
  if (options.keyId !== undefined && (typeof options.keyId !== 'string' || !KEY_ID.test(options.keyId)))
    p.add(
      'signing.keyId',
      `must be 1 to 128 printable ASCII characters, got ${JSON.stringify(options.keyId)}`,
    );
  const previous: KeyObject[] = [];
  if (options.previousPublicKeys !== undefined) {
    if (!Array.isArray(options.previousPublicKeys)) p.add('signing.previousPublicKeys', 'must be an array');
    else
      options.previousPublicKeys.forEach((k, i) => {
        try {
          previous.push(loadSigningPublicKey(k));
        } catch (error) {
          p.add(`signing.previousPublicKeys[${i}]`, (error as Error).message);
        }
      });
  }
  if (!privateKey) return undefined;
  const key = privateKey;
  const keyId = options.keyId ?? keyIdOf(key);
  const currentPem = publicKeyPem(key);
  const published: PublishedSigningKey[] = [
    { key_id: keyId, alg: SIGNATURE_ALG, public_key: currentPem, current: true },
    ...previous
      .map((k) => ({ key_id: keyIdOf(k), alg: SIGNATURE_ALG, public_key: publicKeyPem(k), current: false }))
      .filter((k) => k.public_key !== currentPem),
  ];
  return {
    keyId,
    published,
    sign: (clientId, update, expiresAt) =>
      signUpdate(clientId, update, { privateKey: key, keyId }, expiresAt),
  };
}

/** Checks `allowedRegistries`, recording problems; the entries, or undefined for "no restriction". */
export function compileAllowedRegistries(value: unknown, p: OptionProblems): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    p.add(
      'allowedRegistries',
      'must be a non-empty array of registries (leave it unset to accept every registry)',
    );
    return undefined;
  }
  value.forEach((r, i) => {
    const problem = registryEntryProblem(r);
    if (problem) p.add(`allowedRegistries[${i}]`, problem);
  });
  return (value as string[]).map((r) => r.replace(/\/+$/, ''));
}
