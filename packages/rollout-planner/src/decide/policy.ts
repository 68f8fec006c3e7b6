import type { ApprovalPolicy } from '../approvals/approval-policy';
import type { Strategy } from '../strategy/strategy';
import {
  checkEnum,
  checkNumber,
  checkSelector,
  Problems,
  type ValidationProblem,
  validateStrategy,
} from '../strategy/validate-strategy';

/** Everything `decide` needs besides the snapshot and the time. */
export interface DecidePolicy {
  /** Component being deployed (auto-approve policies and client settings are per component). */
  component: string;
  /**
   * A release set's components (first `component`): an auto-approval must cover every one of them.
   * @default [component]
   */
  components?: readonly string[];
  /** Rollout strategy. @default defaultStrategy */
  strategy?: Strategy;
  /** Approval rules. @default { requireApproval: true, approvalDeadline: null, onDeadline: 'expire' } */
  approval?: ApprovalPolicy;
}

/** Largest epoch-ms value a `Date` holds (ECMA-262 time values are within ±8.64e15 ms). */
const MAX_EPOCH_MS = 8.64e15;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a decide policy (strategy included) and returns every problem with its path. */
export function validatePolicy(input: unknown, options: { fleetSize?: number } = {}): ValidationProblem[] {
  const p = new Problems();
  if (!isObject(input)) {
    p.add('', 'policy must be an object');
    return p.list;
  }
  if (typeof input.component !== 'string' || input.component === '') {
    p.add('component', 'is required (a non-empty string)');
  }
  if (input.strategy !== undefined) {
    for (const sp of validateStrategy(input.strategy, options)) {
      p.add(sp.path === '' ? 'strategy' : `strategy.${sp.path}`, sp.message);
    }
  }
  const a = input.approval;
  if (a !== undefined) {
    if (!isObject(a)) p.add('approval', 'must be an object');
    else {
      if (a.requireApproval !== undefined && typeof a.requireApproval !== 'boolean') {
        p.add('approval.requireApproval', 'must be a boolean');
      }
      // Within the range of a JavaScript Date, so the deadline is an instant every tick can compute with.
      if (a.approvalDeadline !== null)
        checkNumber(p, a, 'approvalDeadline', 'approval', {
          integer: true,
          min: -MAX_EPOCH_MS,
          max: MAX_EPOCH_MS,
        });
      checkEnum(p, a, 'onDeadline', 'approval', ['auto_approve', 'expire']);
      const list = a.autoApprovePolicies;
      if (list !== undefined) {
        if (!Array.isArray(list)) p.add('approval.autoApprovePolicies', 'must be an array');
        else {
          const ids = new Set<string>();
          list.forEach((item: unknown, i) => {
            const at = `approval.autoApprovePolicies[${i}]`;
            if (!isObject(item)) {
              p.add(at, 'must be an object');
              return;
            }
            if (typeof item.id !== 'string' || item.id === '')
              p.add(`${at}.id`, 'is required (a non-empty string)');
            else if (ids.has(item.id)) p.add(`${at}.id`, `duplicate policy id '${item.id}'`);
            else ids.add(item.id);
            if (
              item.components !== undefined &&
              (!Array.isArray(item.components) || item.components.some((c) => typeof c !== 'string'))
            ) {
              p.add(`${at}.components`, 'must be an array of component names');
            }
            checkSelector(p, item.labelSelector, `${at}.labelSelector`);
          });
        }
      }
    }
  }
  return p.list;
}
