import type { WireStrategy } from '@wrktalk/sdk-gcc';

/** One named demo scenario. */
export interface Scenario {
  /** The name given to `--scenario`. */
  name: ScenarioName;
  /** One line for `--help`. */
  description: string;
  /** The staged strategy of the demo deployment: seconds, not minutes. */
  strategy: WireStrategy;
  /** Whether the new version comes up unhealthy on the first canary client (its agent reports `failed`). */
  failCanary: boolean;
}

/** Names of the scenarios. */
export const SCENARIO_NAMES = ['rollout', 'failing-canary'] as const;

/** Name of one scenario. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

// Waits are seconds so that the whole rollout fits in well under a minute. The offline client's task goes `overdue`
// after `pickup_timeout_seconds`; a stage starts with whoever approved after `stage_fill_seconds`.
const STAGED: WireStrategy = {
  stages: [
    { kind: 'canary', count: 2, wait_seconds: 3 },
    { kind: 'batch', percent: 20, wait_seconds: 2 },
    { kind: 'batch', percent: 30, wait_seconds: 3 },
    { kind: 'batch', wait_seconds: 0 },
  ],
  failure_threshold: { max_failure_ratio: 0.25, min_finished: 4 },
  canary_failure_threshold: { max_failures: 0 },
  on_failure: 'rollback',
  rollback: { scope: 'failed_stage' },
  pickup_timeout_seconds: 4,
  lease_seconds: 60,
  stage_fill_seconds: 2,
  max_attempts: 2,
};

/** Every scenario by name. */
export const SCENARIOS: Record<ScenarioName, Scenario> = {
  rollout: {
    name: 'rollout',
    description: 'a staged rollout (canary 2, then 20 %, 30 %, the rest) that completes',
    strategy: STAGED,
    failCanary: false,
  },
  'failing-canary': {
    name: 'failing-canary',
    description:
      'the new version is unhealthy on a canary client: the canary fails and the automatic rollback returns exactly its clients to their own previous versions',
    strategy: STAGED,
    failCanary: true,
  },
};

/** Whether `name` is a scenario name. */
export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}
