import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGENT_TRANSITIONS,
  type AgentState,
  backoffDelay,
  defaultAgentOptions,
  IllegalStateError,
  imageCarriesVersion,
  nextState,
  parseRetryAfter,
  pollSpreadMs,
  readStateFile,
  TaskLog,
  validateInstruction,
  writeStateFile,
} from '../../src/runtime';

describe('agent states', () => {
  const all = Object.keys(AGENT_TRANSITIONS) as AgentState[];
  it.each([
    ['starting', 'polling'],
    ['polling', 'applying'],
    ['applying', 'verifying'],
    ['verifying', 'applying'],
    ['verifying', 'reporting'],
    ['reporting', 'polling'],
    // A task paused because its checkpoint could not be written (the state file became unusable).
    ['applying', 'polling'],
    ['verifying', 'polling'],
    ['polling', 'stopping'],
    ['stopping', 'stopped'],
  ] as const)('allows %s → %s', (from, to) => {
    expect(nextState(from, to)).toBe(to);
  });
  it.each([
    ['stopped', 'polling'],
    ['stopping', 'polling'],
    ['polling', 'stopped'],
    ['reporting', 'verifying'],
    ['reporting', 'applying'],
  ] as const)('refuses %s → %s with IllegalStateError', (from, to) => {
    expect(() => nextState(from, to)).toThrow(IllegalStateError);
    expect(() => nextState(from, to)).toThrow(`Illegal agent state transition: ${from} → ${to}`);
  });
  it('reaches stopped from every live state, through stopping only', () => {
    for (const s of all) {
      if (s === 'stopped' || s === 'stopping') continue;
      expect(AGENT_TRANSITIONS[s]).toContain('stopping');
      expect(AGENT_TRANSITIONS[s]).not.toContain('stopped');
    }
  });
});

