import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import {
  parseSelector,
  RELEASE_SET_MAX,
  releaseSetProblems,
  TARGET_KINDS,
  validateWireStrategy,
  type WireStrategy,
} from '@wrktalk/rollout-planner';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ScenarioError, type ScenarioProblem } from './errors';

// A scenario is what an operator keeps next to the strategy they rehearse: the fleet (how many clients, their labels
// and targets), how its people and agents behave, the release and the deployment (selector, approval, strategy), and
// rules that make some clients different (a failing canary, a region that goes dark). Every field but `name`,
// `clients.count` and the deployment's strategy has a default, documented here.

const seconds = z.number().finite().min(0);
const share = z.number().finite().min(0).max(1);
/** `{ min, max }` seconds, drawn uniformly per client. */
const range = z
  .strictObject({ min: seconds, max: seconds })
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max' });
/** A label value, or weights of values (`{ premium: 1, standard: 3 }`: one in four premium). */
const weighted = z.union([
  z.string().min(1),
  z
    .record(z.string().min(1), z.number().finite().min(0))
    .refine((w) => Object.values(w).some((x) => x > 0), { message: 'needs at least one weight above 0' }),
]);
const labelMatch = z.record(z.string().min(1), z.string());

const behaviourName = z.enum(['approve', 'reject', 'never', 'late']);

/** The components a GCC manages unless configured otherwise (`createGcc`'s default): a set may name only these. */
export const MANAGED_COMPONENTS: readonly string[] = ['backend', 'media', 'ct'];

/** Registry of every image the simulator registers (`registry.wrktalk.com/wrktalk/<component>:<version>`). */
export const SIM_REGISTRY = 'registry.wrktalk.com';

/** Default version a client runs before the release, per component when `previous` says nothing. */
const DEFAULT_PREVIOUS = '2.4.0';

/** One member of a release set as a list entry: `{ component, version, previous? }`. */
const setMember = z.strictObject({
  component: z.string().min(1),
  version: z.string().min(1),
  /** What the clients run of this component before (weights allowed). @default the release's `previous` */
  previous: weighted.optional(),
});
/** A member in the mapping form: `backend: 5.0.0` or `backend: { version: 5.0.0, previous: … }`. */
const setValue = z.union([
  z.string().min(1),
  z.strictObject({ version: z.string().min(1), previous: weighted.optional() }),
]);

/** Makes the apply of these clients fail: a probability, or `{ component, rate }` naming the component that fails. */
const failEffect = z.union([
  share,
  z.strictObject({
    /** The component of the set whose apply fails (the agent reverts the whole set and says which one failed). */
    component: z.string().min(1),
    /** Probability, every attempt. @default 1 */
    rate: share.default(1),
  }),
]);

const rule = z
  .strictObject({
    /** Labels the client must have (all of them); absent: every client. */
    match: labelMatch.optional(),
    /** These clients only (ids as the simulator names them: `<id_prefix><n>`, zero-padded to the count's width). */
    ids: z.array(z.string().min(1)).min(1).optional(),
    /** Applies only to tasks placed in this stage (0-based); absent: any stage. Only `fail` uses it. */
    stage: z.number().int().min(0).optional(),
    /** Overrides the approver's behaviour. */
    approval: behaviourName.optional(),
    /**
     * Probability that applying the release fails on these clients (every attempt), or `{ component, rate }`: the
     * named component of the set fails (rate default 1).
     */
    fail: failEffect.optional(),
    /** The agent never runs (offline from the start). */
    offline: z.boolean().optional(),
    /** The agent stops answering at this second of the rollout (a regional outage); with `offline_until_seconds` it returns. */
    offline_from_seconds: seconds.optional(),
    offline_until_seconds: seconds.optional(),
    /** Applies take this many times longer. */
    slow_factor: z.number().finite().min(1).optional(),
  })
  .refine((r) => Object.keys(r).some((k) => k !== 'match' && k !== 'ids' && k !== 'stage'), {
    message: 'a rule needs an effect: approval, fail, offline, offline_from_seconds or slow_factor',
  })
  .refine((r) => r.stage === undefined || r.fail !== undefined, {
    message: '`stage` only narrows `fail` (the stage of a task is known once it is placed)',
  });

