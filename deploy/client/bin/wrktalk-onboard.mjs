#!/usr/bin/env node
/**
 * wrktalk-onboard: prints a new client's root Argo CD Application (the app of apps of deploy/client), rendered from
 * the one template deploy/client/application.yaml and the client's few values, for
 * `| kubectl apply -n argocd -f -` or `argocd app create -f -`.
 *
 * A client's root differs from another's only in its name and label and in its Helm parameter values. Every value
 * is checked against the chart's own values.schema.json (patterns, bounds, the documented sizes), so the CLI refuses
 * exactly what the chart would, before anything reaches a cluster: bad input exits 2, names the flag, and prints
 * nothing on stdout.
 *
 * Plain Node ESM (no build step); needs the `yaml` package (deploy/package.json).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';

const CHART_DIR = fileURLToPath(new URL('..', import.meta.url));
const TEMPLATE_FILE = `${CHART_DIR}application.yaml`;
const SCHEMA_FILE = `${CHART_DIR}values.schema.json`;
const PLACEHOLDER = '__CLIENT__';

const USAGE = `Usage: wrktalk-onboard --client ID --domain HOST --profile cloud|on-prem [options]

Prints the root Argo CD Application of a new WrkTalk client (deploy/client, app of apps) as YAML:
  wrktalk-onboard --client acme --domain chat.acme.com --tier premium --profile on-prem | kubectl apply -n argocd -f -

Required:
  --client ID            the client's id at the GCC: DNS label, at most 53 characters (not "agent")
  --domain HOST          the client's public host name, e.g. chat.acme.com
  --profile P            cloud (managed PostgreSQL + PgBouncer, cloud bucket) or on-prem (CloudNativePG, MinIO)
  --postgres-host HOST   cloud only, required there: the managed PostgreSQL that PgBouncer fronts

Options:
  --tier T               rollout tier, a Kubernetes label value (default: standard)
  --bucket NAME          cloud only: the client's bucket (default: wrktalk-<client>)
  --tag TAG              starting image tag of backend, media and ct (default: the chart's values.yaml)
  --backend-tag TAG, --media-tag TAG, --ct-tag TAG
                         starting image tag of one component (wins over --tag)
  --repo URL             git repository holding deploy/client (default: the template's)
  --revision REV         branch, tag or commit of that repository (default: the template's)
  --set KEY=VALUE        a size, repeatable; KEY is one of:
%SIZES%
  --json                 print JSON instead of YAML
  -h, --help             this text

Exit status: 0 printed, 2 bad input (every problem is listed on stderr, nothing is printed on stdout).`;

/** A refused input: the flag and what is wrong with it. */
export class InputError extends Error {
  /** @param {string[]} problems */
  constructor(problems) {
    super(problems.join('\n'));
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** Loads values.schema.json and resolves `#/definitions/...` references. */
function loadSchema() {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
  const resolve = (node) => {
    let n = node;
    while (n?.$ref)
      n = n.$ref
        .split('/')
        .slice(1)
        .reduce((o, k) => o[k], schema);
    return n;
  };
  return { schema, resolve };
}

/**
 * The documented sizes `--set` accepts, from the schema's `sizes`: key -> schema of its value.
 * @returns {Map<string, {type: string, minimum?: number, maximum?: number, pattern?: string}>}
 */
export function sizeKeys() {
  const { schema, resolve } = loadSchema();
  const keys = new Map();
  for (const [group, groupSchema] of Object.entries(schema.properties.sizes.properties)) {
    for (const [field, fieldSchema] of Object.entries(resolve(groupSchema).properties)) {
      keys.set(`sizes.${group}.${field}`, resolve(fieldSchema));
    }
  }
  return keys;
}

function describeSize(s) {
  if (s.type === 'integer') return `an integer ${s.minimum}..${s.maximum}`;
  return 'a size such as 20Gi (Mi, Gi or Ti)';
}

/**
 * Checks the options and builds the client's root Application. Pure apart from reading the template and schema.
 * @param {Record<string, string | boolean | string[] | undefined>} o parsed flags
 * @returns {Record<string, unknown>} the Application
 * @throws {InputError} with every problem found
 */
export function buildRootApplication(o) {
  const { schema, resolve } = loadSchema();
  const p = schema.properties;
  const problems = [];
  const check = (flag, value, node, what) => {
    const s = resolve(node);
    if (typeof value !== 'string' || value === '') {
      problems.push(`--${flag}: required (${what})`);
      return false;
    }
    if (
      (s.maxLength !== undefined && value.length > s.maxLength) ||
      (s.pattern && !new RegExp(s.pattern).test(value))
    ) {
      problems.push(`--${flag}: ${JSON.stringify(value)} is not ${what}`);
      return false;
    }
    if (s.enum && !s.enum.includes(value)) {
      problems.push(`--${flag}: ${JSON.stringify(value)} is not ${what}`);
      return false;
    }
    if (s.not?.enum?.includes(value)) {
      problems.push(
        `--${flag}: ${JSON.stringify(value)} is reserved (wrktalk-${value} is the agent's Application)`,
      );
      return false;
    }
    return true;
  };

  check('client', o.client, p.clientId, 'a DNS label of at most 53 characters (a-z, 0-9, "-")');
  check('domain', o.domain, p.domain, 'a lower-case host name such as chat.acme.com');
  const tier = o.tier ?? 'standard';
  check('tier', tier, p.tier, 'a Kubernetes label value (letters, digits, "-", "_", "."; at most 63)');
  check('profile', o.profile, p.profile, 'cloud or on-prem');

  const cloud = p.cloud.properties;
  if (o.profile === 'cloud') {
    check('postgres-host', o['postgres-host'], cloud.postgres.properties.host, 'a host name or IPv4 address');
    if (o.bucket !== undefined)
      check('bucket', o.bucket, cloud.bucket.properties.name, 'an S3 bucket name (3-63, a-z 0-9 . -)');
  } else if (o.profile === 'on-prem') {
    if (o['postgres-host'] !== undefined)
      problems.push('--postgres-host: only for --profile cloud (on-prem runs CloudNativePG)');
    if (o.bucket !== undefined) problems.push('--bucket: only for --profile cloud (on-prem runs MinIO)');
  }

  const tags = {};
  for (const component of ['backend', 'media', 'ct']) {
    const flag = o[`${component}-tag`] !== undefined ? `${component}-tag` : 'tag';
    const value = o[flag];
    if (value === undefined) continue;
    if (
      check(flag, value, p.images.properties[component], 'an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})')
    ) {
      tags[component] = value;
    }
  }

  if (o.repo !== undefined)
    check('repo', o.repo, p.repo.properties.url, 'a git URL (https://, ssh:// or git@)');
  if (o.revision !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(o.revision)) {
    problems.push(`--revision: ${JSON.stringify(o.revision)} is not a branch, tag or commit`);
  }

  const allowed = sizeKeys();
  const sizes = new Map();
  for (const item of o.set ?? []) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const raw = eq < 0 ? undefined : item.slice(eq + 1);
    const s = allowed.get(key);
    if (!s) {
      problems.push(
        `--set: ${JSON.stringify(key)} is not a documented size (one of ${[...allowed.keys()].join(', ')})`,
      );
      continue;
    }
    if (raw === undefined || raw === '') {
      problems.push(`--set ${key}: needs a value (${describeSize(s)})`);
      continue;
    }
    if (s.type === 'integer') {
      const n = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(n) || n < s.minimum || n > s.maximum) {
        problems.push(`--set ${key}: ${JSON.stringify(raw)} is not ${describeSize(s)}`);
        continue;
      }
    } else if (!new RegExp(s.pattern).test(raw)) {
      problems.push(`--set ${key}: ${JSON.stringify(raw)} is not ${describeSize(s)}`);
      continue;
    }
    sizes.set(key, { value: raw, integer: s.type === 'integer' });
  }
  if (problems.length > 0) throw new InputError(problems);

