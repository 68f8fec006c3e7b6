import type { PendingApproval } from '@wrktalk/sdk-gcc';
import { describe, expect, it } from 'vitest';
import {
  componentChanges,
  componentList,
  deadlineText,
  fromText,
  localInputToIso,
  releaseNotes,
  setApprovalText,
  TASK_STATUS_TEXT,
  taskMessage,
  taskStatusText,
  versionChange,
} from '../src/format';

const approval = (extra: Partial<PendingApproval> & Record<string, unknown> = {}): PendingApproval => ({
  task_id: 'tsk-1',
  deployment_id: 'dpl-1',
  component: 'backend',
  version: 'sha2',
  image_url: 'registry.wrktalk.com/backend:sha2',
  release_metadata: {},
  status: 'pending_approval',
  deadline: null,
  on_deadline: 'expire',
  requested_at: '2025-11-20T10:00:00Z',
  components: [
    {
      component: 'backend',
      version: 'sha2',
      image_url: 'registry.wrktalk.com/backend:sha2',
      previous_version: null,
    },
  ],
  ...extra,
});

const part = (component: string, version: string, previous_version: string | null) => ({
  component,
  version,
  image_url: `registry.wrktalk.com/${component}:${version}`,
  previous_version,
});

describe('versionChange', () => {
  it.each<{ name: string; a: PendingApproval; cur: Record<string, string> | undefined; from: string | null }>(
    [
      {
        name: 'previous_version sent by the GCC wins',
        a: approval({ components: [part('backend', 'sha2', 'sha0')] }),
        cur: { backend: 'sha1' },
        from: 'sha0',
      },
      { name: 'else the client’s current version', a: approval(), cur: { backend: 'sha1' }, from: 'sha1' },
      { name: 'other component only', a: approval(), cur: { ct: '3.8.0' }, from: null },
      { name: 'nothing known', a: approval(), cur: undefined, from: null },
    ],
  )('$name', ({ a, cur, from }) => {
    expect(versionChange(a, cur)).toEqual({ from, to: 'sha2' });
  });
});

describe('componentChanges', () => {
  const set = [part('backend', '5.0.0', '4.9.0'), part('media', '5.0.0', '4.9.0'), part('ct', '5.0.0', null)];
  it.each<{
    name: string;
    source: Parameters<typeof componentChanges>[0];
    cur?: Record<string, string>;
    out: { component: string; from: string | null; to: string }[];
  }>([
    {
      name: 'a set of three, in its order; a null from stays null',
      source: approval({ component: 'backend', version: '5.0.0', components: set }),
      out: [
        { component: 'backend', from: '4.9.0', to: '5.0.0' },
        { component: 'media', from: '4.9.0', to: '5.0.0' },
        { component: 'ct', from: null, to: '5.0.0' },
      ],
    },
    {
      name: 'a null from falls back to what the client reported',
      source: approval({ components: set }),
      cur: { ct: '4.8.1', backend: '4.0.0' },
      out: [
        { component: 'backend', from: '4.9.0', to: '5.0.0' },
        { component: 'media', from: '4.9.0', to: '5.0.0' },
        { component: 'ct', from: '4.8.1', to: '5.0.0' },
      ],
    },
    {
      name: 'a single release is a set of one',
      source: approval(),
      out: [{ component: 'backend', from: null, to: 'sha2' }],
    },
    {
      name: 'an older GCC without components: the lead fields',
      source: { component: 'ct', version: '3.9.0', previous_version: '3.8.0' },
      out: [{ component: 'ct', from: '3.8.0', to: '3.9.0' }],
    },
    {
      name: 'an empty previous_version is no version',
      source: { component: 'ct', version: '3.9.0', components: [part('ct', '3.9.0', '')] },
      out: [{ component: 'ct', from: null, to: '3.9.0' }],
    },
  ])('$name', ({ source, cur, out }) => {
    expect(componentChanges(source, cur)).toEqual(out);
  });
});

