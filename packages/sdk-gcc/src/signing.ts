import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

/**
 * Signed updates: the one definition of what the GCC signs in an offered update and of how an agent checks it.
 * The GCC (gcc-core) signs with {@link signUpdate}; the agent (sdk-agent) verifies with {@link verifyUpdateSignature}.
 *
 * The signed message (canonical payload) is the UTF-8 JSON text (`JSON.stringify`, no spaces) of this array, in this
 * order, every element a JSON string, number or null:
 *
 * ```
 * ["wrktalk-update/v1", client_id, task_id, attempt, type, component, version, image_url,
 *  image_digest | null, previous_version | null, helm_parameter, expires_at]
 * ```
 *
 * `expires_at` is the RFC 3339 text carried in `signature.expires_at`, byte for byte. The signature is Ed25519
 * (RFC 8032, pure, no pre-hash) over those bytes, base64 (standard alphabet, padded) in `signature.value`.
 * `client_id` is not in the offer: the agent puts its own client id there, so an offer signed for another client
 * does not verify.
 *
 * An update of a release set (more than one entry in `components`) is signed under {@link SET_SIGNATURE_CONTEXT}
 * (`wrktalk-update/v2`), and the array ends with one more element: the list of
 * `[component, version, image_url, image_digest | null, previous_version | null, helm_parameter]` of every entry of
 * `components`, in order. An agent that only knows v1 therefore refuses a set rather than applying its first part.
 */
export const UPDATE_SIGNATURE_CONTEXT = 'wrktalk-update/v1';

/** The signed context of an update that carries a set of more than one component. */
export const SET_SIGNATURE_CONTEXT = 'wrktalk-update/v2';

/** One component of a signable set (the contract's `UpdateComponent`). */
export interface SignableComponent {
  component: string;
  version: string;
  image_url: string;
  image_digest?: string | null | undefined;
  previous_version: string | null;
  helm_parameter: string;
}

/** The only signature algorithm. */
export const SIGNATURE_ALG = 'Ed25519' as const;

/** How far an agent's clock may be behind or ahead of the GCC's when it checks `expires_at`, in seconds. */
export const SIGNATURE_CLOCK_SKEW_SECONDS = 60;

/** The contract's `UpdateSignature`. */
export interface UpdateSignature {
  alg: 'Ed25519';
  /** Id of the signing key, as published at `/.well-known/wrktalk-signing-keys` (informative: every pinned key is tried). */
  key_id: string;
  /** RFC 3339; the offer is refused after this time. Signed. */
  expires_at: string;
  /** Base64 Ed25519 signature of the canonical payload. */
  value: string;
}

/** The fields of an offered update that decide what runs (the contract's `Update`, snake_case). */
export interface SignableUpdate {
  task_id: string;
  attempt: number;
  type: string;
  component: string;
  version: string;
  image_url: string;
  image_digest?: string | null | undefined;
  previous_version: string | null;
  helm_parameter: string;
  /** The whole set; more than one entry switches the payload to {@link SET_SIGNATURE_CONTEXT}. */
  components?: readonly SignableComponent[] | undefined;
}

/** One published public key (the contract's `SigningKey`). */
export interface PublishedSigningKey {
  key_id: string;
  alg: 'Ed25519';
  /** SPKI PEM. */
  public_key: string;
  /** `true` for the key the GCC signs with now; `false` for a previous key still published during a rotation. */
  current: boolean;
}

/** A key an agent trusts. */
export interface TrustedKey {
  key: KeyObject;
  /** Derived from the key ({@link keyIdOf}) unless given. */
  keyId: string;
}

/** The bytes signed for `update` offered to `clientId`, expiring at `expiresAt` (see {@link UPDATE_SIGNATURE_CONTEXT}). */
export function updateSigningPayload(clientId: string, update: SignableUpdate, expiresAt: string): Buffer {
  const set = update.components !== undefined && update.components.length > 1 ? update.components : null;
  return Buffer.from(
    JSON.stringify([
      set ? SET_SIGNATURE_CONTEXT : UPDATE_SIGNATURE_CONTEXT,
      clientId,
      update.task_id,
      update.attempt,
      update.type,
      update.component,
      update.version,
      update.image_url,
      update.image_digest ?? null,
      update.previous_version ?? null,
      update.helm_parameter,
      expiresAt,
      ...(set
        ? [
            set.map((c) => [
              c.component,
              c.version,
              c.image_url,
              c.image_digest ?? null,
              c.previous_version ?? null,
              c.helm_parameter,
            ]),
          ]
        : []),
    ]),
    'utf8',
  );
}

/** Signs `update` for `clientId` with an Ed25519 private key. */
export function signUpdate(
  clientId: string,
  update: SignableUpdate,
  key: { privateKey: KeyObject; keyId: string },
  expiresAt: string,
): UpdateSignature {
  const value = sign(null, updateSigningPayload(clientId, update, expiresAt), key.privateKey);
  return { alg: SIGNATURE_ALG, key_id: key.keyId, expires_at: expiresAt, value: value.toString('base64') };
}

/** Result of {@link verifyUpdateSignature}; `reason` is one line, for the `failed` report. */
export type SignatureCheck = { ok: true; keyId: string } | { ok: false; reason: string };

/**
 * Checks an offered update's `signature` for `clientId` against the trusted keys (every one is tried; `key_id` only
 * names the key in messages) and its expiry (with {@link SIGNATURE_CLOCK_SKEW_SECONDS} of tolerance).
 */
