import type { Schemas } from './schemas';

/** How long an agent may take to see its workload healthy before reporting `failed`, in seconds. */
export const VERIFY_TIMEOUT_SECONDS = 600;

/** The task fields an offered update is made of (a GCC's task row, or the fake's task). */
export interface OfferedTask {
  /** Task id. */
  id: string;
  /** Deployment of the task. */
  deployment_id: string;
  /** `update` or `rollback`. */
  type: Schemas['Update']['type'];
  /** Component to change. */
  component: string;
  /** Version to apply. */
  version: string;
  /** Image of that version. */
  image_url: string;
  /** `sha256:` digest of that image, when the release recorded one. */
  image_digest?: string | null;
  /** Version the client ran before the task. */
  previous_version: string | null;
  /** Attempt the agent reports on. */
  attempt: number;
  /** RFC 3339 end of the agent's lease. */
  lease_expires_at: string;
  /**
   * The task's whole set (the contract's `TaskComponent`s with each release's digest), when it has more than the one
   * component above; its first entry is that component. Absent or null: a single component.
   */
  components?: readonly OfferedComponent[] | null;
}

/** One component of an offered task's set. */
export interface OfferedComponent {
  component: string;
  version: string;
  image_url: string;
  image_digest?: string | null;
  previous_version: string | null;
}

/** The Helm value holding a component's image tag, as the GCC offers it (`<component>.image.tag`). */
export function helmParameterOf(component: string): string {
  return `${component}.image.tag`;
}

/**
 * The update an agent is offered for a task it holds (`GET /clients/{id}/updates`): the one mapping from a task to
 * the contract's `Update`, used by the GCC and by the fake, so both offer the same Helm parameter and verify time.
 */
export function updateOf(task: OfferedTask): Schemas['Update'] {
  return {
    task_id: task.id,
    deployment_id: task.deployment_id,
    type: task.type,
    component: task.component,
    version: task.version,
    image_url: task.image_url,
    image_digest: task.image_digest ?? null,
    previous_version: task.previous_version,
    attempt: task.attempt,
    components: (task.components?.length
      ? task.components
      : [
          {
            component: task.component,
            version: task.version,
            image_url: task.image_url,
            image_digest: task.image_digest ?? null,
            previous_version: task.previous_version,
          },
        ]
    ).map((c) => ({
      component: c.component,
      version: c.version,
      image_url: c.image_url,
      image_digest: c.image_digest ?? null,
      previous_version: c.previous_version,
      helm_parameter: helmParameterOf(c.component),
    })),
    helm_parameter: helmParameterOf(task.component),
    lease_expires_at: task.lease_expires_at,
    verify_timeout_seconds: VERIFY_TIMEOUT_SECONDS,
  };
}
