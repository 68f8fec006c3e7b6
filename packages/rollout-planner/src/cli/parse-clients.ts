import { parse } from 'csv-parse/sync';
import { validateClients } from '../clients/validate-clients';
import type { ValidationProblem } from '../strategy/validate-strategy';
import type { PlanClient } from './release-set';

/** Input format of a client list. */
export type ClientsFormat = 'json' | 'csv';

/**
 * Parsed clients (with `currentVersions` when the file gives what each runs now), or every problem (with a path such
 * as `line 3: labels` or `[2].targetKind`).
 */
export type ParseClientsResult =
  | { ok: true; clients: PlanClient[] }
  | { ok: false; problems: ValidationProblem[] };

/** Guesses the format from the first non-blank character: `[` is JSON, anything else CSV. */
export function detectFormat(text: string): ClientsFormat {
  return text.trimStart().startsWith('[') ? 'json' : 'csv';
}

/** Parses `k=v;k=v` labels; returns null on a malformed pair. */
export function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  for (const pair of text.split(';')) {
    const trimmed = pair.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) return null;
    labels[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return labels;
}

const CSV_COLUMNS = ['id', 'labels', 'target_kind', 'argocd_instance', 'timezone', 'current_versions'];

/**
 * Checks each client's `currentVersions` (component → version it runs now, as the GCC's `current_versions`): an
 * object of non-empty strings when present. The planner ignores it; `wrktalk-plan --set` shows each client's change.
 */
function currentVersionsProblems(clients: readonly Record<string, unknown>[]): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  clients.forEach((c, i) => {
    const v = c.currentVersions;
    if (v === undefined) return;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ path: `[${i}].currentVersions`, message: 'must be an object of component: version' });
      return;
    }
    for (const [k, x] of Object.entries(v))
      if (typeof x !== 'string' || x === '')
        problems.push({
          path: `[${i}].currentVersions.${k}`,
          message: `must be a version, got ${JSON.stringify(x)}`,
        });
  });
  return problems;
}

/** The planner's client checks and the CLI's own (`currentVersions`), every problem at once. */
function checkClients(data: unknown): ParseClientsResult {
  const v = validateClients(data);
  const own = Array.isArray(data)
    ? currentVersionsProblems(
        data.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null),
      )
    : [];
  if (v.ok && own.length === 0) return v;
  return { ok: false, problems: (v.ok ? [] : v.problems).concat(own) };
}

function parseCsv(text: string): ParseClientsResult {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    return {
      ok: false,
      problems: [{ path: 'csv', message: error instanceof Error ? error.message : String(error) }],
    };
  }
  const problems: ValidationProblem[] = [];
  const first = records[0];
  if (first !== undefined) {
    for (const required of ['id', 'target_kind']) {
      if (!(required in first))
        problems.push({
          path: 'csv header',
          message: `missing column '${required}' (columns: ${CSV_COLUMNS.join(',')})`,
        });
    }
    for (const column of Object.keys(first)) {
      if (!CSV_COLUMNS.includes(column))
        problems.push({ path: 'csv header', message: `unknown column '${column}'` });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const clients: unknown[] = records.map((r, i) => {
    const labels = parseLabels(r.labels ?? '');
    if (labels === null) {
      problems.push({ path: `line ${i + 2}: labels`, message: `expected k=v;k=v, got '${r.labels}'` });
    }
    const client: Record<string, unknown> = {
      id: r.id,
      labels: labels ?? {},
      targetKind: r.target_kind,
      argocdInstance: r.argocd_instance === undefined || r.argocd_instance === '' ? null : r.argocd_instance,
    };
    if (r.timezone !== undefined && r.timezone !== '') client.timezone = r.timezone;
    if (r.current_versions !== undefined && r.current_versions !== '') {
      const versions = parseLabels(r.current_versions);
      if (versions === null)
        problems.push({
          path: `line ${i + 2}: current_versions`,
          message: `expected component=version;component=version, got '${r.current_versions}'`,
        });
      else client.currentVersions = versions;
    }
    return client;
  });
  const v = checkClients(clients);
  if (v.ok && problems.length === 0) return v;
  // CSV users think in lines, not array indexes.
  return {
    ok: false,
    problems: problems.concat(v.ok ? [] : v.problems).map((p) => ({
      path: p.path.replace(
        /^\[(\d+)\]\.?(.*)$/,
        (_m, i: string, rest: string) =>
          `line ${Number(i) + 2}: ${rest.replace('targetKind', 'target_kind').replace('argocdInstance', 'argocd_instance').replace('currentVersions', 'current_versions')}`,
      ),
      message: p.message.replace(
        /\(first at \[(\d+)\]\)/,
        (_m, i: string) => `(first at line ${Number(i) + 2})`,
      ),
    })),
  };
}

function parseJson(text: string): ParseClientsResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      problems: [{ path: 'json', message: error instanceof Error ? error.message : String(error) }],
    };
  }
  // Accept the wire's snake_case too.
  if (Array.isArray(data)) {
    data = data.map((c: unknown) => {
      if (typeof c !== 'object' || c === null) return c;
      const o = { ...(c as Record<string, unknown>) };
      if (o.target_kind !== undefined && o.targetKind === undefined) {
        o.targetKind = o.target_kind;
        delete o.target_kind;
      }
      if (o.argocd_instance !== undefined && o.argocdInstance === undefined) {
        o.argocdInstance = o.argocd_instance;
        delete o.argocd_instance;
      }
      // The GCC's `Client.current_versions`, so a client list exported from the API plans as it is.
      if (o.current_versions !== undefined && o.currentVersions === undefined) {
        o.currentVersions = o.current_versions;
        delete o.current_versions;
      }
      return o;
    });
  }
  return checkClients(data);
}

/** Parses a client list from JSON (an array) or CSV (`id,labels,target_kind,argocd_instance[,timezone]`); pure. */
export function parseClients(text: string, format: ClientsFormat = detectFormat(text)): ParseClientsResult {
  return format === 'json' ? parseJson(text) : parseCsv(text);
}