const scenarioSchema = z.strictObject({
  /** Short name, used in the report's title and file names. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
  description: z.string().default(''),
  /** Seed of every random choice: the same scenario and seed give the same fleet and the same behaviours. @default 1 */
  seed: z.number().int().min(0).default(1),
  clients: z.strictObject({
    /** Number of simulated clients, 1 to 100,000. */
    count: z.number().int().min(1).max(100_000),
    /** Client ids are `<prefix><n>`, zero-padded. @default 'sim-' */
    id_prefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .default('sim-'),
    /** Labels of every client: a fixed value or weights of values. @default { env: 'prod' } */
    labels: z.record(z.string().min(1), weighted).default({ env: 'prod' }),
    /** Weights of target kinds. @default { argocd: 8, kubernetes: 1, docker: 1 } */
    targets: z
      .partialRecord(z.enum(TARGET_KINDS), z.number().min(0))
      .default({ argocd: 8, kubernetes: 1, docker: 1 }),
    /** Argo CD clients are spread over this many Argo CD instances. @default 4 */
    argocd_instances: z.number().int().min(1).default(4),
    /** Label the first `count` clients matching `match` with `canary=true` (and make them approve). @default none */
    canary: z.strictObject({ count: z.number().int().min(0), match: labelMatch.optional() }).optional(),
  }),
  /**
   * One release (`component`, `version`), or a release set (`set`: one release per component, deployed, approved,
   * applied and rolled back together), and what the clients run before it. @default backend 2.5.0 from 2.4.0
   */
  release: z
    .strictObject({
      /** @default 'backend' (not with `set`) */
      component: z.string().min(1).optional(),
      /** @default '2.5.0' (not with `set`) */
      version: z.string().min(1).optional(),
      /** What the clients run before it (weights allowed); for a set, of every member without its own. @default '2.4.0' */
      previous: weighted.optional(),
      /**
       * A release set, in its order (the first member is the deployment's `component`): a list of
       * `{ component, version, previous? }`, or a mapping `component: version` (or `component: { version, previous }`).
       */
      set: z.union([z.array(setMember).min(1), z.record(z.string().min(1), setValue)]).optional(),
    })
    .refine((r) => r.set === undefined || (r.component === undefined && r.version === undefined), {
      message: 'give either component and version, or set',
    })
    .default({}),
  /**
   * `install`: the clients' previous versions are first installed through the GCC (a release and a deployment
   * without approval), so that the GCC knows each client's own previous version and a rollback has somewhere to go;
   * `none`: the clients start unknown to the GCC's history (faster at 100,000; a rollback then has nothing to return
   * to). @default 'install'
   */
  baseline: z.enum(['install', 'none']).default('install'),
  deployment: z
    .strictObject({
      /** Label selector of the targets. @default 'env=prod' */
      selector: z.string().default('env=prod'),
      approval: z
        .strictObject({
          required: z.boolean().default(true),
          /** Seconds after creation; absent: no deadline. */
          deadline_seconds: seconds.optional(),
          on_deadline: z.enum(['expire', 'auto_approve']).default('expire'),
        })
        .default({ required: true, on_deadline: 'expire' }),
      /** The strategy as the API spells it (snake_case), or … */
      strategy: z.record(z.string(), z.unknown()).optional(),
      /** … a JSON or YAML file holding it, relative to the scenario. */
      strategy_file: z.string().min(1).optional(),
    })
    .refine((d) => (d.strategy === undefined) !== (d.strategy_file === undefined), {
      message: 'give exactly one of strategy or strategy_file',
    }),
  agents: z
    .strictObject({
      /** Seconds between polls when there is nothing to do. @default 2 */
      poll_interval_seconds: z.number().finite().min(0.05).default(2),
      /** Each interval is scaled by a factor drawn from [1 − jitter, 1 + jitter]. @default 0.5 */
      poll_jitter: share.default(0.5),
      /** Time to apply an update and see it healthy. @default { min: 0.2, max: 1 } */
      apply_seconds: range.default({ min: 0.2, max: 1 }),
      /** Share of clients whose applies are `slow_factor` times longer. @default 0 */
      slow_share: share.default(0),
      slow_factor: z.number().finite().min(1).default(5),
      /** Share of clients whose agent never runs. @default 0 */
      offline_share: share.default(0),
      /** Probability that an apply of the release fails (every client, every attempt). @default 0 */
      failure_rate: share.default(0),
      /** Most HTTP connections all simulated agents share. @default 64 */
      connections: z.number().int().min(1).max(1024).default(64),
    })
    .default({
      poll_interval_seconds: 2,
      poll_jitter: 0.5,
      apply_seconds: { min: 0.2, max: 1 },
      slow_share: 0,
      slow_factor: 5,
      offline_share: 0,
      failure_rate: 0,
      connections: 64,
    }),
  approvals: z
    .strictObject({
      /** Weights of what approvers do: approve in time, reject with a reason, never answer, approve too late. */
      approve: z.number().min(0).default(1),
      reject: z.number().min(0).default(0),
      never: z.number().min(0).default(0),
      late: z.number().min(0).default(0),
      /** When an answer comes, after the deployment's creation. @default { min: 0, max: 2 } */
      delay_seconds: range.default({ min: 0, max: 2 }),
      /** When a `late` approver answers (after the deadline, so the GCC refuses). @default { min: 5, max: 10 } */
      late_seconds: range.default({ min: 5, max: 10 }),
      reject_reasons: z.array(z.string().min(1)).min(1).default(['Not now: our own release is this week.']),
    })
    .refine((a) => a.approve + a.reject + a.never + a.late > 0, { message: 'the weights must not all be 0' })
    .default({
      approve: 1,
      reject: 0,
      never: 0,
      late: 0,
      delay_seconds: { min: 0, max: 2 },
      late_seconds: { min: 5, max: 10 },
      reject_reasons: ['Not now: our own release is this week.'],
    }),
  /** Rules for some clients, applied in order (a later rule wins for the same effect). */
  rules: z.array(rule).default([]),
  limits: z
    .strictObject({
      /** The simulation stops (and reports) after this many seconds of rollout. @default 600 */
      duration_seconds: z.number().finite().min(1).default(600),
      /** Seconds between samples of the tasks' statuses (the chart). @default 1 */
      sample_seconds: z.number().finite().min(0.1).default(1),
    })
    .default({ duration_seconds: 600, sample_seconds: 1 }),
});

