export { type GroundTruth, orderViolationsOf } from './check.ts';
export { ScenarioError } from './errors.ts';
export { formatReport } from './format.ts';
export { renderHtmlReport } from './html.ts';
export { type FaultKind, type FaultRates, type VerifyOptions, verifyDefaults } from './options.ts';
export { seededRandom } from './random.ts';
export type { Check, FunctionActivity, Sample, VerifyReport } from './report.ts';
export {
  type DeliveryPromise,
  defineScenario,
  type EffectEntries,
  type OrderEntries,
  type Scenario,
  type ScenarioCheck,
  type ScenarioContext,
  type ScenarioMessage,
  type Workload,
} from './scenario.ts';
