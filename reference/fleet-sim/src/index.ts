export { isScenarioError, ScenarioError, type ScenarioProblem } from './errors';
export {
  type Approval,
  applyFails,
  buildFleet,
  describeFleet,
  isOnline,
  pickWeighted,
  pollDelayMs,
  type SimClient,
} from './fleet';
export { formatSummary, renderChart, renderHtml, type Sample, type SimEnd, type SimReport } from './report';
export { runSimulation, type SimGcc, type SimRunOptions } from './run';
export { checkScenario, loadScenario, type Scenario, type ScenarioInput, type SimRule } from './scenario';
