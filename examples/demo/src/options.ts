import { DemoOptionsError } from './errors';
import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './scenarios';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** @default 'rollout' */
  scenario?: ScenarioName;
  /** Simulated clients (at least 10, so that each behaviour appears). @default 50 */
  clients?: number;
  /** Port to serve on. `0` takes a free one. @default 8080 */
  port?: number;
  /**
   * When `port` is busy, serve on a free one instead of failing. The CLI turns it off when the port was chosen
   * (`--port` or `PORT`): a chosen port that is busy is an error that says so.
   * @default true
   */
  portFallback?: boolean;
  /** @default '127.0.0.1' */
  host?: string;
  /** Mean time the fake executor takes to apply and to verify, in ms (each client gets 0.5x to 1.5x of it). @default 400 */
  latencyMs?: number;
  /** Share of applies of the new version that fail (first attempts only; a retry succeeds). @default 0.05 */
  failureRate?: number;
  /** Seed of every random choice (latencies, failures, approval delays). @default 1 */
  seed?: number;
  /** How long the rollout may take before the demo gives up, in ms. @default 180_000 */
  timeoutMs?: number;
}

/** {@link DemoOptions} with every default filled in and checked. */
export type CompiledDemoOptions = Required<DemoOptions>;

/** The defaults of {@link DemoOptions}. */
export function defaultDemoOptions(): CompiledDemoOptions {
  return {
    scenario: 'rollout',
    clients: 50,
    port: 8080,
    portFallback: true,
    host: '127.0.0.1',
    latencyMs: 400,
    failureRate: 0.05,
    seed: 1,
    timeoutMs: 180_000,
  };
}

function integer(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DemoOptionsError(option, `must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Fills in defaults and rejects bad values (every number is checked here, before anything starts). */
export function compileDemoOptions(options: DemoOptions = {}): CompiledDemoOptions {
  const o = {
    ...defaultDemoOptions(),
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  if (!isScenarioName(o.scenario)) {
    throw new DemoOptionsError(
      '--scenario',
      `unknown scenario "${o.scenario}" (one of ${SCENARIO_NAMES.join(', ')})`,
    );
  }
  integer('--clients', o.clients, 10, 2000);
  integer('--port', o.port, 0, 65_535);
  integer('--latency-ms', o.latencyMs, 0, 60_000);
  integer('--seed', o.seed, 0, 2 ** 31 - 1);
  integer('--timeout-ms', o.timeoutMs, 1000, 3_600_000);
  if (!(o.failureRate >= 0 && o.failureRate <= 0.5)) {
    throw new DemoOptionsError('--failure-rate', `must be from 0 to 0.5, got ${o.failureRate}`);
  }
  if (o.host.length === 0) throw new DemoOptionsError('--host', 'must not be empty');
  return o;
}
