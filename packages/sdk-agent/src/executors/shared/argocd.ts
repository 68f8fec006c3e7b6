/**
 * Pure Argo CD helpers shared by the `argocd-api`, `argocd-k8s` and `argocd-cli` executors: where the Helm parameters
 * live in an Application, how to change one, and when the Application's status can be trusted.
 */

/** A Helm parameter of an Application source. */
export interface HelmParameter {
  name?: string;
  value?: string;
  forceString?: boolean;
}

/** The parts of an Application source this package reads or writes. */
export interface ApplicationSource {
  repoURL?: string;
  chart?: string;
  path?: string;
  targetRevision?: string;
  helm?: { parameters?: HelmParameter[]; [key: string]: unknown };
  [key: string]: unknown;
}

/** The parts of an ApplicationSpec this package reads or writes; everything else is carried through untouched. */
export interface ApplicationSpec {
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  [key: string]: unknown;
}

/** The parts of an Application (REST or custom resource) this package reads. */
export interface Application {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: ApplicationSpec;
  operation?: unknown;
  status?: {
    sync?: {
      status?: string;
      revision?: string;
      comparedTo?: { source?: ApplicationSource; sources?: ApplicationSource[]; [key: string]: unknown };
    };
    health?: { status?: string; message?: string };
    operationState?: {
      phase?: string;
      message?: string;
      startedAt?: string;
      finishedAt?: string;
      [key: string]: unknown;
    };
    reconciledAt?: string;
    summary?: { images?: string[] };
    /** The app's resources with their health (inline unless Argo CD keeps resource health in the app tree). */
    resources?: {
      group?: string;
      kind?: string;
      namespace?: string;
      name?: string;
      health?: { status?: string; message?: string };
      [key: string]: unknown;
    }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Which source holds the Helm parameters: `-1` for the single `spec.source`, else an index into `spec.sources`. */
export function helmSourceIndex(spec: ApplicationSpec, parameter: string, preferred?: number): number {
  const sources = spec.sources;
  // When `sources` is set, Argo CD ignores `source`.
  if (!sources || sources.length === 0) return -1;
  if (preferred !== undefined) {
    if (preferred < 0 || preferred >= sources.length) {
      throw new RangeError(`sourceIndex ${preferred} is outside spec.sources (${sources.length} sources)`);
    }
    return preferred;
  }
  const holding = sources.findIndex((s) => s.helm?.parameters?.some((p) => p.name === parameter));
  if (holding >= 0) return holding;
  const helmLike = sources.findIndex((s) => s.helm !== undefined || s.chart !== undefined);
  if (helmLike >= 0) return helmLike;
  throw new RangeError('no source in spec.sources is a Helm source; set sourceIndex');
}

function sourceAt(
  holder: { source?: ApplicationSource; sources?: ApplicationSource[] },
  index: number,
): ApplicationSource | undefined {
  return index < 0 ? holder.source : holder.sources?.[index];
}

/** Reads a Helm parameter's value from a spec, or null when unset. */
export function readHelmParameter(
  spec: ApplicationSpec | undefined,
  parameter: string,
  preferred?: number,
): string | null {
  if (!spec) return null;
  const source = sourceAt(spec, helmSourceIndex(spec, parameter, preferred));
  return source?.helm?.parameters?.find((p) => p.name === parameter)?.value ?? null;
}

/**
 * Returns a copy of `spec` with every parameter of `values` set, in order (see {@link setHelmParameter}): the one
 * edit of a release set, so one write changes all its components.
 */
export function setHelmParameters(
  spec: ApplicationSpec,
  values: readonly { parameter: string; value: string }[],
  preferred?: number,
): ApplicationSpec {
  return values.reduce((edited, v) => setHelmParameter(edited, v.parameter, v.value, preferred), spec);
}

/**
 * Returns a copy of `spec` with `parameter` set to `value` as a string parameter (`forceString: true`, so `1.10`
 * stays a string). The whole parameters list is rebuilt because a merge patch replaces it as a whole.
 */
export function setHelmParameter(
  spec: ApplicationSpec,
  parameter: string,
  value: string,
  preferred?: number,
): ApplicationSpec {
  const index = helmSourceIndex(spec, parameter, preferred);
  const copy = structuredClone(spec);
  const source = sourceAt(copy, index);
  if (!source) throw new RangeError('the Application has no source');
  source.helm ??= {};
  const parameters = [...(source.helm.parameters ?? [])];
  const entry: HelmParameter = { name: parameter, value, forceString: true };
  const at = parameters.findIndex((p) => p.name === parameter);
  if (at >= 0) parameters[at] = entry;
  else parameters.push(entry);
  source.helm.parameters = parameters;
  return copy;
}

/** What the status of an Application says about our change. */
export type ApplicationVerdict =
  | { state: 'pending'; message: string }
  | { state: 'healthy'; message: string }
  | { state: 'failed'; message: string };

/** One Helm parameter an Application must show, and the component it holds the image of. */
export interface ExpectedParameter {
  component: string;
  parameter: string;
  value: string;
}

/** What we expect an Application to run, and since when. */
export interface ApplicationExpectation {
  parameter: string;
  value: string;
  /**
   * Every parameter of a release set (its first entry is `parameter`/`value`): all must show in the comparison, and
   * a Degraded workload is named by its component (from `status.resources`).
   * @default [{ parameter, value }]
   */
  set?: readonly ExpectedParameter[];
  /** Source index as configured (see {@link helmSourceIndex}). */
  sourceIndex?: number;
  /** When we triggered the sync (ms since epoch), if we did. */
  syncStartedAt?: number;
}

/**
 * Decides from one Application snapshot whether our change is rolled out (Synced + Healthy), failed, or still pending.
 *
 * Stale-status guard: right after a spec change Argo CD may still report the OLD comparison as Synced + Healthy.
 * The status is trusted only once `status.sync.comparedTo` shows our parameter value, or the last operation finished
 * at or after the second our sync started (Argo CD timestamps have one-second resolution).
 */
export function evaluateApplication(app: Application, expect: ApplicationExpectation): ApplicationVerdict {
  const status = app.status ?? {};
  const syncStatus = status.sync?.status ?? 'Unknown';
  const health = status.health?.status ?? 'Unknown';
  const op = status.operationState;
  const comparedTo = status.sync?.comparedTo;
  const expected = expect.set?.length ? expect.set : [{ parameter: expect.parameter, value: expect.value }];
  let compared = false;
  if (comparedTo) {
    try {
      compared = expected.every(
        (e) => readHelmParameter(comparedTo, e.parameter, expect.sourceIndex) === e.value,
      );
    } catch {
      compared = false;
    }
  }
  const startedSecond =
    expect.syncStartedAt === undefined ? undefined : Math.floor(expect.syncStartedAt / 1000) * 1000;
  const finishedAt = op?.finishedAt ? Date.parse(op.finishedAt) : Number.NaN;
  const ourOperationFinished = startedSecond !== undefined && finishedAt >= startedSecond;
  if (!compared && !ourOperationFinished) {
    return {
      state: 'pending',
      message: `waiting for Argo CD to compare ${expected.map((e) => `${e.parameter}=${e.value}`).join(', ')} (status says ${syncStatus}/${health})`,
    };
  }
  const running = app.operation != null || op?.phase === 'Running' || op?.phase === 'Terminating';
  if (running) return { state: 'pending', message: `sync running (${syncStatus}/${health})` };
  if (ourOperationFinished && (op?.phase === 'Failed' || op?.phase === 'Error')) {
    return { state: 'failed', message: `sync ${op.phase}: ${op.message ?? 'no message'}` };
  }
  if (health === 'Degraded') {
    const named = expect.set && expect.set.length > 1 ? degradedComponents(app, expect.set) : [];
    if (named.length > 0) {
      return {
        state: 'failed',
        message: named.map((n) => `${n.component}: Degraded: ${n.message}`).join('; '),
      };
    }
    return { state: 'failed', message: `Degraded: ${status.health?.message ?? 'no message'}` };
  }
  if (syncStatus === 'Synced' && health === 'Healthy')
    return { state: 'healthy', message: 'Synced and Healthy' };
  return { state: 'pending', message: `${syncStatus}/${health}` };
}

/**
 * Whether an Application has rolled out `values`: Synced, no operation running, and the comparison behind that
 * status made with every one of them (`status.sync.comparedTo`), so a stale Synced from before a spec write does not
 * count. False after an `app set` (or a spec write) that no sync followed: the apply must still sync.
 */
export function isSettledOn(
  app: Application,
  values: readonly Pick<ExpectedParameter, 'parameter' | 'value'>[],
  sourceIndex?: number,
): boolean {
  const status = app.status ?? {};
  const phase = status.operationState?.phase;
  if (status.sync?.status !== 'Synced' || app.operation != null) return false;
  if (phase === 'Running' || phase === 'Terminating') return false;
  const comparedTo = status.sync.comparedTo;
  if (!comparedTo) return false;
  try {
    return values.every((v) => readHelmParameter(comparedTo, v.parameter, sourceIndex) === v.value);
  } catch {
    return false;
  }
}

/**
 * The components of a set whose workload `status.resources` reports Degraded. A resource belongs to a component
 * when its name holds the component as a whole dash-separated word (`wrktalk-media`, `media`, `media-worker`): the
 * Argo CD executors know Helm parameters, not workload names. Empty when Argo CD does not keep resource health
 * inline (`resourceHealthSource: appTree`) or no name matches; the caller then says only `Degraded`.
 */
export function degradedComponents(
  app: Application,
  set: readonly Pick<ExpectedParameter, 'component'>[],
): { component: string; message: string }[] {
  const degraded = (app.status?.resources ?? []).filter((r) => r.health?.status === 'Degraded');
  return set.flatMap(({ component }) => {
    const word = new RegExp(`(^|-)${component.replace(/[^a-z0-9]/gi, (c) => `\\${c}`)}(-|$)`);
    const found = degraded.find((r) => r.name !== undefined && word.test(r.name));
    return found
      ? [
          {
            component,
            message: found.health?.message || `${found.kind ?? 'resource'} ${found.name} is Degraded`,
          },
        ]
      : [];
  });
}

/** True when an Argo CD error text says a sync is already running (HTTP 400 or the CLI's FailedPrecondition). */
export function isOperationInProgress(text: string): boolean {
  return /another operation is already in progress/i.test(text);
}

/** True when an Argo CD error text says a sync window blocks syncing. */
export function isBlockedBySyncWindow(text: string): boolean {
  return /blocked by sync window/i.test(text);
}
