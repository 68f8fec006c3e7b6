import { dirname } from 'node:path';
import { checkStateFile, type DoctorCheck, type Executor } from '@wrktalk/sdk-agent';
import { createGccClient, type GccClient, isGccHttpError, type Whoami } from '@wrktalk/sdk-gcc';
import type { AgentConfig } from './config';

/** What `wrktalk-agent doctor --json` prints: a stable shape, whatever the checks. */
export interface DoctorReport {
  /** Every check passed (exit code 0). */
  ok: boolean;
  /** The checks in the order they ran: exactly these three fields each. */
  checks: { name: string; ok: boolean; detail: string }[];
}

function why(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The command that issues what the agent needs: an agent token of its own client. */
export const issueAgentToken = (clientId: string): string =>
  `wrktalk-gcc token issue --client ${clientId} --role agent`;

const A_ROLE: Record<Whoami['role'], string> = {
  admin: 'an admin token',
  ci: 'a CI token',
  approver: 'an approver token',
  agent: 'an agent token',
};

/**
 * The verdict on AGENT_TOKEN from what the GCC says it is (`whoami`). `run` polls `getUpdates` of CLIENT_ID, which
 * only an agent token of that client may call: anything else is refused there (403, or 404 for another client's)
 * on every poll, however well another call goes.
 */
export function tokenCheck(who: Whoami, clientId: string): DoctorCheck {
  const name = 'agent token';
  const fix = `the agent needs an agent token: ${issueAgentToken(clientId)}`;
  if (who.role !== 'agent') {
    const whose =
      who.client_id === null
        ? ` (${who.name ?? 'unnamed'})`
        : who.client_id === clientId
          ? ` of ${who.client_id}`
          : ` of ${who.client_id} (CLIENT_ID is ${clientId})`;
    return { name, ok: false, detail: `AGENT_TOKEN is ${A_ROLE[who.role]}${whose}: ${fix}` };
  }
  if (who.client_id !== clientId) {
    return {
      name,
      ok: false,
      detail:
        `AGENT_TOKEN belongs to client ${who.client_id}, CLIENT_ID is ${clientId}: set CLIENT_ID=${who.client_id} ` +
        `if this agent runs for ${who.client_id}, otherwise issue a token of ${clientId}: ${issueAgentToken(clientId)}`,
    };
  }
  const id = who.token_id ? ` (${who.token_id})` : '';
  const until = who.expires_at ? `expires ${who.expires_at}` : 'valid until revoked';
  return { name, ok: true, detail: `an agent token of client ${clientId}${id}, ${until}` };
}

/** The verdict when `whoami` itself failed; `unknown` when this GCC has no `whoami` (older than this agent). */
function tokenFailure(error: unknown, clientId: string): DoctorCheck | 'unknown' {
  const name = 'agent token';
  if (!isGccHttpError(error)) return { name, ok: false, detail: why(error) };
  if (error.status === 401)
    return {
      name,
      ok: false,
      detail: `the GCC rejected AGENT_TOKEN (401: unknown, revoked or expired): issue a new token: ${issueAgentToken(clientId)}`,
    };
  if (error.status === 404) return 'unknown';
  return { name, ok: false, detail: why(error) };
}

/** Checks the token (`whoami`), then that CLIENT_ID exists for it (`GET /clients/{id}` as the agent). */
async function gccChecks(config: AgentConfig, gcc: GccClient): Promise<DoctorCheck[]> {
  const clientId = config.CLIENT_ID;
  let token: DoctorCheck | 'unknown';
  try {
    token = tokenCheck(await gcc.auth.whoami(), clientId);
  } catch (error) {
    token = tokenFailure(error, clientId);
  }
  const checks: DoctorCheck[] = [];
  if (token === 'unknown') {
    // A GCC older than /api/v1/whoami: the role and client cannot be asked, only whether the client read passes.
    checks.push({
      name: 'agent token',
      ok: true,
      detail:
        'not verified: this GCC has no /api/v1/whoami (404), so the role and client of AGENT_TOKEN are unknown; ' +
        `it must be an agent token of ${clientId} (${issueAgentToken(clientId)})`,
    });
  } else {
    checks.push(token);
    // A token that is not this client's agent token makes the client read answer about the token, not the client.
    if (!token.ok) return checks;
  }
  const name = `client ${clientId}`;
  try {
    const client = await gcc.clients.get(clientId);
    checks.push({ name, ok: true, detail: `registered (${client.name}, target ${client.target_kind})` });
  } catch (error) {
    const detail = !isGccHttpError(error)
      ? why(error)
      : error.status === 404
        ? `the GCC has no client ${clientId} for this token (404): check CLIENT_ID and AGENT_TOKEN`
        : error.status === 401
          ? `the GCC rejected AGENT_TOKEN (401: unknown, revoked or expired): issue a new token: ${issueAgentToken(clientId)}`
          : error.status === 403
            ? `AGENT_TOKEN may not read client ${clientId} (403): ${issueAgentToken(clientId)}`
            : why(error);
    checks.push({ name, ok: false, detail });
  }
  return checks;
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
  checks.push(...(await gccChecks(config, gcc)));
  const dir = dirname(config.STATE_FILE);
  try {
    // The check `run` makes before its first poll: the path is not a directory, the directory is writable.
    await checkStateFile(config.STATE_FILE);
    checks.push({ name: 'state file directory', ok: true, detail: `${dir} is writable` });
  } catch (error) {
    checks.push({
      name: 'state file directory',
      ok: false,
      detail: `STATE_FILE: ${why(error)}`,
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

/** The `--json` report of checks: `{ ok, checks: [{ name, ok, detail }] }`, nothing else (no executor codes). */
export function doctorReport(checks: readonly DoctorCheck[]): DoctorReport {
  return {
    ok: checks.every((c) => c.ok),
    checks: checks.map(({ name, ok, detail }) => ({ name, ok, detail })),
  };
}