/** A scenario as written in its file (defaults applied, strategy still as written). */
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** A label value or weights of values, as a scenario writes them. */
export type Weighted = string | Record<string, number>;

/** One component of what a scenario deploys, with what the clients run of it before. */
export interface SimReleaseMember {
  component: string;
  version: string;
  previous: Weighted;
}

/**
 * What a checked scenario deploys. `component`, `version` and `previous` are the first member's (the only one of a
 * single release); `set` is every member of a release set in its order, null for a single release.
 */
export interface SimRelease {
  component: string;
  version: string;
  previous: Weighted;
  set: SimReleaseMember[] | null;
}

/** A checked scenario: every default applied, the release normalised and the strategy read (from `strategy_file`). */
export type Scenario = Omit<z.output<typeof scenarioSchema>, 'deployment' | 'release'> & {
  release: SimRelease;
  deployment: Omit<z.output<typeof scenarioSchema>['deployment'], 'strategy' | 'strategy_file'> & {
    strategy: WireStrategy;
  };
};

/** The members of a release every component of it: a set's, or the single release as a set of one. */
export const membersOf = (r: SimRelease): SimReleaseMember[] =>
  r.set ?? [{ component: r.component, version: r.version, previous: r.previous }];

/** The release as written, normalised: defaults applied, a set's mapping form turned into its list. */
function releaseOf(r: z.output<typeof scenarioSchema>['release']): SimRelease {
  const previous = r.previous ?? DEFAULT_PREVIOUS;
  if (r.set === undefined)
    return { component: r.component ?? 'backend', version: r.version ?? '2.5.0', previous, set: null };
  const set: SimReleaseMember[] = Array.isArray(r.set)
    ? r.set.map((m) => ({ component: m.component, version: m.version, previous: m.previous ?? previous }))
    : Object.entries(r.set).map(([component, v]) =>
        typeof v === 'string'
          ? { component, version: v, previous }
          : { component, version: v.version, previous: v.previous ?? previous },
      );
  const lead = set[0]!;
  return { component: lead.component, version: lead.version, previous: lead.previous, set };
}