describe('fromText, componentList, setApprovalText', () => {
  it.each<{ name: string; from: string | null; reported: Record<string, string> | undefined; out: string }>([
    { name: 'a version', from: '4.9.0', reported: undefined, out: '4.9.0' },
    { name: 'client reported others', from: null, reported: { backend: '4.9.0' }, out: 'not installed' },
    { name: 'client reported nothing', from: null, reported: {}, out: 'unknown' },
    { name: 'not known', from: null, reported: undefined, out: 'unknown' },
  ])('fromText: $name', ({ from, reported, out }) => {
    expect(fromText(from, reported)).toBe(out);
  });

  it.each([
    { names: [], out: '' },
    { names: ['ct'], out: 'ct' },
    { names: ['backend', 'ct'], out: 'backend and ct' },
    { names: ['backend', 'media', 'ct'], out: 'backend, media and ct' },
  ])('componentList($names)', ({ names, out }) => {
    expect(componentList(names)).toBe(out);
  });

  it('says one approval covers the set; nothing for a single component', () => {
    const c = (component: string) => ({ component, from: null, to: '5.0.0' });
    expect(setApprovalText([c('backend'), c('media'), c('ct')])).toBe(
      'One approval covers all 3 components (backend, media and ct): they are installed together, and rolled back together if the update fails.',
    );
    expect(setApprovalText([c('backend')])).toBeNull();
  });
});

describe('releaseNotes', () => {
  it.each([
    { name: 'notes', meta: { notes: ' Faster sync. ' }, out: 'Faster sync.' },
    { name: 'release_notes', meta: { release_notes: 'x' }, out: 'x' },
    { name: 'blank notes fall through', meta: { notes: ' ', changelog: 'y' }, out: 'y' },
    { name: 'not a string', meta: { notes: 3 }, out: null },
    { name: 'none', meta: { commit: 'abc' }, out: null },
  ])('$name', ({ meta, out }) => {
    expect(releaseNotes(meta)).toBe(out);
  });
});

describe('deadlineText', () => {
  const fmt = (iso: string) => `<${iso}>`;
  it.each([
    { name: 'no deadline', deadline: null, on: 'expire' as const, out: 'No deadline.' },
    {
      name: 'expire',
      deadline: 'D',
      on: 'expire' as const,
      out: 'Expires at <D> if nobody answers (it will not be installed).',
    },
    {
      name: 'auto approve',
      deadline: 'D',
      on: 'auto_approve' as const,
      out: 'Approved automatically at <D> if nobody answers.',
    },
  ])('$name', ({ deadline, on, out }) => {
    expect(deadlineText(deadline, on, fmt)).toBe(out);
  });
});

describe('localInputToIso', () => {
  it.each([
    { value: '', out: null },
    { value: 'tomorrow', out: null },
    { value: '2030-13-45T99:99', out: null },
  ])('$value → $out', ({ value, out }) => {
    expect(localInputToIso(value)).toBe(out);
  });
  it('reads a datetime-local value in the local zone', () => {
    expect(localInputToIso('2030-01-05T22:30')).toBe(new Date(2030, 0, 5, 22, 30).toISOString());
  });
});

describe('task history text', () => {
  it.each([
    { name: 'update', task: { status: 'success', type: 'update' }, text: 'Installed' },
    { name: 'rollback', task: { status: 'success', type: 'rollback' }, text: 'Rollback: installed' },
    { name: 'waiting', task: { status: 'pending_approval', type: 'update' }, text: 'Waiting for approval' },
  ] as const)('status: $name', ({ task, text }) => {
    expect(taskStatusText(task)).toBe(text);
  });

  it('has a text for every status', () => {
    for (const [status, text] of Object.entries(TASK_STATUS_TEXT)) expect(text, status).toMatch(/^[A-Z]/);
  });

  const base = {
    rejected_reason: null,
    last_message: null,
    approved_by: null,
    approval_source: null,
    status: 'success',
  } as const;
  it.each([
    {
      name: 'rejection reason first',
      t: { ...base, status: 'rejected', rejected_reason: 'Freeze.', last_message: 'x' },
      out: 'Rejected: Freeze.',
    },
    {
      name: "agent's last message",
      t: { ...base, last_message: 'rolled out', approved_by: 'p' },
      out: 'rolled out',
    },
    {
      name: 'who approved',
      t: { ...base, approved_by: 'priya@adani.com' },
      out: 'Approved by priya@adani.com',
    },
    { name: 'nothing', t: base, out: null },
  ] as const)('message: $name', ({ t, out }) => {
    expect(taskMessage(t)).toBe(out);
  });
});
