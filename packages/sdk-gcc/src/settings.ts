import { parseSelector } from '@wrktalk/rollout-planner';
import type { FieldError } from './params';

/** Most notification addresses a client keeps (`ClientSettingsPatch.notification_emails`). */
export const MAX_NOTIFICATION_EMAILS = 20;

/**
 * `local@domain` with a dotted domain, no spaces, no second `@`: what a mail transport accepts, not the whole of
 * RFC 5322 (quoted local parts and address literals are refused on purpose: nobody's CT needs them).
 */
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** True for an e-mail address the GCC sends to (see {@link EMAIL}). */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

/** True for an IANA time zone this runtime knows. */
export function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The rules of `updateClientSettings` the JSON schema cannot carry, each problem with its path: an unknown time
 * zone, an address that is not one, more than {@link MAX_NOTIFICATION_EMAILS} addresses, the same address twice
 * (case-insensitive), an unmanaged component in `auto_approve`. Reads the body defensively (it may not have passed
 * the schema), so a caller can report these together with the schema's own problems.
 * @param components the components the GCC manages
 */
export function clientSettingsProblems(body: unknown, components: ReadonlySet<string>): FieldError[] {
  if (!isObject(body)) return [];
  const errors: FieldError[] = [];
  if (typeof body.timezone === 'string' && !isKnownTimeZone(body.timezone)) {
    errors.push({ path: '/timezone', message: `unknown time zone ${body.timezone}` });
  }
  const emails = body.notification_emails;
  if (Array.isArray(emails)) {
    if (emails.length > MAX_NOTIFICATION_EMAILS) {
      errors.push({
        path: '/notification_emails',
        message: `at most ${MAX_NOTIFICATION_EMAILS} addresses (${emails.length} given)`,
      });
    }
    const seen = new Map<string, number>();
    emails.forEach((e, i) => {
      if (typeof e !== 'string') return;
      if (!isEmailAddress(e)) {
        errors.push({ path: `/notification_emails/${i}`, message: 'not an e-mail address' });
        return;
      }
      const key = e.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        errors.push({
          path: `/notification_emails/${i}`,
          message: `the same address as /notification_emails/${first}`,
        });
      } else seen.set(key, i);
    });
  }
  if (isObject(body.auto_approve) && Array.isArray(body.auto_approve.components)) {
    body.auto_approve.components.forEach((c, i) => {
      if (typeof c === 'string' && !components.has(c))
        errors.push({ path: `/auto_approve/components/${i}`, message: `unknown component ${c}` });
    });
  }
  return errors;
}

/**
 * The schema's problems of a request plus an operation's own rules, each location once: a rule's problem at a path
 * the schema already reported (an address both malformed for the schema and for {@link isEmailAddress}) is left out.
 */
export function withRules(schema: readonly FieldError[], rules: readonly FieldError[]): FieldError[] {
  const seen = new Set(schema.map((e) => e.path));
  return [...schema, ...rules.filter((e) => !seen.has(e.path))];
}

/** The id rule of an auto-approve policy (`AutoApprovePolicyId`): a DNS label. */
const POLICY_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The rules of `createAutoApprovePolicy` past its schema, each problem with its path (answered `422
 * invalid_policy`): an id that is not a DNS label, an empty `components` list, an unmanaged component, a selector
 * that does not parse (the planner's `parseSelector`, which applies the policy).
 * @param components the components the GCC manages
 */
export function autoApprovePolicyProblems(
  body: { id: string; components?: string[] | null; label_selector?: string | null },
  components: ReadonlySet<string>,
): FieldError[] {
  const errors: FieldError[] = [];
  if (!POLICY_ID.test(body.id)) {
    errors.push({
      path: '/id',
      message: 'must be a DNS label: 1 to 63 lowercase letters, digits and -, not starting or ending with -',
    });
  }
  if (body.components != null) {
    if (body.components.length === 0) {
      errors.push({
        path: '/components',
        message: 'must list at least one component (leave it out for every component)',
      });
    }
    body.components.forEach((c, i) => {
      if (!components.has(c)) errors.push({ path: `/components/${i}`, message: `unknown component ${c}` });
    });
  }
  if (body.label_selector != null) {
    const parsed = parseSelector(body.label_selector);
    if (!parsed.ok)
      for (const p of parsed.problems)
        errors.push({ path: '/label_selector', message: `${p.message} at position ${p.position}` });
  }
  return errors;
}
