import { TASK_STATUSES, type TaskStatus } from '@wrktalk/rollout-planner';
import type { Deployment, WireStrategy } from '@wrktalk/sdk-gcc';
import { formatTable, type StageRow } from '../../../examples/demo/src/summary';
import type { Approval } from './fleet';

/** The tasks of a deployment by status at one moment of the simulation. */
export interface Sample {
  /** ms since the deployment's creation. */
  t_ms: number;
  deployment: 'update' | 'rollback';
  counts: Record<TaskStatus, number>;
}

/** How a simulation ended. */
export type SimEnd =
  /** The deployment reached an end (completed, failed, aborted, rolled back) or a pause. */
  | 'ended'
  /** Every stage finished; only tasks of clients that are offline remain (overdue). */
  | 'only_offline_left'
  /** `limits.duration_seconds` passed first. */
  | 'time_limit';

/** What a simulation produced: the JSON report (the HTML report is rendered from it). */
export interface SimReport {
  scenario: { name: string; description: string; seed: number; file: string | null };
  gcc: { mode: 'embedded' | 'postgres' | 'url'; url: string };
  started_at: string;
  fleet: {
    clients: number;
    targets: Record<string, number>;
    argocd_instances: number;
    approvals: Record<Approval, number>;
    offline: number;
    going_offline: number;
    canaries: number;
  };
  /** What was deployed: the first (or only) component, and a release set's every member (null: one release). */
  release: { component: string; version: string; set: { component: string; version: string }[] | null };
  selector: string;
  strategy: WireStrategy;
  deployment: { id: string; status: Deployment['status']; status_reason: string | null };
  rollback: { id: string; status: Deployment['status']; status_reason: string | null } | null;
  end: SimEnd;
  stages: StageRow[];
  rollback_stages: StageRow[];
  /** The automatic rollback's tasks: the version each client was returned to, next to its own previous version and
   * the version its agent reports at the end (of the first component), and the same per component of the release
   * (`versions`, `previous_versions`: the client's own previous set, `running_versions`). */
  rollback_tasks: {
    client_id: string;
    version: string;
    status: TaskStatus;
    previous_version: string;
    running_version: string;
    versions: Record<string, string>;
    previous_versions: Record<string, string>;
    running_versions: Record<string, string>;
  }[];
  /** The rollout's tasks whose apply an agent reported failed: their stage, final status and the message the GCC kept. */
  failures: { client_id: string; stage: number | null; status: TaskStatus; message: string }[];
  /** Final task status by what the approver did (`none`: no task). */
  outcomes: Record<Approval, Partial<Record<TaskStatus | 'none', number>>>;
  /** Clients that run the release at the end, as their agents report. */
  updated: number;
  /** Clients returned to their own previous version by the rollback. */
  rolled_back: number;
  samples: Sample[];
  /** Requests the simulated agents and approvers made, and how many failed at the HTTP level (not 2xx/304). */
  http: { requests: number; errors: number; by_status: Record<string, number> };
  timings_ms: { register: number; baseline: number; rollout: number; total: number };
}

const STATUS_COLOURS: Record<TaskStatus, string> = {
  pending: '#c4cdd5',
  pending_approval: '#9aa5b1',
  approved: '#7fb3d5',
  rejected: '#b07aa1',
  expired: '#c9b1d9',
  queued: '#f2c14e',
  in_progress: '#f08a24',
  success: '#2e9e5b',
  failed: '#d64545',
  timed_out: '#8c2d19',
  overdue: '#e3a0a0',
  cancelled: '#5c6770',
  rolled_back: '#3b6fb6',
};

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Rows of a client table in the HTML report (the JSON report has them all). */
const ROLLBACK_ROWS = 200;

const fmtS = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);

