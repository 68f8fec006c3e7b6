import { randomBytes } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DoctorCheck, Executor } from '@wrktalk/sdk-agent';
import { createGccClient, type GccClient, isGccHttpError } from '@wrktalk/sdk-gcc';
import type { AgentConfig } from './config';

function why(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs every check of `wrktalk-agent doctor`; never throws (a failing check is a ✗ line). */
export async function runDoctor(
  config: AgentConfig,
  executor: Executor | Error,
  gcc: GccClient = createGccClient({
    baseUrl: config.GCC_URL,
    token: config.AGENT_TOKEN,
    retry: false,
    timeoutMs: 10_000,
  }),
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  try {
    await gcc.health.healthz();
    checks.push({ name: 'GCC reachable', ok: true, detail: `${config.GCC_URL} answers /healthz` });
  } catch (error) {
    checks.push({
      name: 'GCC reachable',
      ok: false,
      detail: `${config.GCC_URL}: ${why(error)} — check GCC_URL, DNS, proxies and egress firewall rules`,
    });
  }
  try {
    const client = await gcc.clients.get(config.CLIENT_ID);
    checks.push({
      name: 'agent token',
      ok: true,
      detail: `accepted for client ${client.id} (${client.name})`,
    });
  } catch (error) {
    const detail = !isGccHttpError(error)
      ? why(error)
      : error.status === 401
        ? 'the GCC rejected AGENT_TOKEN (401): issue a new agent token for this client'
        : error.status === 403
          ? `AGENT_TOKEN is not an agent token of ${config.CLIENT_ID} (403): check CLIENT_ID or issue a token for it`
          : error.status === 404
            ? `the GCC has no client ${config.CLIENT_ID} (404): check CLIENT_ID`
            : why(error);
    checks.push({ name: 'agent token', ok: false, detail });
  }
  const dir = dirname(config.STATE_FILE);
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.doctor-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, 'ok');
    await unlink(probe);
    checks.push({ name: 'state file directory', ok: true, detail: `${dir} is writable` });
  } catch (error) {
    checks.push({
      name: 'state file directory',
      ok: false,
      detail: `${dir} is not writable (${why(error)}): mount a volume there or set STATE_FILE`,
    });
  }
  if (executor instanceof Error) {
    checks.push({ name: `executor ${config.EXECUTOR}`, ok: false, detail: executor.message });
  } else {
    try {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 30_000);
      try {
        checks.push(...(await executor.doctor({ signal: controller.signal, clientId: config.CLIENT_ID })));
      } finally {
        clearTimeout(timer);
      }
    } catch (error) {
      checks.push({ name: `executor ${executor.name}`, ok: false, detail: why(error) });
    }
  }
  return checks;
}

/** Formats checks as `✓ name — detail` / `✗ name — detail` lines. */
export function formatChecks(checks: DoctorCheck[]): string {
  return checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name} — ${c.detail}`).join('\n');
}