export function verifyUpdateSignature(
  update: SignableUpdate & { signature?: unknown },
  options: { clientId: string; trustedKeys: readonly TrustedKey[]; now: Date; clockSkewSeconds?: number },
): SignatureCheck {
  const s = update.signature as Partial<UpdateSignature> | null | undefined;
  if (s === undefined || s === null) {
    return {
      ok: false,
      reason: 'unsigned offer: this agent pins signing keys and accepts signed offers only',
    };
  }
  if (typeof s !== 'object' || Array.isArray(s)) return { ok: false, reason: 'signature is not an object' };
  if (s.alg !== SIGNATURE_ALG) {
    return {
      ok: false,
      reason: `unsupported signature alg ${JSON.stringify(s.alg)} (only ${SIGNATURE_ALG})`,
    };
  }
  const keyId = typeof s.key_id === 'string' ? s.key_id : '(none)';
  if (typeof s.expires_at !== 'string' || Number.isNaN(Date.parse(s.expires_at))) {
    return { ok: false, reason: 'signature.expires_at is not an RFC 3339 time' };
  }
  const value =
    typeof s.value === 'string' && /^[A-Za-z0-9+/]{86}==$/.test(s.value)
      ? Buffer.from(s.value, 'base64')
      : undefined;
  if (value?.length !== 64) {
    return { ok: false, reason: 'signature.value is not a base64 Ed25519 signature (64 bytes)' };
  }
  const payload = updateSigningPayload(options.clientId, update, s.expires_at);
  const match = options.trustedKeys.find((k) => verify(null, payload, k.key, value));
  if (!match) {
    const pinned = options.trustedKeys.map((k) => k.keyId).join(', ');
    return {
      ok: false,
      reason:
        `signature (key_id ${keyId}) does not verify for client ${options.clientId} with any pinned key (${pinned}): ` +
        'the offer was altered, was signed for another client or task, or was signed with a key this agent does not pin',
    };
  }
  const skewMs = (options.clockSkewSeconds ?? SIGNATURE_CLOCK_SKEW_SECONDS) * 1000;
  if (options.now.getTime() > Date.parse(s.expires_at) + skewMs) {
    return {
      ok: false,
      reason: `signature expired at ${s.expires_at} (now ${options.now.toISOString()}): a stale or replayed offer`,
    };
  }
  return { ok: true, keyId: match.keyId };
}

// ---- keys ------------------------------------------------------------------------------------------------------

/** The 12-byte DER prefix of an Ed25519 SubjectPublicKeyInfo, followed by the 32 raw key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${what} is a ${key.asymmetricKeyType ?? key.type} key, not Ed25519`);
  }
  return key;
}

/** An Ed25519 private key from PKCS#8 PEM or a KeyObject; throws with a readable message otherwise. */
export function loadSigningPrivateKey(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') {
    if (key?.type !== 'private') throw new Error('the signing key must be a private key');
    return requireEd25519(key, 'the signing key');
  }
  let k: KeyObject;
  try {
    k = createPrivateKey(key);
  } catch {
    throw new Error('the signing key is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----")');
  }
  return requireEd25519(k, 'the signing key');
}

/**
 * An Ed25519 public key from SPKI PEM, base64 of the 32 raw bytes, base64 of the SPKI DER, or a KeyObject (a private
 * key gives its public half).
 */
export function loadSigningPublicKey(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') {
    return requireEd25519(key.type === 'private' ? createPublicKey(key) : key, 'the public key');
  }
  const text = key.trim();
  let k: KeyObject;
  try {
    if (text.includes('-----BEGIN')) k = createPublicKey(text);
    else {
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw new Error('not base64');
      const raw = Buffer.from(text, 'base64');
      const der = raw.length === 32 ? Buffer.concat([ED25519_SPKI_PREFIX, raw]) : raw;
      k = createPublicKey({ key: der, format: 'der', type: 'spki' });
    }
  } catch {
    throw new Error(
      'the public key is not an Ed25519 public key (SPKI PEM "-----BEGIN PUBLIC KEY-----", or base64 of the 32 raw bytes)',
    );
  }
  return requireEd25519(k, 'the public key');
}

/**
 * Several public keys from one text: PEM blocks one after the other, or base64 keys separated by commas or
 * whitespace (what `GCC_SIGNING_PUBLIC_KEY` and `GCC_SIGNING_PREVIOUS_PUBLIC_KEYS` hold).
 */
export function parseSigningPublicKeys(text: string): KeyObject[] {
  const pems = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g);
  if (pems) return pems.map((p) => loadSigningPublicKey(p));
  return text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s) => loadSigningPublicKey(s));
}

/** The 32 raw bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  return (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(ED25519_SPKI_PREFIX.length);
}

/** SPKI PEM of a public key (or of a private key's public half). */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'pem', type: 'spki' }).toString();
}

/** The default key id: `ed25519:` and the first 16 hex digits of the SHA-256 of the raw public key. */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return `ed25519:${createHash('sha256').update(rawPublicKey(pub)).digest('hex').slice(0, 16)}`;
}

/** A new Ed25519 key pair as PEM (PKCS#8 private, SPKI public) with its default key id. */
export function generateSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKeyPem(publicKey),
    keyId: keyIdOf(publicKey),
  };
}

/** Trusted keys from PEM/base64 texts or KeyObjects, each with its default key id. */
export function trustedKeysOf(keys: readonly (string | KeyObject)[]): TrustedKey[] {
  return keys.flatMap((k) =>
    (typeof k === 'string' ? parseSigningPublicKeys(k) : [loadSigningPublicKey(k)]).map((key) => ({
      key,
      keyId: keyIdOf(key),
    })),
  );
}