/** The chart of tasks by status over time (an inline SVG, one line per status that ever had a task). */
export function renderChart(
  samples: readonly Sample[],
  deployment: Sample['deployment'],
  width = 860,
  height = 300,
): string {
  const own = samples.filter((s) => s.deployment === deployment);
  if (own.length === 0) return '<p>No samples.</p>';
  const pad = { left: 56, right: 12, top: 12, bottom: 32 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const tMax = Math.max(1, own[own.length - 1]!.t_ms);
  const statuses = TASK_STATUSES.filter((st) => own.some((s) => s.counts[st] > 0));
  const yMax = Math.max(1, ...own.flatMap((s) => statuses.map((st) => s.counts[st])));
  const x = (t: number) => (pad.left + (t / tMax) * w).toFixed(1);
  const y = (v: number) => (pad.top + h - (v / yMax) * h).toFixed(1);
  const lines = statuses.map((st) => {
    const points = own.map((s) => `${x(s.t_ms)},${y(s.counts[st])}`).join(' ');
    return `<polyline fill="none" stroke="${STATUS_COLOURS[st]}" stroke-width="2" points="${points}"><title>${st}</title></polyline>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = Math.round(yMax * f);
    const t = tMax * f;
    return `<text x="${pad.left - 6}" y="${y(v)}" text-anchor="end" dominant-baseline="middle">${v}</text>
<line x1="${pad.left}" x2="${pad.left + w}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e8eb"/>
<text x="${x(t)}" y="${pad.top + h + 18}" text-anchor="middle">${(t / 1000).toFixed(0)} s</text>`;
  });
  const legend = statuses
    .map(
      (st) =>
        `<span class="key"><span class="swatch" style="background:${STATUS_COLOURS[st]}"></span>${st}</span>`,
    )
    .join(' ');
  return `<svg role="img" aria-label="Tasks by status over time (${deployment})" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-size="11" font-family="system-ui, sans-serif">
${ticks.join('\n')}
${lines.join('\n')}
<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + h}" stroke="#888"/>
<line x1="${pad.left}" x2="${pad.left + w}" y1="${pad.top + h}" y2="${pad.top + h}" stroke="#888"/>
</svg>
<div class="legend">${legend}</div>`;
}

function stageTable(rows: readonly StageRow[]): string {
  if (rows.length === 0) return '<p>No stages.</p>';
  const head = [
    'Stage',
    'Kind',
    'Size',
    'Placed',
    'Succeeded',
    'Failed',
    'Overdue',
    'Rolled back',
    'Duration',
    'Status',
  ];
  const body = rows
    .map(
      (r) =>
        `<tr><td>${r.index + 1}</td><td>${r.kind}</td><td>${r.size}</td><td>${r.placed}</td><td>${r.succeeded}</td><td>${r.failed}</td><td>${r.overdue}</td><td>${r.rolledBack}</td><td>${fmtS(r.durationMs)}</td><td>${esc(r.status)}</td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>
${body}
</tbody></table>`;
}

function failureTable(failures: SimReport['failures']): string {
  const rows = failures
    .slice(0, ROLLBACK_ROWS)
    .map(
      (f) =>
        `<tr><td>${esc(f.client_id)}</td><td>${f.stage === null ? '–' : f.stage + 1}</td><td>${esc(f.status)}</td><td>${esc(f.message)}</td></tr>`,
    )
    .join('\n');
  const more =
    failures.length > ROLLBACK_ROWS
      ? `<p>… and ${failures.length - ROLLBACK_ROWS} more (in the JSON report).</p>`
      : '';
  return `<table><thead><tr><th>Client</th><th>Stage</th><th>Task</th><th>Agent's message</th></tr></thead><tbody>
${rows}
</tbody></table>${more}`;
}

function outcomeTable(outcomes: SimReport['outcomes']): string {
  const cols = [...new Set(Object.values(outcomes).flatMap((o) => Object.keys(o)))].sort();
  const rows = (Object.keys(outcomes) as Approval[])
    .filter((a) => Object.keys(outcomes[a]).length > 0)
    .map(
      (a) =>
        `<tr><td>${a}</td>${cols.map((c) => `<td>${outcomes[a][c as TaskStatus] ?? 0}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>Approver did</th>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>`;
}

/** A release as people read it: `2.5.0`, or a set's `backend 5.0.0, media 5.0.0, ct 5.0.0`. */
export function spellRelease(r: SimReport['release']): string {
  return r.set ? r.set.map((m) => `${m.component} ${m.version}`).join(', ') : `${r.component} ${r.version}`;
}

/** A client's versions of a set's components, in the set's order: `backend 4.9.0, media 4.8.0, ct 4.9.0`. */
const spellSet = (set: readonly { component: string }[], versions: Record<string, string>) =>
  set.map((m) => `${m.component} ${versions[m.component] || '–'}`).join(', ');

function rollbackTable(tasks: SimReport['rollback_tasks'], release: SimReport['release']): string {
  // Of a set, each client's whole previous set, what it was returned to and what it runs, component by component.
  const set = release.set;
  const cells = (t: SimReport['rollback_tasks'][number]) =>
    set
      ? [
          spellSet(set, t.previous_versions),
          spellSet(set, t.versions),
          t.status,
          spellSet(set, t.running_versions),
        ]
      : [t.previous_version, t.version, t.status, t.running_version];
  const rows = tasks
    .slice(0, ROLLBACK_ROWS)
    .map(
      (t) =>
        `<tr><td>${esc(t.client_id)}</td>${cells(t)
          .map((c) => `<td>${esc(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  const more =
    tasks.length > ROLLBACK_ROWS
      ? `<p>… and ${tasks.length - ROLLBACK_ROWS} more (in the JSON report).</p>`
      : '';
  return `<table><thead><tr><th>Client</th><th>Its previous ${set ? 'set' : 'version'}</th><th>Returned to</th><th>Task</th><th>Runs at the end</th></tr></thead><tbody>
${rows}
</tbody></table>${more}`;
}

/** The self-contained HTML report: no script, no external resource (it opens from a file or a mail attachment). */
export function renderHtml(r: SimReport): string {
  const title = `wrktalk-sim: ${r.scenario.name}`;
  const d = r.deployment;
  const facts: [string, string][] = [
    [
      'Scenario',
      `${r.scenario.name}${r.scenario.description ? ` — ${r.scenario.description}` : ''} (seed ${r.scenario.seed})`,
    ],
    ['GCC', `${r.gcc.mode} (${r.gcc.url})`],
    ['Started', r.started_at],
    [
      'Fleet',
      `${r.fleet.clients} clients: ${Object.entries(r.fleet.targets)
        .map(([k, v]) => `${v} ${k}`)
        .join(
          ', ',
        )}; ${r.fleet.argocd_instances} Argo CD instances; ${r.fleet.canaries} canaries; ${r.fleet.offline} offline, ${r.fleet.going_offline} going offline`,
    ],
    [
      'Approvers',
      Object.entries(r.fleet.approvals)
        .map(([k, v]) => `${v} ${k}`)
        .join(', '),
    ],
    [r.release.set ? 'Release set' : 'Release', `${spellRelease(r.release)} to ${r.selector}`],
    ['Deployment', `${d.id}: ${d.status}${d.status_reason ? ` — ${d.status_reason}` : ''}`],
    [
      'Rollback',
      r.rollback
        ? `${r.rollback.id}: ${r.rollback.status}; ${r.rolled_back} clients returned to their own previous ${r.release.set ? 'set' : 'version'}`
        : 'none',
    ],
    ['End', r.end],
    ['Updated', `${r.updated} clients run ${r.release.set ? 'the set' : r.release.version}`],
    [
      'Time',
      `register ${fmtS(r.timings_ms.register)}, baseline ${fmtS(r.timings_ms.baseline)}, rollout ${fmtS(r.timings_ms.rollout)}, total ${fmtS(r.timings_ms.total)}`,
    ],
    ['HTTP', `${r.http.requests} requests, ${r.http.errors} errors`],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1f2933; max-width: 960px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #d9dee3; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f3f5f7; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; } dt { font-weight: 600; }
.legend { margin: 4px 0 0 56px; } .key { margin-right: 12px; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
pre { background: #f3f5f7; padding: 8px; overflow-x: auto; }
</style></head><body>
<h1>${esc(title)}</h1>
<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
<h2>Tasks by status over time</h2>
${renderChart(r.samples, 'update')}
<h2>Stages</h2>
${stageTable(r.stages)}
${r.rollback ? `<h2>Rollback: tasks by status over time</h2>\n${renderChart(r.samples, 'rollback')}\n<h2>Rollback stages</h2>\n${stageTable(r.rollback_stages)}\n<h2>Rolled-back clients</h2>\n${rollbackTable(r.rollback_tasks, r.release)}` : ''}
${r.failures.length ? `<h2>Failed applies</h2>\n${failureTable(r.failures)}\n` : ''}<h2>What approvers did, and where their tasks ended</h2>
${outcomeTable(r.outcomes)}
<h2>Strategy</h2>
<pre>${esc(JSON.stringify(r.strategy, null, 2))}</pre>
</body></html>
`;
}

/** The end of a run as text: the stage table and the counts that matter. */
export function formatSummary(r: SimReport): string {
  const lines = [
    '',
    `Deployment ${r.deployment.id} (${spellRelease(r.release)} to ${r.selector}, ${r.fleet.clients} clients): ${r.deployment.status}${r.deployment.status_reason ? ` — ${r.deployment.status_reason}` : ''}`,
    `End: ${r.end}; ${r.updated} clients run ${r.release.set ? 'the set' : r.release.version}${r.rollback ? `; rollback ${r.rollback.id} ${r.rollback.status}, ${r.rolled_back} clients returned to their own previous ${r.release.set ? 'set' : 'version'}` : ''}`,
    '',
    formatTable([...r.stages, ...r.rollback_stages]),
    '',
    `Time: register ${fmtS(r.timings_ms.register)}, baseline ${fmtS(r.timings_ms.baseline)}, rollout ${fmtS(r.timings_ms.rollout)}; HTTP: ${r.http.requests} requests, ${r.http.errors} errors`,
  ];
  return lines.join('\n');
}
