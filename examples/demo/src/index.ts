export { type DemoIo, formatSummary, runCli } from './cli';
export { DemoOptionsError, DemoTimeoutError, isDemoOptionsError, isDemoTimeoutError } from './errors';
export { type Behaviour, buildFleet, COMPONENT, type FleetClient, VERSIONS } from './fleet';
export {
  type CompiledDemoOptions,
  compileDemoOptions,
  type DemoOptions,
  defaultDemoOptions,
} from './options';
export { type ClientResult, type DemoResult, type ProgressMode, type RunningDemo, runDemo } from './run-demo';
export { isScenarioName, SCENARIO_NAMES, SCENARIOS, type Scenario, type ScenarioName } from './scenarios';
export { countsLine, countTasks, formatTable, type StageRow, stageRows } from './summary';