/**
 * A release set's problems by the planner's own rule (`releaseSetProblems`: each component once, managed by the GCC,
 * one registry), at the scenario's paths, from the set as written (a list or a mapping); every problem at once.
 */
function releaseSetProblemsOf(set: unknown): ScenarioProblem[] {
  const entries: [string, unknown][] = Array.isArray(set)
    ? set.map((m, i) => [`release.set[${i}]`, (m as { component?: unknown } | null)?.component])
    : typeof set === 'object' && set !== null
      ? Object.keys(set).map((c) => [`release.set.${c}`, c])
      : [];
  const members = entries
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')
    .map(([path, component]) => ({ component, registry: SIM_REGISTRY, path }));
  const problems: ScenarioProblem[] = releaseSetProblems(members, new Set(MANAGED_COMPONENTS)).map((p) => ({
    path: p.path,
    message: p.message,
  }));
  if (entries.length > RELEASE_SET_MAX)
    problems.push({ path: 'release.set', message: `a set carries at most ${RELEASE_SET_MAX} components` });
  return problems;
}

/** One simulation rule (see the scenario reference). */
export type SimRule = Scenario['rules'][number];

const pathOf = (path: readonly PropertyKey[]) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');

const isWeights = (w: string | Record<string, number>): w is Record<string, number> => typeof w !== 'string';

/** The deployment's selector (by the planner's parser) and strategy (by the planner's rules, in the API's spelling). */
function deploymentProblems(selector: string | undefined, strategy: unknown): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  if (selector !== undefined) {
    const parsed = parseSelector(selector);
    if (!parsed.ok)
      problems.push({
        path: 'deployment.selector',
        message: parsed.problems.map((p) => p.message).join('; '),
      });
  }
  if (strategy !== undefined)
    for (const p of validateWireStrategy(strategy))
      problems.push({ path: `deployment.strategy${p.path ? `.${p.path}` : ''}`, message: p.message });
  return problems;
}

/**
 * Checks a parsed scenario (an object from YAML or JSON) and returns it with its defaults, or throws a
 * {@link ScenarioError} listing every problem: schema, label selectors, the strategy (by the planner's own rules,
 * in the API's spelling), and rules that can never match.
 */
