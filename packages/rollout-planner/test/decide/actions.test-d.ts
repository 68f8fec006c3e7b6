import { describe, expectTypeOf, it } from 'vitest';
import type { DecideAction } from '../../src/decide/actions';
import type { IllegalTransitionError } from '../../src/errors/illegal-transition-error';
import { transition } from '../../src/state-machine/transition';
import type { TaskStatus } from '../../src/statuses';

describe('types', () => {
  it('actions narrow on type', () => {
    const handle = (a: DecideAction) => {
      if (a.type === 'start_stage') expectTypeOf(a.kind).toEqualTypeOf<'canary' | 'batch' | 'trailing'>();
      if (a.type === 'wait_until') expectTypeOf(a.at).toEqualTypeOf<number>();
      if (a.type === 'trigger_rollback') expectTypeOf(a.scope).toEqualTypeOf<'failed_stage' | 'deployment'>();
    };
    expectTypeOf(handle).toBeFunction();
  });
  it('transition results narrow on ok, and only known events and statuses compile', () => {
    const r = transition('pending', 'publish');
    if (r.ok) expectTypeOf(r.state).toEqualTypeOf<TaskStatus>();
    else expectTypeOf(r.error).toEqualTypeOf<IllegalTransitionError>();
    // @ts-expect-error unknown event
    transition('pending', 'explode');
    // @ts-expect-error unknown status
    transition('done', 'publish');
  });
});