describe('backoffDelay', () => {
  const policy = { initialMs: 1000, maxMs: 300_000, multiplier: 2, jitter: 'none' as const };
  it.each([
    [1, 1000],
    [2, 2000],
    [5, 16_000],
    [9, 256_000],
    [10, 300_000],
    [1000, 300_000],
  ])('without jitter, failure %i waits %i ms (capped)', (n, ms) => {
    expect(backoffDelay(n, policy, Math.random, 100)).toBe(ms);
  });
  it('full jitter draws uniformly in [floor, cap] and never goes under the floor', () => {
    const p = { ...policy, jitter: 'full' as const };
    expect(backoffDelay(3, p, () => 0, 250)).toBe(250);
    expect(backoffDelay(3, p, () => 0.5, 250)).toBe(2125);
    expect(backoffDelay(3, p, () => 0.999_999, 250)).toBe(4000);
    // A cap at or under the floor: the floor.
    expect(backoffDelay(1, p, () => 0.7, 1000)).toBe(1000);
  });
  it('a spread widens the window to at least spreadMs (bounded by maxMs); none ignores it', () => {
    const p = { ...policy, jitter: 'full' as const };
    expect(backoffDelay(1, p, () => 0.5, 1000, 30_000)).toBe(15_500);
    expect(backoffDelay(1, p, () => 0.999_999, 1000, 30_000)).toBe(30_000);
    // Once the cap outgrows the spread, the cap is the window.
    expect(backoffDelay(7, p, () => 0.5, 1000, 30_000)).toBe(32_500);
    expect(backoffDelay(1, { ...p, maxMs: 10_000 }, () => 0.999_999, 1000, 30_000)).toBe(10_000);
    expect(backoffDelay(1, policy, () => 0.5, 1000, 30_000)).toBe(1000);
  });
  it('100,000 agents whose long polls a GCC restart cut at once reconnect spread over ~29 s, not in one second', () => {
    // The agent's defaults (backoff 1 s × 2, full jitter, floor 1 s, 30 s long poll) and a seeded random source per
    // agent (deterministic: mulberry32 seeded by the agent's number).
    const o = defaultAgentOptions();
    const mulberry32 = (seed: number) => () => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    const agents = 100_000;
    const perSecond = new Map<number, number>();
    const perMs = new Map<number, number>();
    const spread = pollSpreadMs(o.pollWaitSeconds, undefined);
    for (let a = 0; a < agents; a++) {
      const ms = backoffDelay(1, o.backoff, mulberry32(a + 1), o.minPollIntervalMs, spread);
      perSecond.set(Math.floor(ms / 1000), (perSecond.get(Math.floor(ms / 1000)) ?? 0) + 1);
      perMs.set(ms, (perMs.get(ms) ?? 0) + 1);
    }
    const seconds = [...perSecond.keys()].sort((x, y) => x - y);
    expect(seconds[0]).toBe(1);
    expect(seconds.at(-1)).toBe(30);
    // Uniform over 29 s: ~3,450 a second (the fleet's own rate with 30 s polls: ~3,300), never a burst.
    const full = seconds.filter((s) => s < 30).map((s) => perSecond.get(s)!);
    expect(Math.max(...full)).toBeLessThan(3_800);
    expect(Math.min(...full)).toBeGreaterThan(3_100);
    expect(Math.max(...perMs.values())).toBeLessThan(20);
  });
  it('equal jitter keeps at least half', () => {
    expect(backoffDelay(3, { ...policy, jitter: 'equal' }, () => 0, 1)).toBe(2000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['7', 7000],
    ['0', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['soon', undefined],
    [null, undefined],
  ])('%s → %s', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});

describe('validateInstruction', () => {
  const rules = { components: ['backend', 'media', 'ct'], allowedRegistries: ['registry.wrktalk.com/'] };
  const digest = `sha256:${'a'.repeat(64)}`;
  const good = {
    task_id: 'tsk-1',
    deployment_id: 'dpl-1',
    type: 'update',
    component: 'backend',
    version: 'v2.1.0',
    image_url: 'registry.wrktalk.com/backend:v2.1.0',
    previous_version: 'v2.0.9',
    attempt: 1,
    helm_parameter: 'backend.image.tag',
    lease_expires_at: '2026-01-01T00:00:00Z',
    verify_timeout_seconds: 600,
  };
  it.each([
    ['a tag', {}],
    ['a digest', { version: digest, image_url: `registry.wrktalk.com/backend@${digest}` }],
    ['a tag with a pinned digest', { image_url: `registry.wrktalk.com/backend:v2.1.0@${digest}` }],
    ['a registry with a port and a path', { image_url: 'registry.wrktalk.com/wrktalk/backend:v2.1.0' }],
    ['no previous version', { previous_version: null }],
  ])('accepts %s', (_n, patch) => {
    expect(validateInstruction({ ...good, ...patch }, rules)).toMatchObject({ ok: true });
  });
  it.each([
    ['a shell substitution', { version: '$(reboot)' }, 'version: must be an image tag or a sha256: digest'],
    ['a tag starting with a dot', { version: '.v2' }, 'version: must be an image tag'],
    ['a 129-character tag', { version: 'v'.repeat(129) }, 'version: must be an image tag'],
    ['an uppercase digest', { version: `sha256:${'A'.repeat(64)}` }, 'version: must be an image tag'],
    [
      'a look-alike registry',
      { image_url: 'registry.wrktalk.com.evil.io/backend:v2.1.0' },
      'allowed registries',
    ],
    ['Docker Hub', { image_url: 'backend:v2.1.0' }, 'allowed registries'],
    [
      'a space in the image',
      { image_url: 'registry.wrktalk.com/backend:v2.1.0 --privileged' },
      'not a valid image',
    ],
    [
      'another version in the image',
      { image_url: 'registry.wrktalk.com/backend:v3' },
      'does not reference version',
    ],
    ['an unknown component', { component: 'kernel' }, 'unknown component "kernel"'],
    [
      'a bad helm parameter',
      { helm_parameter: 'a,b=c' },
      'helm_parameter: is not a valid Helm parameter path',
    ],
    ['a bad previous version', { previous_version: 'x y' }, 'previous_version: must be an image tag'],
  ])('rejects %s, naming the task to report on', (_n, patch, message) => {
    const r = validateInstruction({ ...good, ...patch }, rules);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.task).toEqual({ taskId: 'tsk-1', attempt: 1 });
    expect(r.problems.join('; ')).toContain(message);
  });
  it('lists every problem at once', () => {
    const r = validateInstruction(
      { ...good, version: '$(x)', component: 'kernel', image_url: 'evil.io/a:b' },
      rules,
    );
    expect(r.ok ? [] : r.problems).toEqual([
      'component: unknown component "kernel"; this agent manages backend, media, ct',
      'version: must be an image tag or a sha256: digest',
      'image_url: "evil.io/a:b" is not in the allowed registries (registry.wrktalk.com/)',
      'image_url: "evil.io/a:b" does not reference version "$(x)"',
    ]);
  });
  it('cannot name a task when task_id itself is garbage', () => {
    expect(validateInstruction({ task_id: 'x; rm', attempt: 1 }, rules)).toMatchObject({
      ok: false,
      task: undefined,
    });
  });
  describe('release sets', () => {
    const entry = (component: string, version = 'v2.1.0', previous: string | null = 'v2.0.9') => ({
      component,
      version,
      image_url: `registry.wrktalk.com/${component}:${version}`,
      image_digest: null,
      previous_version: previous,
      helm_parameter: `${component}.image.tag`,
    });
    const set = { ...good, components: [entry('backend'), entry('media'), entry('ct')] };

    it('maps the set to camelCase components, first = the top level', () => {
      const r = validateInstruction(set, rules);
      expect(r.ok && r.instruction.components).toEqual(
        ['backend', 'media', 'ct'].map((component) => ({
          component,
          version: 'v2.1.0',
          imageUrl: `registry.wrktalk.com/${component}:v2.1.0`,
          previousVersion: 'v2.0.9',
          helmParameter: `${component}.image.tag`,
        })),
      );
    });
    it('synthesizes the one component of an offer without components', () => {
      const r = validateInstruction(good, rules);
      expect(r.ok && r.instruction.components).toEqual([
        {
          component: 'backend',
          version: 'v2.1.0',
          imageUrl: 'registry.wrktalk.com/backend:v2.1.0',
          previousVersion: 'v2.0.9',
          helmParameter: 'backend.image.tag',
        },
      ]);
    });
    it.each<[string, Record<string, unknown>, string]>([
      [
        'a first component other than the top level',
        { components: [entry('media'), entry('backend')] },
        "components.0: the first component differs from the update's own component, image_url, helm_parameter",
      ],
      [
        'a first component with another version',
        { components: [entry('backend', 'v9'), entry('media')] },
        "components.0: the first component differs from the update's own version, image_url",
      ],
      [
        'a first component with another previous version',
        { components: [entry('backend', 'v2.1.0', 'v1'), entry('media')] },
        "components.0: the first component differs from the update's own previous_version",
      ],
      [
        'a component named twice',
        { components: [entry('backend'), entry('media'), entry('media', 'v3')] },
        'components.2.component: component "media" appears twice in the set',
      ],
      [
        'an unknown component in the set',
        { components: [entry('backend'), entry('kernel')] },
        'components.1.component: unknown component "kernel"',
      ],
      [
        'a set image that does not carry its version',
        { components: [entry('backend'), { ...entry('ct'), image_url: 'registry.wrktalk.com/ct:v1' }] },
        'components.1.image_url: "registry.wrktalk.com/ct:v1" does not reference version "v2.1.0"',
      ],
      [
        'a set image from another registry',
        { components: [entry('backend'), { ...entry('ct'), image_url: 'evil.io/ct:v2.1.0' }] },
        'components.1.image_url: "evil.io/ct:v2.1.0" is not in the allowed registries',
      ],
      ['an empty set', { components: [] }, 'components: '],
    ])('refuses %s, clearly', (_n, patch, message) => {
      const r = validateInstruction({ ...good, ...patch }, rules);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.task).toEqual({ taskId: 'tsk-1', attempt: 1 });
      expect(r.problems.join('; ')).toContain(message);
    });
  });
  it('imageCarriesVersion only looks at the last path segment', () => {
    expect(imageCarriesVersion('registry:5000/backend', '5000')).toBe(false);
    expect(imageCarriesVersion('registry:5000/backend:5000', '5000')).toBe(true);
  });
});

describe('state file', () => {
  it('writes atomically: no temporary file left, content readable, replaced as a whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-state-'));
    try {
      const file = join(dir, 'nested', 'state.json');
      await writeStateFile(file, { v: 1, task: null, completed: ['tsk-1:1'] });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          writeStateFile(file, { v: 1, task: null, completed: [`tsk-${i}:1`] }),
        ),
      );
      expect(await readdir(join(dir, 'nested'))).toEqual(['state.json']);
      const read = await readStateFile(file, () => new Date());
      expect(read.kind).toBe('ok');
      expect(JSON.parse(await readFile(file, 'utf8')).completed).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it.each([
    ['truncated JSON', '{"v":1,"ta', /not valid JSON/],
    ['an empty file', '', /not valid JSON/],
    ['the wrong shape', '{"v":2,"task":null,"completed":[]}', /unexpected content: v:/],
  ])('reports %s as corrupt and moves it aside', async (_n, text, reason) => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-state-'));
    try {
      const file = join(dir, 'state.json');
      await writeFile(file, text);
      const read = await readStateFile(file, () => new Date('2026-01-01T00:00:00Z'));
      expect(read).toMatchObject({ kind: 'corrupt', movedTo: `${file}.corrupt-2026-01-01T00-00-00-000Z` });
      if (read.kind === 'corrupt') expect(read.reason).toMatch(reason);
      expect(await readStateFile(file, () => new Date())).toEqual({ kind: 'missing' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('TaskLog', () => {
  it('keeps the last 200 lines, clipped to 2000 characters, and says how many were dropped', () => {
    const log = new TaskLog();
    for (let i = 0; i < 250; i++) log.add(i === 249 ? 'y'.repeat(5000) : `line ${i}`);
    const lines = log.lines();
    expect(lines).toHaveLength(200);
    expect(lines[0]).toBe('… 51 earlier lines dropped');
    expect(lines[1]).toBe('line 51');
    expect(lines.at(-1)).toHaveLength(2000);
  });
});
