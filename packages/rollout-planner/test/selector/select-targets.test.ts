import { describe, expect, it } from 'vitest';
import { selectTargets } from '../../src/selector/select-targets';
import { makeClients } from '../helpers';

const clients = makeClients(6); // c101..c106, even index premium

describe('selectTargets', () => {
  it('selects by label selector, keeping input order', () => {
    const r = selectTargets(clients, { labelSelector: 'tier=premium' });
    expect(r.problems).toEqual([]);
    expect(r.clients.map((c) => c.id)).toEqual(['c101', 'c103', 'c105']);
  });
  it('selects explicit ids', () => {
    const r = selectTargets(clients, { ids: ['c106', 'c102'] });
    expect(r.clients.map((c) => c.id)).toEqual(['c102', 'c106']);
  });
  it('ids or selector: the union (Adani-prod or tier=premium)', () => {
    const r = selectTargets(clients, { ids: ['c102'], labelSelector: 'tier=premium' });
    expect(r.clients.map((c) => c.id)).toEqual(['c101', 'c102', 'c103', 'c105']);
  });
  it('reports unknown ids with their index and still selects the known ones', () => {
    const r = selectTargets(clients, { ids: ['c101', 'nope'] });
    expect(r.clients.map((c) => c.id)).toEqual(['c101']);
    expect(r.problems).toEqual([
      { code: 'unknown_id', id: 'nope', index: 1, message: "unknown client id 'nope' at ids[1]" },
    ]);
  });
  it('reports selector syntax errors with positions and selects nothing', () => {
    const r = selectTargets(clients, { labelSelector: 'tier in (a' });
    expect(r.clients).toEqual([]);
    expect(r.problems[0]).toMatchObject({ code: 'selector_syntax', position: 10 });
  });
  it('an empty selection is a problem, not "everything"', () => {
    expect(selectTargets(clients, {}).problems[0]?.code).toBe('empty_selection');
  });
});
