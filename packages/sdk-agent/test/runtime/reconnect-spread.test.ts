/**
 * Reconnect storms: when the GCC restarts, every agent's long poll is cut at the same instant. Agents with the
 * default backoff draw their first retry uniformly over one poll period (full jitter above the 1 s floor, window the
 * 30 s long poll), so a fleet comes back at about the rate it polls anyway. Here 24 real agents are parked in long
 * polls of one fake GCC, the GCC goes down (its connections closed), and each agent's random source is injected
 * (seeded), so the retry delays are deterministic.
 */
import { join } from 'node:path';
import { createFakeExecutor } from '@wrktalk/sdk-agent';
import { describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/runtime';
import {
  agentFixtures,
  agentOptions,
  type GccFixture,
  record,
  recordingSleep,
  type TempDir,
  until,
} from './helpers';

let gcc: GccFixture;
let tmp: TempDir;
agentFixtures((g, t) => {
  gcc = g;
  tmp = t;
});

/** mulberry32: a seeded random source in [0, 1). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('reconnecting after a GCC restart', { timeout: 90_000 }, () => {
  it('agents whose long polls are cut at once retry spread over the 30 s poll period, not all after 1 s', async () => {
    const count = 24;
    const agents: { agent: Agent; first: number; errors: ReturnType<typeof record<'error'>> }[] = [];
    for (let i = 0; i < count; i++) {
      const random = seeded(i + 1);
      const first = seeded(i + 1)(); // the value the agent's first draw will get
      // Default backoff, floor and long poll (30 s): only the random source, the sleep and the state file are set.
      const agent = createAgent(
        agentOptions(gcc, tmp, createFakeExecutor({ initial: { backend: 'v1' } }), {
          stateFile: join(tmp.dir, `state-${i}.json`),
          pollWaitSeconds: 30,
          random,
          sleep: recordingSleep(50).sleep,
        }),
      );
      agents.push({ agent, first, errors: record(agent, 'error') });
    }
    // No task is queued, so the fake GCC holds every poll it receives (wait=30): count them as they arrive.
    let polls = 0;
    gcc.server.server.on('request', () => {
      polls++;
    });
    const loops = agents.map((a) => a.agent.start());
    await until(() => polls >= count, 30_000, 'every agent parked in a long poll');
    await gcc.down();
    await until(() => agents.every((a) => a.errors.length >= 1), 30_000, 'every agent saw its poll cut');
    const delays = agents.map((a) => a.errors[0]!.retryInMs!);
    for (const [i, a] of agents.entries()) {
      expect(a.errors[0]!.phase).toBe('poll');
      // Uniform in [1 s, 30 s]: 1000 + r × 29,000 for the agent's own draw r.
      expect(delays[i]).toBe(Math.round(1000 + a.first * 29_000));
    }
    expect(new Set(delays).size).toBe(count);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000);
    // Spread: not bunched in any one second (with all at the 1 s floor, this was 24 in one second).
    const perSecond = new Map<number, number>();
    for (const d of delays)
      perSecond.set(Math.floor(d / 1000), (perSecond.get(Math.floor(d / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(4);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(20_000);

    await Promise.all(agents.map((a) => a.agent.stop()));
    await Promise.all(loops);
  });
});
