import { z } from 'zod';
import { toUpdateInstruction, type UpdateInstruction } from '../executor';

/** An image tag (what `helm --set-string` and Docker accept without escaping). */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** An image digest. */
export const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;
// Same grammar as the contract's ImageReference: [host[:port]/]path[:tag][@digest], nothing a shell would read.
const IMAGE_REFERENCE =
  /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const HELM_PARAMETER = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

const version = z
  .string()
  .refine((v) => IMAGE_TAG.test(v) || IMAGE_DIGEST.test(v), 'must be an image tag or a sha256: digest');

/** What the agent needs from any offer to be able to report on it, even when the rest is invalid. */
const envelope = z.object({
  task_id: z.string().regex(/^tsk-[A-Za-z0-9_-]{1,64}$/),
  attempt: z.number().int().min(1),
});

/** True when `imageUrl` carries exactly `version` (as its tag, or as its digest). */
export function imageCarriesVersion(imageUrl: string, v: string): boolean {
  if (IMAGE_DIGEST.test(v)) return imageUrl.endsWith(`@${v}`);
  const withoutDigest = imageUrl.replace(/@sha256:[a-f0-9]{64}$/, '');
  const lastSlash = withoutDigest.lastIndexOf('/');
  return withoutDigest.slice(lastSlash + 1).endsWith(`:${v}`);
}

type Rules = { components: readonly string[]; allowedRegistries: readonly string[] };

/** The fields that say what one component runs: the top level of an update, and each entry of its `components`. */
function componentFields(rules: Rules) {
  return {
    component: z.string().refine((c) => rules.components.includes(c), {
      error: (iss) =>
        `unknown component ${JSON.stringify(iss.input)}; this agent manages ${rules.components.join(', ')}`,
    }),
    version,
    image_url: z
      .string()
      .max(512)
      .refine((u) => IMAGE_REFERENCE.test(u), 'is not a valid image reference')
      .refine((u) => rules.allowedRegistries.some((r) => u.startsWith(r)), {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not in the allowed registries (${rules.allowedRegistries.join(', ')})`,
      }),
    image_digest: z.string().regex(IMAGE_DIGEST, 'is not a sha256: digest').nullable().optional(),
    previous_version: version.nullable(),
    helm_parameter: z.string().max(253).regex(HELM_PARAMETER, 'is not a valid Helm parameter path'),
  };
}

type ComponentFields = {
  component: string;
  version: string;
  image_url: string;
  image_digest?: string | null | undefined;
  previous_version: string | null;
  helm_parameter: string;
};

/** The image of one component must carry its version, and its digest (if any) must be the one in the URL. */
function checkImage(c: ComponentFields, path: (string | number)[], ctx: z.RefinementCtx): void {
  const urlDigest = /@(sha256:[a-f0-9]{64})$/.exec(c.image_url)?.[1];
  if (c.image_digest && urlDigest && urlDigest !== c.image_digest) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'image_digest'],
      message: `${c.image_digest} differs from the digest in image_url (${urlDigest})`,
    });
  }
  if (!imageCarriesVersion(c.image_url, c.version)) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'image_url'],
      message: `${JSON.stringify(c.image_url)} does not reference version ${JSON.stringify(c.version)}`,
    });
  }
}

const SAME_AS_TOP_LEVEL = [
  'component',
  'version',
  'image_url',
  'image_digest',
  'previous_version',
  'helm_parameter',
] as const;

/** Builds the zod schema of an update for this agent's components and registries. */
export function updateSchema(rules: Rules) {
  const fields = componentFields(rules);
  return z
    .object({
      task_id: envelope.shape.task_id,
      deployment_id: z.string().regex(/^dpl-[A-Za-z0-9_-]{1,64}$/),
      type: z.enum(['update', 'rollback']),
      ...fields,
      // A set applied as one change; absent in offers of GCCs before release sets (then: the component above).
      components: z.array(z.object(fields)).min(1).max(16).optional(),
      attempt: envelope.shape.attempt,
      lease_expires_at: z.string().optional(),
      verify_timeout_seconds: z.number().int().min(1).max(86_400),
      // Checked by verifyOffer (runtime/verify.ts) against the pinned keys, not here.
      signature: z.unknown().optional(),
    })
    .superRefine((u, ctx) => {
      checkImage(u, [], ctx);
      const set = u.components ?? [];
      set.forEach((c, i) => {
        if (i > 0) checkImage(c, ['components', i], ctx);
      });
      const first = set[0];
      if (first) {
        // The first entry is what a single-component agent (and the v1 signature) reads: they must agree.
        const differs = SAME_AS_TOP_LEVEL.filter((k) => (first[k] ?? null) !== (u[k] ?? null));
        if (differs.length > 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['components', 0],
            message: `the first component differs from the update's own ${differs.join(', ')}: refusing an inconsistent set`,
          });
        }
      }
      const seen = new Set<string>();
      set.forEach((c, i) => {
        if (seen.has(c.component)) {
          ctx.addIssue({
            code: 'custom',
            path: ['components', i, 'component'],
            message: `component ${JSON.stringify(c.component)} appears twice in the set`,
          });
        }
        seen.add(c.component);
      });
    });
}

/** Result of {@link validateInstruction}. */
export type InstructionCheck =
  | { ok: true; instruction: UpdateInstruction }
  /** `task` is known when the offer at least names a task and attempt: the agent reports the rejection on it. */
  | { ok: false; task: { taskId: string; attempt: number } | undefined; problems: string[] };

/** Validates an update offered by the GCC before anything uses it, listing every problem. */
export function validateInstruction(raw: unknown, rules: Rules): InstructionCheck {
  const parsed = updateSchema(rules).safeParse(raw);
  if (parsed.success) return { ok: true, instruction: toUpdateInstruction(parsed.data) };
  const env = envelope.safeParse(raw);
  return {
    ok: false,
    task: env.success ? { taskId: env.data.task_id, attempt: env.data.attempt } : undefined,
    problems: parsed.error.issues.map(
      (i) => `${i.path.length ? i.path.join('.') : '(update)'}: ${i.message}`,
    ),
  };
}
