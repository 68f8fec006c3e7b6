import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/clients/client';
import { groupBatches } from '../../src/plan/group-batches';
import { MemberPool } from '../../src/plan/member-pool';
import { TARGET_KINDS } from '../../src/statuses';
import { OracleMemberPool } from './member-pool.oracle';

// Items are indices into a client list (as `decide` uses the pool), so identity and order are both checked.
const client = fc.record({
  id: fc.oneof(
    fc.constantFrom('a', 'b', 'B', 'c-1', 'c-10', 'c-2', 'ä', 'z', '', 'client-000123'),
    fc.string({ maxLength: 4 }),
  ),
  targetKind: fc.constantFrom(...TARGET_KINDS),
  argocdInstance: fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.constantFrom('', 'x', 'y', 'X', 'é', 'argo-10', 'argo-9'),
    fc.string({ maxLength: 3 }),
  ),
  canary: fc.boolean(),
});

const toClient = (c: {
  id: string;
  targetKind: Client['targetKind'];
  argocdInstance: string | null | undefined;
  canary: boolean;
}): Client => ({
  id: c.id,
  labels: c.canary ? { canary: 'true', tier: 'premium' } : { tier: 'standard' },
  targetKind: c.targetKind,
  ...(c.argocdInstance !== undefined && { argocdInstance: c.argocdInstance }),
});

describe('MemberPool', () => {
  it('draws in the same membership order as the planner before its rewrite, for any clients and draw sizes', () => {
    fc.assert(
      fc.property(
        fc.array(client, { maxLength: 160, size: 'max' }),
        fc.array(fc.oneof(fc.integer({ min: -2, max: 70 }), fc.constant(1000)), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.constantFrom('canary=true', 'tier=premium', '', 'not a selector ==', 'tier in (standard)'),
        fc.integer({ min: 1, max: 5 }),
        (raw, sizes, canaryLabel, per) => {
          const clients = raw.map(toClient);
          const indices = clients.map((_, i) => i);
          const pool = new MemberPool(indices, (i) => clients[i]!, canaryLabel);
          const oracle = new OracleMemberPool(indices, (i) => clients[i]!, canaryLabel);
          sizes.forEach((size, n) => {
            const expected = oracle.take(size);
            if (n % 2 === 0) {
              expect(pool.take(size)).toEqual(expected);
            } else {
              const { members, batches } = pool.takeBatched(size, per);
              expect(members).toEqual(expected);
              expect(batches).toEqual(
                groupBatches(
                  members.map((i) => clients[i]!),
                  per,
                ),
              );
            }
            expect(pool.remaining).toBe(oracle.remaining);
          });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('draws whole clients: a fractional size rounds down, a negative one draws nothing', () => {
    const clients: Client[] = ['a', 'b', 'c'].map((id) => ({ id, labels: {}, targetKind: 'docker' }));
    const pool = new MemberPool(clients, (c) => c, 'canary=true');
    expect(pool.take(-1)).toEqual([]);
    expect(pool.take(0.5)).toEqual([]);
    expect(pool.take(2.5).map((c) => c.id)).toEqual(['a', 'b']);
    expect(pool.remaining).toBe(1);
  });

  it('a fleet of one Argo CD instance per client, shuffled: same order and batches as before, whatever the input order', () => {
    // 6,000 clients: 70 % on their own instance, the rest two kinds of 900 clients each (sorted natively when the
    // input is shuffled); 1 % canary-labelled.
    const n = 6000;
    const fleet: Client[] = Array.from({ length: n }, (_, i) => {
      const targetKind = i % 10 < 7 ? 'argocd' : i % 10 < 9 ? 'kubernetes' : 'docker';
      return {
        id: `client-${String(i).padStart(6, '0')}`,
        labels: i % 100 === 0 ? { canary: 'true' } : ({} as Record<string, string>),
        targetKind,
        argocdInstance: targetKind === 'argocd' ? `argo-${i}` : null,
      };
    });
    let seed = 18;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const shuffled = fleet.slice();
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const sizes = [240, 600, 1200, 1800, 2160];
    const drawn = (clients: Client[]) => {
      const pool = new MemberPool(clients, (c) => c, 'canary=true');
      return sizes.map((s) => {
        const { members, batches } = pool.takeBatched(s, 2);
        return { ids: members.map((c) => c.id), batches };
      });
    };
    const oracle = new OracleMemberPool(shuffled, (c) => c, 'canary=true');
    const expected = sizes.map((s) => {
      const members = oracle.take(s);
      return { ids: members.map((c) => c.id), batches: groupBatches(members, 2) };
    });
    expect(drawn(shuffled)).toEqual(expected);
    expect(drawn(fleet)).toEqual(expected);
    // The canary stage: the 60 canary-labelled clients first, each on its own instance or kind.
    expect(expected[0]!.ids.slice(0, 60).every((id) => Number(id.slice(7)) % 100 === 0)).toBe(true);
  });
});
