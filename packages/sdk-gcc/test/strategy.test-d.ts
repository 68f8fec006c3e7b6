import type {
  EffectiveWireStrategy,
  WireStrategy as PlannerWireStrategy,
  WireFailureThreshold,
  WireRollbackPolicy,
  WireStageSpec,
} from '@wrktalk/rollout-planner';
import { describe, expectTypeOf, it } from 'vitest';
import type { Schemas } from '../src/schemas';
import type { EffectiveStrategy, WireStrategy } from '../src/strategy';

// The planner spells the contract's strategy by hand (it cannot depend on the generated types); these keep the two
// the same type, so a field added to openapi/gcc.yaml and not to the planner's mapping fails the typecheck.
describe("the planner's wire strategy is the contract's", () => {
  it('Strategy and its parts', () => {
    expectTypeOf<PlannerWireStrategy>().toEqualTypeOf<WireStrategy>();
    expectTypeOf<WireStageSpec>().toEqualTypeOf<Schemas['StageSpec']>();
    expectTypeOf<WireFailureThreshold>().toEqualTypeOf<Schemas['FailureThreshold']>();
    expectTypeOf<WireRollbackPolicy>().toEqualTypeOf<Schemas['RollbackPolicy']>();
    expectTypeOf<EffectiveWireStrategy>().toEqualTypeOf<EffectiveStrategy>();
  });
});