  const app = parse(readFileSync(TEMPLATE_FILE, 'utf8'));
  const client = /** @type {string} */ (o.client);
  app.metadata.name = app.metadata.name.replaceAll(PLACEHOLDER, client);
  for (const [k, v] of Object.entries(app.metadata.labels ?? {})) {
    app.metadata.labels[k] = String(v).replaceAll(PLACEHOLDER, client);
  }
  const source = app.spec.source;
  if (o.repo !== undefined) source.repoURL = o.repo;
  if (o.revision !== undefined) source.targetRevision = o.revision;

  // Strings are forceString (a tag 1.10 or a client id 007 stay strings); sizes that are integers are not.
  const str = (name, value) => ({ name, value, forceString: true });
  const parameters = [
    str('clientId', client),
    str('domain', o.domain),
    str('tier', tier),
    str('profile', o.profile),
    str('repo.url', source.repoURL),
    str('repo.revision', source.targetRevision),
  ];
  for (const component of ['backend', 'media', 'ct']) {
    if (tags[component] !== undefined) parameters.push(str(`images.${component}`, tags[component]));
  }
  if (o.profile === 'cloud') {
    parameters.push(str('cloud.postgres.host', o['postgres-host']));
    if (o.bucket !== undefined) parameters.push(str('cloud.bucket.name', o.bucket));
  }
  // In the schema's order, whatever the order of the flags: two clients with the same keys list them alike.
  for (const key of allowed.keys()) {
    const size = sizes.get(key);
    if (!size) continue;
    parameters.push(size.integer ? { name: key, value: size.value } : str(key, size.value));
  }
  source.helm.parameters = parameters;
  return app;
}

/**
 * Runs the command line; returns the exit status.
 * @param {string[]} argv arguments after the program name
 * @param {{ out: (s: string) => void, err: (s: string) => void }} io
 */
export function main(argv, io) {
  const usage = () => {
    const sizes = [...sizeKeys()]
      .map(([k, s]) => `                           ${k}  (${describeSize(s)})`)
      .join('\n');
    return USAGE.replace('%SIZES%', sizes);
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        client: { type: 'string' },
        domain: { type: 'string' },
        tier: { type: 'string' },
        profile: { type: 'string' },
        'postgres-host': { type: 'string' },
        bucket: { type: 'string' },
        tag: { type: 'string' },
        'backend-tag': { type: 'string' },
        'media-tag': { type: 'string' },
        'ct-tag': { type: 'string' },
        repo: { type: 'string' },
        revision: { type: 'string' },
        set: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(
      `wrktalk-onboard: ${error instanceof Error ? error.message : String(error)}\nTry wrktalk-onboard --help.\n`,
    );
    return 2;
  }
  const o = parsed.values;
  if (o.help) {
    io.out(`${usage()}\n`);
    return 0;
  }
  let app;
  try {
    app = buildRootApplication(o);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.err(`${error.problems.map((p) => `wrktalk-onboard: ${p}`).join('\n')}\nTry wrktalk-onboard --help.\n`);
    return 2;
  }
  io.out(o.json ? `${JSON.stringify(app, null, 2)}\n` : stringify(app, { lineWidth: 0 }));
  return 0;
}

// Run when executed (directly or through the npm bin link), not when imported.
const invoked = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : '';
if (invoked === import.meta.url) {
  process.exitCode = main(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  });
}
