import { type SignableUpdate, type TrustedKey, verifyUpdateSignature } from '@wrktalk/sdk-gcc';

/** The prefix of every report message and error about an offer the agent refused for its signature. */
export const SIGNATURE_INVALID = 'signature_invalid';

/**
 * Checks a structurally valid offer against the pinned keys (sdk-gcc's one rule, `verifyUpdateSignature`): the
 * failure message `signature_invalid: <reason>` for the `failed` report, or undefined when the offer may run.
 * Without pinned keys every offer passes (the agent then trusts its GCC connection alone).
 */
export function offerSignatureProblem(
  update: SignableUpdate & { signature?: unknown },
  o: { clientId: string; trustedKeys: readonly TrustedKey[]; now: () => Date },
): string | undefined {
  if (o.trustedKeys.length === 0) return undefined;
  const check = verifyUpdateSignature(update, {
    clientId: o.clientId,
    trustedKeys: o.trustedKeys,
    now: o.now(),
  });
  return check.ok ? undefined : `${SIGNATURE_INVALID}: ${check.reason}`;
}