export async function checkScenario(
  input: unknown,
  from: { file: string; readStrategyFile?: (path: string) => Promise<unknown> } = { file: '<inline>' },
): Promise<Scenario> {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    // The selector and the strategy are checked even when other parts are malformed: every problem at once.
    const raw = (input ?? {}) as {
      deployment?: { selector?: unknown; strategy?: unknown };
      release?: { set?: unknown };
    };
    const problems = parsed.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message }));
    if (typeof raw.release === 'object' && raw.release !== null)
      problems.push(...releaseSetProblemsOf(raw.release.set));
    const d = typeof raw.deployment === 'object' && raw.deployment !== null ? raw.deployment : {};
    problems.push(
      ...deploymentProblems(
        typeof d.selector === 'string' ? d.selector : undefined,
        d.strategy !== undefined && d.strategy !== null ? d.strategy : undefined,
      ),
    );
    throw new ScenarioError(from.file, problems);
  }
  const s = parsed.data;
  const problems: ScenarioProblem[] = [];
  let strategy: unknown = s.deployment.strategy;
  if (s.deployment.strategy_file !== undefined) {
    if (!from.readStrategyFile)
      problems.push({ path: 'deployment.strategy_file', message: 'a strategy file needs a scenario file' });
    else {
      try {
        strategy = await from.readStrategyFile(s.deployment.strategy_file);
      } catch (error) {
        problems.push({ path: 'deployment.strategy_file', message: (error as Error).message });
      }
    }
  }
  problems.push(...deploymentProblems(s.deployment.selector, strategy));
  const release = releaseOf(s.release);
  if (s.release.set !== undefined) problems.push(...releaseSetProblemsOf(s.release.set));
  const components = [...new Set(membersOf(release).map((m) => m.component))];

  // A rule matching a label value no client can have is a typo, not an intention.
  const values = (key: string): Set<string> | null => {
    if (key === 'canary') return new Set(['true']);
    const w = s.clients.labels[key];
    if (w === undefined) return new Set();
    return new Set(isWeights(w) ? Object.keys(w).filter((v) => (w[v] ?? 0) > 0) : [w]);
  };
  const checkMatch = (match: Record<string, string> | undefined, at: string) => {
    for (const [k, v] of Object.entries(match ?? {})) {
      const vs = values(k);
      if (vs && !vs.has(v))
        problems.push({
          path: `${at}.${k}`,
          message: vs.size
            ? `no client has ${k}=${v} (the fleet's values: ${[...vs].join(', ')})`
            : `no client has the label ${k}`,
        });
    }
  };
  const width = String(s.clients.count).length;
  const isId = (id: string) => {
    if (!id.startsWith(s.clients.id_prefix)) return false;
    const n = id.slice(s.clients.id_prefix.length);
    return n.length === width && /^\d+$/.test(n) && Number(n) >= 1 && Number(n) <= s.clients.count;
  };
  s.rules.forEach((r, i) => {
    checkMatch(r.match, `rules[${i}].match`);
    (r.ids ?? []).forEach((id, k) => {
      if (!isId(id))
        problems.push({
          path: `rules[${i}].ids[${k}]`,
          message: `no client ${id} (ids run from ${s.clients.id_prefix}${'1'.padStart(width, '0')} to ${s.clients.id_prefix}${s.clients.count})`,
        });
    });
    if (typeof r.fail === 'object' && !components.includes(r.fail.component))
      problems.push({
        path: `rules[${i}].fail.component`,
        message: `${r.fail.component} is not in the release (${components.join(', ')})`,
      });
    if (
      r.offline_from_seconds !== undefined &&
      r.offline_until_seconds !== undefined &&
      r.offline_until_seconds <= r.offline_from_seconds
    )
      problems.push({
        path: `rules[${i}].offline_until_seconds`,
        message: 'must be after offline_from_seconds',
      });
  });
  checkMatch(s.clients.canary?.match, 'clients.canary.match');
  if (problems.length > 0) throw new ScenarioError(from.file, problems);

  const { strategy: _inline, strategy_file: _file, ...deployment } = s.deployment;
  return { ...s, release, deployment: { ...deployment, strategy: strategy as WireStrategy } };
}

/** Parses YAML or JSON text (by the file's extension; YAML, a superset of JSON, otherwise). */
function parseText(text: string, file: string): unknown {
  try {
    return extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ScenarioError(file, [
      {
        path: '',
        message: `not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      },
    ]);
  }
}

/** Reads and checks a scenario file (`.yaml`, `.yml` or `.json`); a `strategy_file` is read relative to it. */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(file, [
      {
        path: '',
        message: `cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      },
    ]);
  }
  return checkScenario(parseText(text, file), {
    file,
    readStrategyFile: async (path) => {
      const full = resolve(dirname(file), path);
      let t: string;
      try {
        t = await readFile(full, 'utf8');
      } catch (error) {
        throw new Error(
          `cannot read ${full}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
      try {
        return extname(full).toLowerCase() === '.json' ? JSON.parse(t) : parseYaml(t);
      } catch (error) {
        throw new Error(`${full} is not valid: ${(error as Error).message}`);
      }
    },
  });
}
