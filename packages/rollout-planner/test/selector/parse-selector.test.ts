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

  describe('label keys and values follow Kubernetes syntax', () => {
    const name63 = `a${'b'.repeat(61)}c`;
    const prefix253 = `${'p'.repeat(63)}.${'q'.repeat(63)}.${'r'.repeat(63)}.${'s'.repeat(61)}`;

    it.each([
      [
        'a name with upper case, digits, -, _ and .',
        'Tier_2.x-y=Premium_1.b-c',
        'Tier_2.x-y',
        'Premium_1.b-c',
      ],
      ['a one-character key and value', 'a=b', 'a', 'b'],
      ['a DNS-subdomain prefix', 'app.kubernetes.io/name=wrktalk', 'app.kubernetes.io/name', 'wrktalk'],
      ['a prefix with digits and -', 'team-1.example.com/tier=x', 'team-1.example.com/tier', 'x'],
      ['a 63-character name and value', `${name63}=${name63}`, name63, name63],
      ['a 253-character prefix', `${prefix253}/x=y`, `${prefix253}/x`, 'y'],
      ['an empty value', 'tier=', 'tier', ''],
    ])('accepts %s', (_what, text, key, value) => {
      expect(prefix253).toHaveLength(253);
      expect(parseSelector(text)).toEqual({ ok: true, requirements: [{ op: 'eq', key, value }] });
    });

    it.each([
      // [selector, position, part of the message]
      ['../../x', 5, "only one '/'"],
      ['a/b/c=x', 3, "only one '/'"],
      ['/x', 0, 'prefix must not be empty'],
      ['x/=y', 2, 'name must not be empty'],
      ['Example.com/x', 0, 'prefix must be a DNS subdomain'],
      ['my_team/x', 0, 'prefix must be a DNS subdomain'],
      ['-team.io/x', 0, 'prefix must be a DNS subdomain'],
      ['team..io/x', 0, 'prefix must be a DNS subdomain'],
      [`${'p'.repeat(254)}/x`, 0, 'prefix must be at most 253 characters'],
      [`${'k'.repeat(64)}=v`, 0, 'name must be at most 63 characters'],
      [`team.io/${'k'.repeat(64)}`, 8, 'name must be at most 63 characters'],
      ['-tier=x', 0, 'starting and ending with an alphanumeric'],
      ['tier.=x', 0, 'starting and ending with an alphanumeric'],
      ['team.io/_tier', 8, 'starting and ending with an alphanumeric'],
      ['!../x', 1, 'prefix must be a DNS subdomain'],
      ['tier=-x', 5, "invalid label value '-x'"],
      ['tier==x_', 6, "invalid label value 'x_'"],
      ['tier!=a/b', 6, "invalid label value 'a/b'"],
      [`tier=${'v'.repeat(64)}`, 5, 'at most 63 characters'],
      ['region in (eu, .us)', 15, "invalid label value '.us'"],
      ['region notin (eu,cn-)', 17, "invalid label value 'cn-'"],
      ['x in (a), ../y', 10, 'prefix must be a DNS subdomain'],
    ])('%j is reported at position %i', (text, position, message) => {
      const r = parseSelector(text);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatchObject({ position });
      expect(r.problems[0]?.message).toContain(message);
    });

    it('reports a bad key, a bad value and a syntax error of one selector, in order', () => {
      const r = parseSelector('Bad.io/x=1, tier=x_, region in (eu');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems.map((p) => p.position)).toEqual([0, 17, 34]);
    });

    it('keeps messages short for huge keys', () => {
      const r = parseSelector('k'.repeat(2048));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems[0]!.message.length).toBeLessThan(200);
    });
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
