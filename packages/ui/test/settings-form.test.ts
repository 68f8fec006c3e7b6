import { describe, expect, it } from 'vitest';
import {
  componentsOffered,
  draftOf,
  emailPatchIndex,
  patchOf,
  problemsBySlot,
  type SettingsLike,
  slotOf,
} from '../src/settings-form';

const settings: SettingsLike = {
  timezone: 'Asia/Kolkata',
  maintenance_windows: [{ days: ['sun', 'sat'], start: '22:00', end: '04:00' }],
  notification_emails: ['it-ops@adani.com'],
  auto_approve: { all: false, components: ['ct'] },
};

describe('slotOf: where a problem the GCC reports is shown', () => {
  it.each([
    ['/auto_approve/components/0', 'auto_approve'],
    ['/auto_approve', 'auto_approve'],
    ['/timezone', 'timezone'],
    ['/maintenance_windows', 'windows'],
    ['/maintenance_windows/2', 'window:2'],
    ['/maintenance_windows/0/days', 'window:0:days'],
    ['/maintenance_windows/0/days/1', 'window:0:days'],
    ['/maintenance_windows/1/start', 'window:1:start'],
    ['/maintenance_windows/1/end', 'window:1:end'],
    ['/maintenance_windows/1/extra', 'window:1'],
    ['/notification_emails', 'emails'],
    ['/notification_emails/3', 'email:3'],
    ['', 'general'],
    ['/path/client_id', 'general'],
    ['/unknown~1field', 'general'],
  ])('%s → %s', (pointer, slot) => {
    expect(slotOf(pointer)).toBe(slot);
  });

  it('groups problems by slot, keeping every message', () => {
    const m = problemsBySlot([
      { path: '/notification_emails/0', message: 'not an address' },
      { path: '/notification_emails/0', message: 'twice' },
      { path: '/timezone', message: 'unknown' },
    ]);
    expect(Object.fromEntries(m)).toEqual({ 'email:0': ['not an address', 'twice'], timezone: ['unknown'] });
  });
});

describe('draftOf / patchOf', () => {
  it('round-trips loaded settings, days in week order', () => {
    const d = draftOf(settings);
    expect(patchOf(d)).toEqual({
      timezone: 'Asia/Kolkata',
      maintenance_windows: [{ days: ['sat', 'sun'], start: '22:00', end: '04:00' }],
      notification_emails: ['it-ops@adani.com'],
      auto_approve: { all: false, components: ['ct'] },
    });
  });

  it('gives each row its own key, so rows keep their identity when others are removed', () => {
    const d = draftOf({ ...settings, notification_emails: ['a@x.com', 'b@x.com'] });
    expect(new Set([...d.windows.map((w) => w.key), ...d.emails.map((e) => e.key)]).size).toBe(3);
  });

  it.each([
    {
      name: 'blank address rows are left out, others trimmed',
      emails: ['  a@x.com ', '', '   ', 'not-an-email'],
      sent: ['a@x.com', 'not-an-email'],
    },
    { name: 'no address', emails: [], sent: [] },
  ])('$name', ({ emails, sent }) => {
    const d = { ...draftOf(settings), emails: emails.map((value, key) => ({ key, value })) };
    expect(patchOf(d).notification_emails).toEqual(sent);
    // The index of each row in the patch, for problems at /notification_emails/<i>.
    const index = emailPatchIndex(d);
    expect([...index.values()]).toEqual(sent.map((_, i) => i));
  });

  it('sends a window without days as typed (the GCC reports it)', () => {
    const d = { ...draftOf(settings), windows: [{ key: 1, days: [], start: '01:00', end: '02:00' }] };
    expect(patchOf(d).maintenance_windows).toEqual([{ days: [], start: '01:00', end: '02:00' }]);
  });

  it('"every update" clears the per-component list', () => {
    const d = { ...draftOf(settings), all: true };
    expect(patchOf(d).auto_approve).toEqual({ all: true, components: [] });
  });
});

describe('componentsOffered', () => {
  it.each([
    { name: 'default list', host: undefined, s: undefined, out: ['backend', 'media', 'ct'] },
    { name: 'host list', host: ['backend'], s: undefined, out: ['backend'] },
    { name: 'empty host list is the default', host: [], s: undefined, out: ['backend', 'media', 'ct'] },
    {
      name: 'plus what the client already auto-approves',
      host: ['backend'],
      s: { ...settings, auto_approve: { all: false, components: ['ct', 'backend'] } },
      out: ['backend', 'ct'],
    },
  ])('$name', ({ host, s, out }) => {
    expect(componentsOffered(host, s)).toEqual(out);
  });
});
