import { describe, expect, it } from 'vitest';
import { formatSelector, matchesSelector, parseSelector } from '../../src/selector/parse-selector';

describe('parseSelector', () => {
  it.each([
    ['tier=premium', [{ op: 'eq', key: 'tier', value: 'premium' }]],
    ['tier==premium', [{ op: 'eq', key: 'tier', value: 'premium' }]],
    ['tier!=free', [{ op: 'neq', key: 'tier', value: 'free' }]],
    ['region in (eu,us)', [{ op: 'in', key: 'region', values: ['eu', 'us'] }]],
    ['region notin ( cn )', [{ op: 'notin', key: 'region', values: ['cn'] }]],
    ['canary', [{ op: 'exists', key: 'canary' }]],
    ['!legacy', [{ op: 'not_exists', key: 'legacy' }]],
    [
      'tier=premium, region in (eu,us),!legacy',
      [
        { op: 'eq', key: 'tier', value: 'premium' },
        { op: 'in', key: 'region', values: ['eu', 'us'] },
        { op: 'not_exists', key: 'legacy' },
      ],
    ],
    ['', []],
    ['app.kubernetes.io/name=wrktalk', [{ op: 'eq', key: 'app.kubernetes.io/name', value: 'wrktalk' }]],
  ])('%j', (text, requirements) => {
    expect(parseSelector(text)).toEqual({ ok: true, requirements });
  });

  it.each([
    ['region in (eu,', 14, 'expected a value'],
    ['region in eu', 10, "expected '('"],
    ['tier=premium,', 13, 'trailing'],
    ['tier > 3', 5, 'expected an operator'],
    ['=x', 0, 'expected a label key'],
    ['region in (eu us)', 14, "expected ',' or ')'"],
  ])('%j is reported at position %i', (text, position, message) => {
    const r = parseSelector(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]).toMatchObject({ position });
    expect(r.problems[0]?.message).toContain(message);
  });

  it('reports every broken requirement, not just the first', () => {
    const r = parseSelector('a in x, b, c notin (');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.position)).toEqual([5, 20]);
  });

  it('round-trips through formatSelector', () => {
    const text = 'tier=premium,region in (eu,us),!legacy,canary,x!=y,r notin (cn)';
    const r = parseSelector(text);
    expect(r.ok && formatSelector(r.requirements)).toBe(text);
  });
});

describe('matchesSelector', () => {
  const labels = { tier: 'premium', region: 'eu', canary: 'true' };
  it.each([
    ['tier=premium', true],
    ['tier=free', false],
    ['tier!=free', true],
    ['missing!=x', true],
    ['region in (eu,us)', true],
    ['region in (us)', false],
    ['missing in (x)', false],
    ['region notin (cn)', true],
    ['missing notin (cn)', true],
    ['canary', true],
    ['!canary', false],
    ['!legacy', true],
    ['tier=premium,region=us', false],
    ['', true],
  ])('%j -> %s', (text, expected) => {
    const r = parseSelector(text);
    if (!r.ok) throw new Error('bad selector in test');
    expect(matchesSelector(labels, r.requirements)).toBe(expected);
  });
});
