import { describe, expect, it } from 'vitest';
import { eligibility } from '../../src/time/eligibility';

const t = (iso: string) => Date.parse(iso);
const now = t('2026-11-26T10:00:00Z');
const kolkata = {
  timezone: 'Asia/Kolkata',
  maintenanceWindows: [{ days: ['sat' as const], start: '01:00', end: '05:00' }],
};

describe('eligibility', () => {
  it.each([
    ['no rules', null, undefined, { eligible: true }],
    ['requested start in the past', now - 1, undefined, { eligible: true }],
    ['requested start in the future', now + 60_000, undefined, { eligible: false, at: now + 60_000 }],
    ['outside the maintenance window', null, kolkata, { eligible: false, at: t('2026-11-27T19:30:00Z') }],
    [
      "requested start after this week's window: next week's window",
      t('2026-11-28T00:00:00Z'),
      kolkata,
      { eligible: false, at: t('2026-12-04T19:30:00Z') },
    ],
    ['inside the window', null, { ...kolkata, timezone: 'Asia/Kolkata' }, { eligible: true }],
  ])('%s', (name, requested, client, expected) => {
    const at = name === 'inside the window' ? t('2026-11-27T20:00:00Z') : now;
    expect(eligibility(requested, client, at)).toEqual(expected);
  });
});
